package kubelmagent.sync;

import static kubelmagent.sync.ScriptedSource.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import kubelmagent.ha.ConfigMapLedger;
import kubelmagent.ha.HaSettings;
import kubelmagent.ha.InMemoryObjectStore;
import kubelmagent.ha.LeaseElector;
import kubelmagent.ha.LeaseLeadership;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.log.LogCapture;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.Member;
import kubelmagent.model.PassResult;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two agents beside one LoadMaster with {@code ha}, each a whole pass (Reconciler, Lease, shared ledger) on one
 * shared Lease and ConfigMap store, one cluster and one LoadMaster; each agent's monotonic clock moves by hand, so
 * a pause (SIGSTOP, GC) is a clock that did not move while the other's did.
 */
class TwoAgentsTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final Member HAND_MADE = new Member("10.0.9.9", 8080);
    static final Duration LEASE = Duration.ofSeconds(15);
    static final Duration RENEW = Duration.ofSeconds(10);

    final InMemoryObjectStore store = new InMemoryObjectStore();
    final ScriptedSource cluster = new ScriptedSource();
    final InMemoryLoadMaster loadMaster = new InMemoryLoadMaster().addVirtualService(3, "10.0.0.100", 80, "tcp", "web");
    /** One agent: its own clock, elector, shared-ledger view and reconciler; its LoadMaster writes counted. */
    final class Agent {
        final AtomicLong nanos = new AtomicLong(5_000_000_000L);
        final LeaseElector elector;
        final ConfigMapLedger ledger;
        final Reconciler reconciler;
        final CountingLoadMaster loadMasterSeen = new CountingLoadMaster(loadMaster);
        final List<String> writes = loadMasterSeen.log;

        Agent(String identity) {
            HaSettings settings = new HaSettings(
                    "kube-lm-agent", "kube-lm-agent", identity, LEASE, RENEW, Duration.ofSeconds(2), "ledger");
            elector = new LeaseElector(store, settings, Clock.systemUTC(), nanos::get, () -> {});
            ledger = new ConfigMapLedger(store, "ledger", elector::holding);
            reconciler = new Reconciler(
                    cluster,
                    loadMasterSeen,
                    ledger,
                    Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC),
                    ReconcilerTest.AT_ONCE,
                    new AgentMetrics("test", identity),
                    new LeaseLeadership(elector, ledger, settings));
        }

        /** Time passes for this agent: it renews or tries to take the Lease, as its thread does. */
        void live(Duration d) {
            nanos.addAndGet(d.toNanos());
            elector.round();
        }

        PassResult pass() {
            return reconciler.runOnce(StartedBy.TIMER);
        }
    }

    final Agent a = new Agent("node-a");
    final Agent b = new Agent("node-b");

    final LogCapture capture = new LogCapture(Reconciler.class);

    @BeforeEach
    void setUp() {
        loadMaster.addRealServerByHand(VS3, HAND_MADE);
    }

    @AfterEach
    void tearDown() {
        capture.close();
    }

    List<String> log() {
        return capture.lines();
    }

    List<Member> agentsRealServers() {
        List<Member> rs = new ArrayList<>(loadMaster.realServers(VS3));
        rs.remove(HAND_MADE);
        return rs;
    }

    @Test
    void onlyTheHolderWritesTheOtherReadsPlansAndSaysWhoWrites() {
        cluster.service("web", 3, 3);
        a.live(Duration.ZERO);
        b.live(Duration.ZERO);

        PassResult standby = b.pass();
        assertEquals(3, standby.planned());
        assertEquals(0, standby.applied());
        assertEquals(List.of(), b.writes);
        assertTrue(
                log().stream()
                        .anyMatch(l -> l.contains("standby, done in")
                                && l.contains("3 change(s) to make, none made here (the Lease"
                                        + " kube-lm-agent/kube-lm-agent is held by node-a)")),
                log()::toString);

        assertTrue(a.pass().converged());
        assertEquals(List.of("add " + pod(1), "add " + pod(2), "add " + pod(3)), a.writes);
        assertEquals(List.of(pod(1), pod(2), pod(3)), agentsRealServers());
    }

    @Test
    void aSharedLedgerThatCannotBeReadIsLoggedAtErrOnceWhileItLasts() {
        cluster.service("web", 3, 3);
        a.live(Duration.ZERO);
        a.pass();
        b.live(Duration.ZERO);
        try (LogCapture leadership = new LogCapture(LeaseLeadership.class)) {
            for (int i = 0; i < 3; i++) {
                store.failNext(403); // b's read of the ledger, once a pass
                assertEquals(0, b.pass().applied());
            }
            assertEquals(
                    1,
                    leadership.lines().stream()
                            .filter(l -> l.startsWith("SEVERE could not read the shared ledger"))
                            .count(),
                    leadership.lines()::toString);
        }
        assertEquals(List.of(), b.writes);
    }

    @Test
    void theAgentThatTakesOverRemovesWhatTheOtherAddedWhenItsPodsGoAsIfOneAgentHadDoneEverything() {
        cluster.service("web", 3, 3);
        a.live(Duration.ZERO);
        a.pass();
        b.live(Duration.ZERO);

        b.live(LEASE); // a's host died: it renews no more
        assertNotNull(b.elector.holding());
        cluster.service("web", 3, 2);
        assertTrue(b.pass().converged());

        assertEquals(List.of("remove " + pod(3)), b.writes);
        assertEquals(List.of(pod(1), pod(2)), agentsRealServers());
        assertTrue(loadMaster.realServers(VS3).contains(HAND_MADE));
        assertEquals(Set.of(pod(1), pod(2)), b.ledger.snapshot().get(VS3).members());
    }

    @Test
    void aLeaderPausedPastItsLeaseMakesNoLoadMasterWriteWhenItWakesUpEvenIfItsClockMissedThePause() {
        cluster.service("web", 3, 2);
        a.live(Duration.ZERO);
        a.pass();
        b.live(Duration.ZERO);
        // a is paused: its clock does not move, b's does; b takes over and makes a change.
        b.live(LEASE);
        cluster.service("web", 3, 3);
        b.pass();
        assertEquals(List.of("add " + pod(3)), b.writes);
        int before = a.writes.size();

        // a wakes up in the middle of its next pass, believing it still holds the Lease (worst case: its clock did
        // not count the pause), and sees work to do.
        cluster.service("web", 3, 1);
        assertNotNull(a.elector.holding(), "a's own clock has not run out");
        PassResult woken = a.pass();

        assertEquals(before, a.writes.size(), "no LoadMaster write: its ledger compare-and-swap failed first");
        assertEquals(0, woken.applied());
        assertTrue(woken.failed() > 0);
        assertTrue(log().stream().anyMatch(l -> l.contains("was taken over by node-b (term 1)")), log()::toString);
        assertEquals(List.of(pod(1), pod(2), pod(3)), agentsRealServers(), "b's view stands until b changes it");
    }

    @Test
    void aHolderPastItsRenewDeadlineStopsWritingAtOnceEvenInTheMiddleOfAPass() {
        cluster.service("web", 3, 3);
        a.live(Duration.ZERO);
        a.pass();
        cluster.service("web", 3, 1);
        a.nanos.addAndGet(RENEW.toNanos()); // could not renew: the deadline passes without a round

        PassResult pass = a.pass();

        assertEquals(List.of("add " + pod(1), "add " + pod(2), "add " + pod(3)), a.writes, "nothing more");
        assertEquals(0, pass.applied());
        assertFalse(log().stream().anyMatch(l -> l.contains("removed RS")), log()::toString);
    }

    @Test
    void theTakeOverStopsTheOldHoldersRemovalsAtTheFenceBeforeTheirLoadMasterCall() {
        cluster.service("web", 3, 3);
        a.live(Duration.ZERO);
        a.pass();
        b.live(Duration.ZERO);
        b.live(LEASE);
        b.pass(); // takes the ledger over; nothing to change
        cluster.service("web", 3, 1);

        a.pass(); // a believes it holds the Lease: a removal records only after its call, so the fence must stop it

        assertFalse(
                a.writes.stream().anyMatch(w -> w.startsWith("remove") || w.startsWith("disable")), a.writes::toString);
        assertEquals(List.of(pod(1), pod(2), pod(3)), agentsRealServers());
    }
}
