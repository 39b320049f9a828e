package kubelmagent.sync;

import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;
import kubelmagent.config.Schedule;
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
 * <p>Stopping waits for a running pass with a lock of its own rather than with Quartz's
 * {@code shutdown(true)}, whose wait loop can hang when a worker finishes at the wrong moment.
 */
public final class AgentScheduler implements AutoCloseable {

    private final Scheduler scheduler;
    private final Reconciler reconciler;
    private final ReentrantLock passLock = new ReentrantLock();
    private volatile boolean stopping;

    private AgentScheduler(Scheduler scheduler, Reconciler reconciler) {
        this.scheduler = scheduler;
        this.reconciler = reconciler;
    }

    /** Starts the schedule; the first pass runs at once, with a cron schedule too. */
    public static AgentScheduler start(Reconciler reconciler, Schedule schedule) throws SchedulerException {
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
        AgentScheduler agentScheduler = new AgentScheduler(scheduler, reconciler);
        scheduler.getContext().put(SyncJob.PASS, (Runnable) agentScheduler::runPass);

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

    private void runPass() {
        passLock.lock();
        try {
            if (!stopping) {
                reconciler.runOnce(StartedBy.TIMER);
            }
        } finally {
            passLock.unlock();
        }
    }

    /** Stops the schedule: no new pass starts, a running pass is finished first. */
    @Override
    public void close() throws SchedulerException {
        stopping = true;
        scheduler.standby();
        passLock.lock(); // waits for a running pass
        try {
            scheduler.shutdown(false);
        } finally {
            passLock.unlock();
        }
    }
}
