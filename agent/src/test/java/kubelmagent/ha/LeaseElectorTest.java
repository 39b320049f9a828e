package kubelmagent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import kubelmagent.kube.ObjectStore;
import kubelmagent.log.LogCapture;
import kubelmagent.sync.MutableClock;
import org.junit.jupiter.api.Test;

/**
 * The Lease as two agents see it, on one shared store, each with its own monotonic clock (moved by hand) and a
 * wall clock that is deliberately wrong on one of them: only the elapsed time each measures matters.
 */
class LeaseElectorTest {

    static final Duration LEASE = Duration.ofSeconds(15);
    static final Duration RENEW = Duration.ofSeconds(10);
    static final Duration RETRY = Duration.ofSeconds(2);

    final InMemoryObjectStore store = new InMemoryObjectStore();

    /** One agent: its elector, its monotonic clock, and how often it took the Lease. */
    final class Agent {
        final AtomicLong nanos = new AtomicLong(1_000_000_000L);
        final AtomicInteger taken = new AtomicInteger();
        final LeaseElector elector;

        Agent(String identity, Instant wallClock) {
            elector = new LeaseElector(
                    store, settings(identity), new MutableClock(wallClock), nanos::get, taken::incrementAndGet);
        }

        void wait(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }

    static HaSettings settings(String identity) {
        return new HaSettings("kube-lm-agent", "kube-lm-agent", identity, LEASE, RENEW, RETRY, "kube-lm-agent-ledger");
    }

    final Agent a = new Agent("node-a", Instant.parse("2026-11-30T12:00:00Z"));
    final Agent b = new Agent("node-b", Instant.parse("2031-01-01T00:00:00Z")); // a clock years ahead changes nothing

    JsonObject lease() {
        return store.object(ObjectStore.Kind.LEASE, "kube-lm-agent");
    }

    String holder() {
        return lease().getAsJsonObject("spec").get("holderIdentity").getAsString();
    }

    @Test
    void theFirstAgentCreatesTheLeaseAndHoldsItAndTheSecondWaits() {
        assertTrue(a.elector.round());
        assertFalse(b.elector.round());

        assertEquals(new LeaseElector.Term("node-a", 0), a.elector.holding());
        assertNull(b.elector.holding());
        assertEquals("node-a", holder());
        assertEquals(
                15, lease().getAsJsonObject("spec").get("leaseDurationSeconds").getAsInt());
        assertEquals(1, a.taken.get(), "taking the Lease starts a pass");
        assertEquals("node-a", b.elector.holder());
    }

    @Test
    void theHolderRenewsWithinItsTermAndTheOtherNeverTakesARenewedLease() {
        a.elector.round();
        b.elector.round();
        for (int i = 0; i < 20; i++) {
            a.wait(RETRY);
            b.wait(RETRY);
            assertTrue(a.elector.round());
            assertFalse(b.elector.round());
        }
        assertEquals(new LeaseElector.Term("node-a", 0), a.elector.holding(), "one term throughout");
        assertEquals(1, a.taken.get());
        assertEquals(0, b.taken.get());
    }

    @Test
    void theOtherTakesOverOnlyAfterTheLeaseDurationItMeasuredItselfWithANewTerm() {
        a.elector.round();
        b.elector.round(); // b sees a's renewal now, by its own clock
        b.wait(LEASE.minusMillis(1));
        assertFalse(b.elector.round(), "not yet: a lease duration has not passed since b saw it renewed");

        b.wait(Duration.ofMillis(1));
        assertTrue(b.elector.round());
        assertEquals(new LeaseElector.Term("node-b", 1), b.elector.holding());
        assertEquals(1, lease().getAsJsonObject("spec").get("leaseTransitions").getAsInt());
        assertEquals("node-b", holder());
    }

