package kubelmagent.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.model.VsMissing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
            ledger.update(VS3, o -> o.withMember(WEB, A));
            ledger.update(VS3, o -> o.withMember(WEB, B));
        }
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            assertEquals(
                    Map.of(VS3, new Ownership(WEB, Set.of(A, B))),
                    ledger.snapshot().owned());
        }
    }

    @Test
    void dropsAVirtualServiceOnceItsLastMemberIsForgotten() throws IOException {
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.update(VS3, o -> o.withMember(WEB, A));
            ledger.update(VS3, o -> o.withMember(WEB, B));
            ledger.update(VS3, o -> o.without(List.of(A)));
            assertEquals(
                    Map.of(VS3, new Ownership(WEB, Set.of(B))),
                    ledger.snapshot().owned());
            ledger.update(VS3, o -> o.without(List.of(B)));
            assertEquals(Map.of(), ledger.snapshot().owned());
        }
        assertEquals(Map.of(), FileOwnershipLedger.readOnly(dir).snapshot().owned());
    }

    @Test
    void writesThroughATemporaryFileThatIsGoneAfterwards() throws IOException {
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.update(VS3, o -> o.withMember(WEB, A));
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
            assertEquals(Map.of(), first.snapshot().owned());
            IOException e = assertThrows(IOException.class, () -> FileOwnershipLedger.open(dir));
            assertEquals(
                    "another kube-lm-agent is running with state directory " + dir + " (" + dir.resolve("lock")
                            + " is locked); stop it first, or give this one its own sync.stateDir",
                    e.getMessage());
        }
    }

    @Test
    void letsADryRunReadWhileTheAgentHoldsTheLockButNotWrite() throws IOException {
        try (FileOwnershipLedger agent = FileOwnershipLedger.open(dir)) {
            agent.update(VS3, o -> o.withMember(WEB, A));
            FileOwnershipLedger preview = FileOwnershipLedger.readOnly(dir);
            assertEquals(agent.snapshot(), preview.snapshot());
            assertThrows(IllegalStateException.class, () -> preview.update(VS3, o -> o.withMember(WEB, B)));
        }
    }

    @Test
    void readsAMissingStateDirectoryAsEmptyInADryRun() throws IOException {
        assertEquals(
                Map.of(),
                FileOwnershipLedger.readOnly(dir.resolve("absent")).snapshot().owned());
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
            assertEquals(Map.of(), ledger.snapshot().owned(), "it owns nothing it cannot prove");
            ledger.update(VS3, o -> o.withMember(WEB, A));
        } finally {
            Logger.getLogger("kubelmagent").removeHandler(capture);
        }
        List<Path> aside;
        try (var files = Files.list(dir)) {
            aside = files.filter(
                            f -> f.getFileName().toString().startsWith(FileOwnershipLedger.FILE_NAME + ".damaged-"))
                    .toList();
        }
        assertEquals(1, aside.size());
        assertEquals(torn, Files.readString(aside.get(0)), "the damaged file is kept for a person to look at");
        assertEquals(1, errs.size(), errs.toString());
        assertTrue(errs.get(0).startsWith("SEVERE the ownership ledger " + file + " is damaged ("), errs.get(0));
        assertTrue(
                errs.get(0)
                        .endsWith("it was moved to " + aside.get(0) + " and the agent starts with an empty"
                                + " ledger: it removes none of the Real Servers it added before, which now count as hand-made. To take"
                                + " over Real Servers that match ready endpoints inside kubernetes.podCidrs, run the agent once with"
                                + " --adopt."),
                errs.get(0));
        assertEquals(
                Map.of(VS3, new Ownership(WEB, Set.of(A))),
                FileOwnershipLedger.readOnly(dir).snapshot().owned());
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
            ledger.update(VS3, o -> o.withMember(WEB, A));
            ledger.update(VS3, o -> o.retiring(A, draining));
        }
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            assertEquals(draining, ledger.snapshot().owned().get(VS3).retiring().get(A));
            ledger.update(VS3, o -> o.retiring(A, null));
        }
        assertEquals(
                Map.of(),
                FileOwnershipLedger.readOnly(dir).snapshot().owned().get(VS3).retiring());
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.update(VS3, o -> o.retiring(A, Retiring.gone(draining.since(), 1)));
            ledger.update(VS3, o -> o.withMember(WEB, A)); // added again: in service again
        }
        assertEquals(
                Map.of(),
                FileOwnershipLedger.readOnly(dir).snapshot().owned().get(VS3).retiring());
    }

    @Test
    void refusesALedgerOfAnotherFormat() throws IOException {
        Files.writeString(dir.resolve(FileOwnershipLedger.FILE_NAME), "{\"format\": 3, \"virtualServices\": {}}");
        assertThrows(IOException.class, () -> FileOwnershipLedger.readOnly(dir));
    }

    @Test
    void keepsMemoryAndFileInStepWhenAWriteFails() throws IOException {
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.update(VS3, o -> o.withMember(WEB, A));
            Path tmp = dir.resolve(FileOwnershipLedger.FILE_NAME + ".tmp");
            Files.createDirectory(tmp); // the next write cannot create its temporary file
            IOException e = assertThrows(IOException.class, () -> ledger.update(VS3, o -> o.withMember(WEB, B)));
            assertTrue(e.getMessage().startsWith("cannot write the ownership ledger "), e.getMessage());
            assertEquals(
                    Map.of(VS3, new Ownership(WEB, Set.of(A))),
                    ledger.snapshot().owned());
            Files.delete(tmp);
        }
        assertEquals(
                Map.of(VS3, new Ownership(WEB, Set.of(A))),
                FileOwnershipLedger.readOnly(dir).snapshot().owned());
    }

    @Test
    void keepsTheLoadMasterTheVirtualServiceIdentitiesWhoDisabledWhatAndThePeaksAcrossRestarts() throws IOException {
        Instant t = Instant.parse("2026-11-29T06:00:00Z");
        CapacityHistory peaks = CapacityHistory.EMPTY
                .with(VS3, new CapacityHistory.Sample(10, t), Duration.ofMinutes(10))
                .with(null, new CapacityHistory.Sample(12, t), Duration.ofMinutes(10));
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.record(l -> l.withLoadMaster("https://10.0.0.2"));
            ledger.update(
                    VS3,
                    o -> o.withMember(WEB, A)
                            .withMember(WEB, B)
                            .identifiedAs("10.0.0.5:80/tcp")
                            .missing(new VsMissing(t, 1))
                            .retiring(A, Retiring.gone(t, 1).foundDisabled())
                            .retiring(B, Retiring.draining(t)));
            ledger.record(l -> l.withCapacity(peaks));
        }
        Ledger read = FileOwnershipLedger.readOnly(dir).snapshot();
        assertEquals(
                new Ledger(
                        "https://10.0.0.2",
                        Map.of(
                                VS3,
                                new Ownership(
                                        WEB,
                                        Set.of(A, B),
                                        Map.of(
                                                A,
                                                new Retiring(Retiring.Reason.GONE, t, 1, false),
                                                B,
                                                Retiring.draining(t)),
                                        "10.0.0.5:80/tcp",
                                        new VsMissing(t, 1))),
                        peaks),
                read);
    }

    /** Whatever spelling an address was written in, it is read back as the Member the agent compares it with. */
    @Test
    void readsAnIpv6AddressInAnySpellingAsTheCanonicalMember() throws IOException {
        Files.writeString(dir.resolve(FileOwnershipLedger.FILE_NAME), """
                {"format": 2, "loadMaster": "https://10.0.0.2", "virtualServices": {"3": {"service": "shop/web",
                  "identity": "[fd00::5]:443/tcp", "realServers": [
                  {"ip": "FD00:0:0:0:0:0:0:0001", "port": 8080,
                   "retiring": {"reason": "GONE", "since": "2026-11-29T06:00:00Z", "absentReads": 1,
                                "disabledByAgent": true}},
                  {"ip": "fd00:0:0::2", "port": 8080}]}}}""");
        Member one = new Member("fd00::1", 8080);
        Member two = new Member("fd00::2", 8080);
        Ownership read = FileOwnershipLedger.readOnly(dir).snapshot().get(VS3);
        assertEquals(Set.of(one, two), read.members());
        assertEquals(
                List.of("fd00::1", "fd00::2"),
                read.members().stream().map(Member::ip).sorted().toList());
        assertEquals(Set.of(one), read.retiring().keySet(), "the retiring entry is keyed by the canonical member");
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.update(VS3, o -> o.without(List.of(new Member("fd00::2", 8080))));
            assertEquals(Set.of(one), ledger.snapshot().get(VS3).members(), "forgotten by its canonical form");
        }
        String json = Files.readString(dir.resolve(FileOwnershipLedger.FILE_NAME));
        assertTrue(json.contains("\"ip\": \"fd00::1\"") && !json.contains("FD00"), json);
    }

    @Test
    void readsALedgerOfTheFirstFormatAsOneTheAgentDisabledAndThatNamesNoLoadMasterYet() throws IOException {
        Files.writeString(dir.resolve(FileOwnershipLedger.FILE_NAME), """
                {"format": 1, "virtualServices": {"3": {"service": "shop/web", "realServers": [
                  {"ip": "10.244.1.7", "port": 8080,
                   "retiring": {"reason": "GONE", "since": "2026-11-29T06:00:00Z", "absentReads": 1}},
                  {"ip": "fd00:0:0::7", "port": 8080}]}}}""");
        Ledger read = FileOwnershipLedger.readOnly(dir).snapshot();
        assertEquals(null, read.loadMaster(), "the first pass records the LoadMaster it reads");
        assertEquals(
                new Ownership(WEB, Set.of(A, B), Map.of(A, Retiring.gone(Instant.parse("2026-11-29T06:00:00Z"), 1))),
                read.get(VS3));
        assertEquals(CapacityHistory.EMPTY, read.capacity());
        try (FileOwnershipLedger ledger = FileOwnershipLedger.open(dir)) {
            ledger.record(l -> l.withLoadMaster("https://10.0.0.2"));
        }
        String json = Files.readString(dir.resolve(FileOwnershipLedger.FILE_NAME));
        assertTrue(
                json.contains("\"format\": 2")
                        && json.contains("\"loadMaster\": \"https://10.0.0.2\"")
                        && json.contains("\"disabledByAgent\": true")
                        && json.contains("\"ip\": \"fd00::7\""),
                json);
    }
}
