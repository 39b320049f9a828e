package kubelmagent.sync;

import static kubelmagent.sync.ScriptedSource.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import kubelmagent.ha.Leadership;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.log.LogCapture;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.Ledger;
import kubelmagent.model.PassResult;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.ownership.OwnershipLedger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a pass defers to {@link Leadership} and to the ledger's fence, one at a time: every LoadMaster write comes
 * after a ledger write that covers it and after a check that the agent may still write.
 */
class LeadershipTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);

    @TempDir
    Path stateDir;

    final ScriptedSource cluster = new ScriptedSource();
    final InMemoryLoadMaster loadMaster = new InMemoryLoadMaster().addVirtualService(3, "10.0.0.100", 80, "tcp", "web");
    /** What reached the ledger and the LoadMaster, in order. */
    final List<String> calls = new ArrayList<>();

    FileOwnershipLedger file;
    boolean fenceFails;
    /** The Lease runs out while an add's write-ahead record is written. */
    boolean loseTheLeaseDuringTheNextRecord;

    boolean mayWrite = true;
    String standby;

    final OwnershipLedger ledger = new OwnershipLedger() {
        @Override
        public Ledger snapshot() {
            return file.snapshot();
        }

        @Override
        public void record(UnaryOperator<Ledger> transition) throws IOException {
            calls.add("record");
            int before = file.snapshot().get(VS3).members().size();
            file.record(transition);
            if (loseTheLeaseDuringTheNextRecord
                    && file.snapshot().get(VS3).members().size() > before) {
                mayWrite = false; // during an add's write-ahead record
            }
        }

        @Override
        public void fence(VirtualServiceId vs) throws IOException {
            calls.add("fence " + vs);
            if (fenceFails) {
                throw new IOException("the ledger was taken over by node-b (term 2)");
            }
        }
    };

    final CountingLoadMaster counted = new CountingLoadMaster(loadMaster, calls);

    final Leadership leadership = new Leadership() {
        @Override
        public Optional<String> standby() {
            return Optional.ofNullable(standby);
        }

        @Override
        public boolean mayWrite() {
            return mayWrite;
        }
    };

    Reconciler reconciler;

    @BeforeEach
    void setUp() throws IOException {
        file = FileOwnershipLedger.open(stateDir);
        reconciler = new Reconciler(
                cluster,
                counted,
                ledger,
                Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC),
                ReconcilerTest.AT_ONCE,
                new AgentMetrics("test"),
                leadership);
    }

    @AfterEach
    void tearDown() throws IOException {
        file.close();
    }

    @Test
    void aRemovalIsFencedInTheLedgerJustBeforeItsCallAndAFailedFenceSendsNothing() {
        cluster.service("web", 3, 3);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 2);
        calls.clear();

        reconciler.runOnce(StartedBy.TIMER);
        int delrs = calls.indexOf("remove " + pod(3));
        assertTrue(delrs > 0 && calls.get(delrs - 1).equals("fence 3"), calls::toString);

        cluster.service("web", 3, 1);
        calls.clear();
        fenceFails = true;
        try (LogCapture log = new LogCapture(Reconciler.class)) {
            PassResult r = reconciler.runOnce(StartedBy.TIMER);
            assertEquals(0, r.applied());
            assertTrue(
                    log.lines().stream()
                            .anyMatch(l -> l.contains("did not remove RS " + pod(2)
                                    + " from VS 3 (shop/web): no longer a ready endpoint: the"
                                    + " ledger was taken over by node-b (term 2)")),
                    log.lines()::toString);
        }
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("remove")), calls::toString);
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
    }

    @Test
    void anAddIsCoveredByItsWriteAheadRecordAndNeedsNoFence() {
        cluster.service("web", 3, 1);
        reconciler.runOnce(StartedBy.TIMER);

        int addrs = calls.indexOf("add " + pod(1));
        assertTrue(addrs > 0 && calls.get(addrs - 1).equals("record"), calls::toString);
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("fence")), calls::toString);
    }

    @Test
    void onceTheAgentMayNoLongerWriteNoChangeIsMadeAndOneLineSaysWhy() {
        cluster.service("web", 3, 2);
        mayWrite = false;
        try (LogCapture log = new LogCapture(Reconciler.class)) {
            PassResult r = reconciler.runOnce(StartedBy.TIMER);
            assertEquals(0, r.applied());
            assertEquals(2, r.failed());
            assertEquals(
                    List.of("WARNING did not add RS " + pod(1) + " to VS 3 (shop/web): this agent no longer holds the"
                            + " Lease (it could not renew it in time), so it makes no more changes until it holds it"
                            + " again; the other changes of this pass are left too"),
                    log.lines().stream()
                            .filter(l -> l.contains("no longer holds"))
                            .filter(l -> !l.startsWith("FINE"))
                            .toList(),
                    "one line at warning, however many changes are left");
        }
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("add ")), calls::toString);
        assertEquals(List.of(), loadMaster.realServers(VS3));
    }

    @Test
    void aLeaseThatRunsOutWhileTheWriteAheadRecordIsWrittenStopsTheCallItCovers() {
        cluster.service("web", 3, 1);
        loseTheLeaseDuringTheNextRecord = true;

        PassResult r = reconciler.runOnce(StartedBy.TIMER);

        assertEquals(0, r.applied());
        assertTrue(calls.contains("record"), calls::toString);
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("add ")), calls::toString);
        assertEquals(List.of(), loadMaster.realServers(VS3));
    }

    @Test
    void aStandbyPassReadsAndPlansButTouchesNeitherTheLedgerNorTheLoadMaster() {
        cluster.service("web", 3, 2);
        standby = "the Lease kube-lm-agent/kube-lm-agent is held by node-b";
        try (LogCapture log = new LogCapture(Reconciler.class)) {
            PassResult r = reconciler.runOnce(StartedBy.TIMER);
            assertEquals(2, r.planned());
            assertEquals(0, r.applied());
            assertEquals(0, r.failed());
            assertTrue(
                    log.lines().stream()
                            .anyMatch(l -> l.contains("pass #1 (timer) standby, done in")
                                    && l.contains("2 change(s) to make, none made here (the Lease"
                                            + " kube-lm-agent/kube-lm-agent is held by node-b)")),
                    log.lines()::toString);
        }
        assertEquals(List.of(), calls);
    }
}
