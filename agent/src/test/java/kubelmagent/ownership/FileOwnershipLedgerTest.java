package kubelmagent.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;

class FileOwnershipLedgerTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final ServiceRef WEB = new ServiceRef("shop", "web");
    static final Member A = new Member("10.244.1.7", 8080);
    static final Member B = new Member("fd00::7", 8080);

    @TempDir
    Path dir;

    @Test
    void keepsWhatItRecordedAcrossRestarts() throws IOException {
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.record(VS3, WEB, A);
            ledger.record(VS3, WEB, B);
        }
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            assertEquals(Map.of(VS3, new Ownership(WEB, Set.of(A, B))), ledger.snapshot());
        }
    }

    @Test
    void dropsAVirtualServiceOnceItsLastMemberIsForgotten() throws IOException {
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.record(VS3, WEB, A);
            ledger.record(VS3, WEB, B);
            ledger.forget(VS3, List.of(A));
            assertEquals(Map.of(VS3, new Ownership(WEB, Set.of(B))), ledger.snapshot());
            ledger.forget(VS3, List.of(B));
            assertEquals(Map.of(), ledger.snapshot());
        }
        assertEquals(Map.of(), FileOwnershipLedger.readOnly(dir).snapshot());
    }

    @Test
    void writesThroughATemporaryFileThatIsGoneAfterwards() throws IOException {
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.record(VS3, WEB, A);
        }
        assertTrue(Files.exists(dir.resolve(FileOwnershipLedger.FILE_NAME)));
        assertFalse(Files.exists(dir.resolve(FileOwnershipLedger.FILE_NAME + ".tmp")));
        String json = Files.readString(dir.resolve(FileOwnershipLedger.FILE_NAME));
        assertTrue(json.contains("\"service\": \"shop/web\""), json);
        assertTrue(json.contains("\"ip\": \"10.244.1.7\""), json);
    }

    @Test
    void refusesASecondAgentOnTheSameStateDirectory() throws IOException {
        try (FileOwnershipLedger first = FileOwnershipLedger.open(dir)) {
            assertEquals(Map.of(), first.snapshot());
            IOException e = assertThrows(IOException.class, () -> FileOwnershipLedger.open(dir));
            assertEquals("another kube-lm-agent is running with state directory " + dir + " (" + dir.resolve("lock")
                    + " is locked); stop it first, or give this one its own sync.stateDir", e.getMessage());
        }
    }

    @Test
    void letsADryRunReadWhileTheAgentHoldsTheLockButNotWrite() throws IOException {
        try (FileOwnershipLedger agent = FileOwnershipLedger.open(dir)) {
            agent.record(VS3, WEB, A);
            FileOwnershipLedger preview = FileOwnershipLedger.readOnly(dir);
            assertEquals(agent.snapshot(), preview.snapshot());
            assertThrows(IllegalStateException.class, () -> preview.record(VS3, WEB, B));
        }
    }

    @Test
    void readsAMissingStateDirectoryAsEmptyInADryRun() throws IOException {
        assertEquals(Map.of(), FileOwnershipLedger.readOnly(dir.resolve("absent")).snapshot());
    }

    @Test
    void refusesADamagedLedgerAndSaysWhatToDo() throws IOException {
        Files.writeString(dir.resolve(FileOwnershipLedger.FILE_NAME), "{\"format\": 1, \"virtualServices\": {\"3\": ");
        IOException e = assertThrows(IOException.class, () -> FileOwnershipLedger.open(dir));
        assertTrue(e.getMessage().startsWith("the ownership ledger " + dir.resolve(FileOwnershipLedger.FILE_NAME)
                + " is damaged ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("move it aside to start with an empty ledger (the agent then removes none"
                + " of the Real Servers it added before)"), e.getMessage());
        // and the lock was released, so a fixed file can be opened at once
        Files.delete(dir.resolve(FileOwnershipLedger.FILE_NAME));
        FileOwnershipLedger.open(dir).close();
    }

    @Test
    void refusesALedgerOfAnotherFormat() throws IOException {
        Files.writeString(dir.resolve(FileOwnershipLedger.FILE_NAME), "{\"format\": 2, \"virtualServices\": {}}");
        assertThrows(IOException.class, () -> FileOwnershipLedger.readOnly(dir));
    }

    @Test
    void keepsMemoryAndFileInStepWhenAWriteFails() throws IOException {
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.record(VS3, WEB, A);
            Path tmp = dir.resolve(FileOwnershipLedger.FILE_NAME + ".tmp");
            Files.createDirectory(tmp); // the next write cannot create its temporary file
            IOException e = assertThrows(IOException.class, () -> ledger.record(VS3, WEB, B));
            assertTrue(e.getMessage().startsWith("cannot write the ownership ledger "), e.getMessage());
            assertEquals(Map.of(VS3, new Ownership(WEB, Set.of(A))), ledger.snapshot());
            Files.delete(tmp);
        }
        assertEquals(Map.of(VS3, new Ownership(WEB, Set.of(A))), FileOwnershipLedger.readOnly(dir).snapshot());
    }
}