    @Test
    void theOtherRetriesWithJitterButNeverLaterThanTheMomentTheHoldingItSawRunsOut() {
        a.elector.round();
        b.elector.round();
        assertEquals(RETRY, a.elector.nextRoundIn(true, 0.9), "the holder renews every retry period");
        assertEquals(RETRY, b.elector.nextRoundIn(false, 0));
        assertEquals(Duration.ofMillis(2400), b.elector.nextRoundIn(false, 1), "up to a fifth more");

        b.wait(LEASE.minusMillis(1500));
        assertEquals(Duration.ofMillis(1501), b.elector.nextRoundIn(false, 1), "a round right when it runs out");
        b.wait(Duration.ofMillis(1501));
        assertTrue(b.elector.round());
    }

    @Test
    void aHolderThatCannotRenewStopsAtTheRenewDeadlineBeforeTheOtherMayTakeOver() {
        a.elector.round();
        b.elector.round();
        store.failNext(0);
        store.failNext(0);
        store.failNext(0);
        store.failNext(0);
        store.failNext(0);
        try (LogCapture log = new LogCapture(LeaseElector.class)) {
            for (int i = 0; i < 4; i++) {
                a.wait(RETRY);
                a.elector.round();
                assertTrue(a.elector.holding() != null, "within the renew deadline it still writes");
            }
            a.wait(RETRY); // 10 s since the last renewal was sent
            assertFalse(a.elector.round());
            assertNull(a.elector.holding());
            assertTrue(
                    log.lines().stream()
                            .anyMatch(l -> l.contains("could not renew the Lease kube-lm-agent/kube-lm-agent within"
                                    + " ha.lease.renewDeadline (10s): this agent stops writing to the LoadMaster now")),
                    log.lines()::toString);
        }
        assertEquals(
                "this agent, which has not renewed it for 10 s", a.elector.holder(), "not itself, as if it held it");
        b.wait(RENEW);
        assertFalse(b.elector.round(), "the holder stopped 5 s before the other may take over");
    }

    @Test
    void theHolderCountsItsDeadlineFromWhenItSentTheRenewalNotFromWhenTheAnswerCame() {
        a.elector.round();
        a.wait(RENEW.minusSeconds(1));
        long sent = a.nanos.get();
        a.elector.round(); // renewal sent now
        a.nanos.set(sent + RENEW.toNanos() - 1);
        assertTrue(a.elector.holding() != null);
        a.nanos.set(sent + RENEW.toNanos());
        assertNull(a.elector.holding());
    }

    @Test
    void aHolderThatLostTheLeaseAndFindsItTakenDoesNotTakeItBack() {
        a.elector.round();
        b.elector.round();
        a.wait(LEASE.plusSeconds(5)); // a paused (SIGSTOP): it neither renews nor checks
        b.wait(LEASE);
        assertTrue(b.elector.round());

        assertNull(a.elector.holding(), "a's own clock says its renewal is too old");
        assertFalse(a.elector.round(), "b renewed it a moment ago");
        assertEquals("node-b", holder());
    }

    @Test
    void whenBothTryAtOnceTheCompareAndSwapLetsOnlyOneWin() {
        a.elector.round();
        b.elector.round();
        Agent c = new Agent("node-c", Instant.parse("2026-11-30T12:00:00Z"));
        c.elector.round();
        b.wait(LEASE);
        c.wait(LEASE);
        // b and c both read the expired Lease; c's write lands between b's read and b's write.
        store.beforeNextReplace(() -> assertTrue(c.elector.round()));
        assertFalse(b.elector.round(), "b's write carried the resourceVersion it read: refused");

        assertEquals(new LeaseElector.Term("node-c", 1), c.elector.holding());
        assertNull(b.elector.holding());
        assertEquals("node-c", holder());
    }

    @Test
    void onStoppingTheHolderGivesTheLeaseBackAndTheOtherTakesItAtItsNextRound() {
        a.elector.round();
        b.elector.round();
        a.elector.close();

        assertEquals("", holder());
        assertNull(a.elector.holding());
        assertTrue(b.elector.round(), "no need to wait for the lease duration");
        assertEquals(new LeaseElector.Term("node-b", 1), b.elector.holding());
    }

