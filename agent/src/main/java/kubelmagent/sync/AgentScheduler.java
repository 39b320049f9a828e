package kubelmagent.sync;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import kubelmagent.config.Schedule;
import kubelmagent.log.Log;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * Runs passes on the configured schedule with Quartz: one worker thread, passes never overlap, and
 * a pass that would start while the previous one still runs is skipped rather than queued.
 *
 * <p>With {@code sync.watch}, a change {@link #ring rings a bell} too: a pass starts {@link #DEBOUNCE} after
 * the first ring (so that a burst of changes, a rolling update say, is one pass), never sooner than {@link
 * #MIN_GAP} after the start of the last pass, and never while another runs; a ring that comes before a pass
 * starts is answered by that pass, whoever started it. The schedule goes on as before: it is the safety net.
 *
 * <p>Stopping waits for a running pass with a lock of its own rather than with Quartz's
 * {@code shutdown(true)}, whose wait loop can hang when a worker finishes at the wrong moment.
 */
public final class AgentScheduler implements AutoCloseable {

    /** How long a pass started by the bell waits after the first ring, for the rest of a burst. */
    public static final Duration DEBOUNCE = Duration.ofMillis(200);
    /** The least time between the starts of two passes when the bell starts the second. */
    public static final Duration MIN_GAP = Duration.ofSeconds(1);

    private static final Log LOG = Log.get(AgentScheduler.class);
    private static final long NOT_RUNG = Long.MIN_VALUE;

    private final Scheduler scheduler;
    private final Reconciler reconciler;
    private final ReentrantLock passLock = new ReentrantLock();
    private volatile boolean stopping;

    private final long debounceNanos;
    private final long minGapNanos;
    private final Object bell = new Object();
    /** When the bell first rang since the last pass started ({@link System#nanoTime}), or {@link #NOT_RUNG}. */
    private long rungAt = NOT_RUNG; // guarded by bell

    private long lastPassStart = System.nanoTime() - Duration.ofDays(1).toNanos(); // guarded by bell
    private Thread answering; // guarded by bell

    private AgentScheduler(Scheduler scheduler, Reconciler reconciler, Duration debounce, Duration minGap) {
        this.scheduler = scheduler;
        this.reconciler = reconciler;
        this.debounceNanos = debounce.toNanos();
        this.minGapNanos = minGap.toNanos();
    }

    /** Starts the schedule; the first pass runs at once, with a cron schedule too. */
    public static AgentScheduler start(Reconciler reconciler, Schedule schedule) throws SchedulerException {
        return start(reconciler, schedule, DEBOUNCE, MIN_GAP);
    }

    /** As {@link #start(Reconciler, Schedule)}, with the bell's timing given (shorter in tests). */
    static AgentScheduler start(Reconciler reconciler, Schedule schedule, Duration debounce, Duration minGap)
            throws SchedulerException {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "kube-lm-agent");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "sync");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        // A fire more than 1 s late counts as misfired and is skipped, so slow passes never pile up.
        p.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
        Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
        AgentScheduler agentScheduler = new AgentScheduler(scheduler, reconciler, debounce, minGap);
        scheduler.getContext().put(SyncJob.PASS, (Runnable) agentScheduler::runTimedPass);

        JobDetail job = JobBuilder.newJob(SyncJob.class).withIdentity("sync").build();
        TriggerBuilder<Trigger> trigger =
                TriggerBuilder.newTrigger().withIdentity("sync").startNow();
        Trigger t = schedule.interval() != null
                ? trigger.withSchedule(SimpleScheduleBuilder.simpleSchedule()
                                .withIntervalInMilliseconds(schedule.interval().toMillis())
                                .repeatForever()
                                .withMisfireHandlingInstructionNextWithRemainingCount())
                        .build()
                : trigger.withSchedule(CronScheduleBuilder.cronSchedule(schedule.cron())
                                .withMisfireHandlingInstructionDoNothing())
                        .build();
        scheduler.scheduleJob(job, t);
        if (schedule.cron() != null) {
            // A cron schedule may not fire for a while: run the first pass now, as with an interval.
            scheduler.scheduleJob(TriggerBuilder.newTrigger()
                    .withIdentity("first-pass")
                    .forJob(job)
                    .startNow()
                    .build());
        }
        scheduler.start();
        return agentScheduler;
    }

    /**
     * Something a pass reads has changed: a pass starts soon (see the class comment). Returns at once; safe
     * to call from any thread.
     *
     * @param what the change, for the debug log
     */
    public void ring(String what) {
        synchronized (bell) {
            if (stopping) {
                return;
            }
            if (rungAt == NOT_RUNG) {
                rungAt = System.nanoTime();
                LOG.debug("change seen (" + what + "): a pass starts soon");
            }
            if (answering == null) {
                answering = new Thread(this::answerBell, "bell");
                answering.setDaemon(true);
                answering.start();
            }
            bell.notifyAll();
        }
    }

    /** Runs a pass each time the bell has rung and the pass is due, until the scheduler stops. */
    private void answerBell() {
        while (!stopping) {
            long wait;
            synchronized (bell) {
                try {
                    while (rungAt == NOT_RUNG && !stopping) {
                        bell.wait();
                    }
                    if (stopping) {
                        return;
                    }
                    wait = dueAt() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.timedWait(bell, wait); // a new ring does not make it due sooner
                        continue;
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
            runPass(StartedBy.WATCH);
        }
    }

    /** When a pass for the pending ring may start. */
    private long dueAt() {
        return Math.max(rungAt + debounceNanos, lastPassStart + minGapNanos);
    }

    /** A pass of the schedule: skipped if another pass is running, which reads everything anyway. */
    private void runTimedPass() {
        if (!passLock.tryLock()) {
            LOG.debug("a pass is still running: the schedule skips this one");
            return;
        }
        try {
            run(StartedBy.TIMER);
        } finally {
            passLock.unlock();
        }
    }

    private void runPass(StartedBy by) {
        passLock.lock();
        try {
            run(by);
        } finally {
            passLock.unlock();
        }
    }

    /** Runs a pass, holding the pass lock; a pass for the bell only if it is still due. */
    private void run(StartedBy by) {
        if (stopping) {
            return;
        }
        synchronized (bell) {
            long now = System.nanoTime();
            if (by == StartedBy.WATCH && (rungAt == NOT_RUNG || now < dueAt())) {
                return; // answered by the pass that ran meanwhile, or too soon after it
            }
            lastPassStart = now;
            rungAt = NOT_RUNG;
        }
        reconciler.runOnce(by);
    }

    /** Stops the schedule: no new pass starts, a running pass is finished first. */
    @Override
    public void close() throws SchedulerException {
        synchronized (bell) {
            stopping = true;
            bell.notifyAll();
        }
        scheduler.standby();
        passLock.lock(); // waits for a running pass
        try {
            scheduler.shutdown(false);
        } finally {
            passLock.unlock();
        }
    }
}
