package kubelmagent.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import kubelmagent.config.Schedule;
import kubelmagent.kube.DesiredStateSource;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Networks;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.RemovalPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AgentSchedulerTest {

    /** Counts passes, and how many ever ran at the same time; each pass can be held open by the test. */
    static final class CountingSource implements DesiredStateSource {
        final CountDownLatch twoPasses = new CountDownLatch(2);
        final CountDownLatch firstPass = new CountDownLatch(1);
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final List<Long> starts = new CopyOnWriteArrayList<>();
        /** Reads past their hold: a pass that has read no longer looks at {@link #hold}. */
        final AtomicInteger reads = new AtomicInteger();

        volatile CountDownLatch hold = new CountDownLatch(0);

        @Override
        public DesiredState read() {
            starts.add(System.nanoTime());
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                hold.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            reads.incrementAndGet();
            firstPass.countDown();
            twoPasses.countDown();
            return new DesiredState(List.of());
        }
    }

    static Reconciler reconciler(DesiredStateSource source, Path dir) throws Exception {
        return new Reconciler(
                source,
                new InMemoryLoadMaster(),
                FileOwnershipLedger.readOnly(dir),
                Clock.systemUTC(),
                new Reconciler.Options(
                        BindingPolicy.allowAll(),
                        RemovalPolicy.defaults(Duration.ofSeconds(1)),
                        Networks.ANY,
                        false,
                        true,
                        false,
                        false),
                new AgentMetrics("test"));
    }

    @Test
    void runsTheFirstPassAtOnceAndThenOnTheInterval(@TempDir Path dir) throws Exception {
        CountingSource source = new CountingSource();
        AgentScheduler scheduler =
                AgentScheduler.start(reconciler(source, dir), Schedule.every(Duration.ofMillis(200)));
        try {
            assertTrue(source.twoPasses.await(5, TimeUnit.SECONDS), "two passes within 5 s");
        } finally {
            scheduler.close();
        }
    }

    @Test
    void neverRunsTwoPassesAtOnce(@TempDir Path dir) throws Exception {
        CountingSource source = new CountingSource();
        source.hold = new CountDownLatch(1);
        AgentScheduler scheduler = AgentScheduler.start(reconciler(source, dir), Schedule.every(Duration.ofMillis(20)));
        try {
            // The first pass is held open for ten intervals: no second pass may start meanwhile.
            assertTrue(waitUntil(() -> source.running.get() == 1, 5000));
            assertFalse(waitUntil(() -> source.running.get() > 1, 200), "a second pass started during the first");
            source.hold.countDown();
            assertTrue(source.twoPasses.await(5, TimeUnit.SECONDS));
        } finally {
            scheduler.close();
        }
        assertEquals(1, source.mostAtOnce.get());
    }

    @Test
    void runsTheFirstPassAtOnceWithACronScheduleToo(@TempDir Path dir) throws Exception {
        CountingSource source = new CountingSource();
        // Fires only at midnight on 1 January: the pass seen here is the start-up pass.
        AgentScheduler scheduler = AgentScheduler.start(reconciler(source, dir), Schedule.cron("0 0 0 1 1 ?"));
        try {
            assertTrue(source.firstPass.await(5, TimeUnit.SECONDS), "the first pass ran at start");
        } finally {
            scheduler.close();
        }
    }

    // ---- the bell (sync.watch) -------------------------------------------------------------------

    /** A schedule that, after the start-up pass, does not fire during a test. */
    private static final Schedule HOURLY = Schedule.every(Duration.ofHours(1));

    @Test
    void aRingStartsAPassSoonAndABurstOfRingsStartsOne(@TempDir Path dir) throws Exception {
        CountingSource source = new CountingSource();
        AgentScheduler scheduler = AgentScheduler.start(reconciler(source, dir), HOURLY);
        try {
            assertTrue(waitUntil(() -> source.starts.size() == 1 && source.running.get() == 0, 5000));
            Thread.sleep(AgentScheduler.MIN_GAP.toMillis()); // the start-up pass is over a second ago
            long rung = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                scheduler.ring("change " + i);
            }

            assertTrue(waitUntil(() -> source.starts.size() == 2, 5000), "a pass answered the rings");
            long after = source.starts.get(1) - rung;
            assertTrue(
                    after >= AgentScheduler.DEBOUNCE.toNanos(),
                    "the pass waited " + after / 1_000_000 + " ms for the rest of the burst");
            assertFalse(
                    waitUntil(() -> source.starts.size() > 2, 2 * AgentScheduler.MIN_GAP.toMillis()),
                    "one pass for the whole burst, got " + source.starts.size());
        } finally {
            scheduler.close();
        }
    }

    @Test
    void ringingWithoutPauseStartsAtMostOnePassPerGap(@TempDir Path dir) throws Exception {
        CountingSource source = new CountingSource();
        Duration gap = Duration.ofMillis(300);
        AgentScheduler scheduler = AgentScheduler.start(reconciler(source, dir), HOURLY, Duration.ofMillis(20), gap);
        try {
            long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() < until) {
                scheduler.ring("churn");
                Thread.sleep(5);
            }
        } finally {
            scheduler.close();
        }
        List<Long> starts = List.copyOf(source.starts);
        assertTrue(starts.size() >= 3, "passes kept coming while the bell rang: " + starts.size());
        for (int i = 1; i < starts.size(); i++) {
            long apart = starts.get(i) - starts.get(i - 1);
            assertTrue(
                    apart >= gap.toNanos(),
                    "passes " + (i - 1) + " and " + i + " only " + apart / 1_000_000 + " ms apart");
        }
    }

    @Test
    void aRingDuringAPassStartsAnotherAfterItAndNeverTwoAtOnce(@TempDir Path dir) throws Exception {
        CountingSource source = new CountingSource();
        AgentScheduler scheduler =
                AgentScheduler.start(reconciler(source, dir), HOURLY, Duration.ofMillis(20), Duration.ofMillis(50));
        try {
            assertTrue(waitUntil(() -> source.reads.get() == 1, 5000), "the start-up pass has read");
            source.hold = new CountDownLatch(1);
            scheduler.ring("first change");
            assertTrue(
                    waitUntil(() -> source.starts.size() == 2 && source.running.get() == 1, 5000),
                    "the bell started a pass, held open");
            scheduler.ring("a change while it runs");
            assertFalse(waitUntil(() -> source.starts.size() > 2, 300), "a second pass started during the first");

            source.hold.countDown();

            assertTrue(waitUntil(() -> source.starts.size() == 3, 5000), "the ring during the pass got its own");
        } finally {
            scheduler.close();
        }
        assertEquals(1, source.mostAtOnce.get());
    }

    @Test
    void afterCloseTheBellStartsNothing(@TempDir Path dir) throws Exception {
        CountingSource source = new CountingSource();
        AgentScheduler scheduler =
                AgentScheduler.start(reconciler(source, dir), HOURLY, Duration.ofMillis(10), Duration.ofMillis(10));
        assertTrue(waitUntil(() -> source.starts.size() == 1 && source.running.get() == 0, 5000));
        scheduler.close();

        scheduler.ring("too late");

        assertFalse(waitUntil(() -> source.starts.size() > 1, 300), "a pass after close");
    }

    static boolean waitUntil(BooleanSupplier condition, long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }
}