    @Test
    void twoProcessesWithOneIdentityDoNotTakeTheLeaseFromEachOther() {
        Agent clone = new Agent("node-a", Instant.parse("2026-11-30T12:00:00Z"));
        a.elector.round();
        try (LogCapture log = new LogCapture(LeaseElector.class)) {
            assertFalse(clone.elector.round());
            assertTrue(
                    log.lines().stream()
                            .anyMatch(l -> l.contains(
                                    "two agents share one identity: give each its own" + " ha.lease.identity")),
                    log.lines()::toString);
        }
        assertEquals(new LeaseElector.Term("node-a", 0), a.elector.holding());
        assertTrue(a.elector.round());
    }

    @Test
    void anAgentRestartedUnderItsIdentityWaitsForItsFormerHoldingToRunOutUnlessItWasGivenBack() {
        a.elector.round();
        Agent restarted = new Agent("node-a", Instant.parse("2026-11-30T12:00:00Z"));
        assertFalse(restarted.elector.round());
        restarted.wait(LEASE);
        assertTrue(restarted.elector.round());
        assertEquals(new LeaseElector.Term("node-a", 1), restarted.elector.holding(), "a new term all the same");
    }

    @Test
    void askingWhetherItHoldsTheLeaseNeverWaitsForARoundThatWaitsForASlowApiServer() throws Exception {
        a.elector.round();
        CountDownLatch inRound = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        store.beforeNextGet(() -> {
            inRound.countDown();
            try {
                answer.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread round = new Thread(a.elector::round);
        round.start();
        assertTrue(inRound.await(5, TimeUnit.SECONDS));

        LeaseElector.Term held = assertTimeoutPreemptively(Duration.ofSeconds(2), a.elector::holding);

        assertEquals(new LeaseElector.Term("node-a", 0), held);
        answer.countDown();
        round.join();
    }

    @Test
    void anAgentConfiguredWithAnotherLedgerNeverTakesTheLeaseAndSaysWhy() {
        a.elector.round();
        LeaseElector other = new LeaseElector(
                store,
                new HaSettings("kube-lm-agent", "kube-lm-agent", "node-x", LEASE, RENEW, RETRY, "another-ledger"),
                new MutableClock(Instant.parse("2026-11-30T12:00:00Z")),
                b.nanos::get,
                () -> {});
        try (LogCapture log = new LogCapture(LeaseElector.class)) {
            other.round();
            b.wait(LEASE.multipliedBy(3)); // a is long gone
            assertFalse(other.round());
            assertEquals(
                    1,
                    log.lines().stream()
                            .filter(l -> l.contains("goes with the ledger ConfigMap kube-lm-agent-ledger, but this"
                                    + " agent's ha.ledger.configMap is another-ledger"))
                            .count(),
                    log.lines()::toString);
        }
        assertEquals("node-a", holder());
    }

    @Test
    void aLeaseThatIsNotALeaseIsReportedWithTheCommandThatFixesIt() {
        JsonObject broken = new JsonObject();
        ObjectStore.metadata(broken).addProperty("name", "kube-lm-agent");
        JsonObject spec = new JsonObject();
        spec.addProperty("holderIdentity", "node-b");
        spec.addProperty("leaseDurationSeconds", "fifteen");
        broken.add("spec", spec);
        store.edit(ObjectStore.Kind.LEASE, broken);
        try (LogCapture log = new LogCapture(LeaseElector.class)) {
            assertFalse(a.elector.round());
            assertTrue(
                    log.lines().stream()
                            .anyMatch(l -> l.contains("kubectl -n kube-lm-agent delete lease kube-lm-agent")),
                    log.lines()::toString);
        }
    }
}
