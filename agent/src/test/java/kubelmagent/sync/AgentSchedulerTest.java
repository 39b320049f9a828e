package kubelmagent.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import kubelmagent.config.Schedule;
import kubelmagent.kube.DesiredStateSource;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.DesiredState;
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
        volatile CountDownLatch hold = new CountDownLatch(0);

        @Override
        public DesiredState read() {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                hold.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
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
                        List.of(),
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
