package kubelmagent.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
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
    void setsADamagedLedgerAsideStartsEmptyAndSaysHowToAdopt() throws IOException {
        Path file = dir.resolve(FileOwnershipLedger.FILE_NAME);
        String torn = "{\"format\": 1, \"virtualServices\": {\"3\": ";
        Files.writeString(file, torn);
        List<String> errs = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                errs.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger.getLogger("kubelmagent").addHandler(capture);
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            assertEquals(Map.of(), ledger.snapshot(), "it owns nothing it cannot prove");
            ledger.record(VS3, WEB, A);
        } finally {
            Logger.getLogger("kubelmagent").removeHandler(capture);
        }
        List<Path> aside;
        try (var files = Files.list(dir)) {
            aside = files.filter(f -> f.getFileName().toString().startsWith(FileOwnershipLedger.FILE_NAME + ".damaged-"))
                    .toList();
        }
        assertEquals(1, aside.size());
        assertEquals(torn, Files.readString(aside.get(0)), "the damaged file is kept for a person to look at");
        assertEquals(1, errs.size(), errs.toString());
        assertTrue(errs.get(0).startsWith("SEVERE the ownership ledger " + file + " is damaged ("), errs.get(0));
        assertTrue(errs.get(0).endsWith("it was moved to " + aside.get(0) + " and the agent starts with an empty"
                + " ledger: it removes none of the Real Servers it added before, which now count as hand-made. To take"
                + " over Real Servers that match ready endpoints inside kubernetes.podCidrs, run the agent once with"
                + " --adopt."), errs.get(0));
        assertEquals(Map.of(VS3, new Ownership(WEB, Set.of(A))), FileOwnershipLedger.readOnly(dir).snapshot());
    }

    @Test
    void aDryRunRefusesADamagedLedgerAndLeavesItWhereItIs() throws IOException {
        Files.writeString(dir.resolve(FileOwnershipLedger.FILE_NAME), "not json");
        IOException e = assertThrows(IOException.class, () -> FileOwnershipLedger.readOnly(dir));
        assertTrue(e.getMessage().contains(" is damaged ("), e.getMessage());
        assertTrue(Files.exists(dir.resolve(FileOwnershipLedger.FILE_NAME)));
    }

    @Test
    void keepsWhatIsRetiringAcrossARestart() throws IOException {
        Retiring draining = Retiring.draining(java.time.Instant.parse("2026-11-29T06:00:00Z"));
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.record(VS3, WEB, A);
            ledger.markRetiring(VS3, A, draining);
        }
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            assertEquals(draining, ledger.snapshot().get(VS3).retiring().get(A));
            ledger.clearRetiring(VS3, A);
        }
        assertEquals(Map.of(), FileOwnershipLedger.readOnly(dir).snapshot().get(VS3).retiring());
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.markRetiring(VS3, A, Retiring.gone(draining.since(), 1));
            ledger.record(VS3, WEB, A); // added again: in service again
        }
        assertEquals(Map.of(), FileOwnershipLedger.readOnly(dir).snapshot().get(VS3).retiring());
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
