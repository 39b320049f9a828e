package kubelmagent.sync;

import java.util.Properties;

import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

import kubelmagent.config.Schedule;

/**
 * Runs passes on the configured schedule with Quartz: one worker thread, passes never overlap, and
 * a pass that would start while the previous one still runs is skipped rather than queued.
 */
public final class AgentScheduler implements AutoCloseable {

    private final Scheduler scheduler;

    private AgentScheduler(Scheduler scheduler) {
        this.scheduler = scheduler;
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
        scheduler.getContext().put(SyncJob.RECONCILER, reconciler);

        JobDetail job = JobBuilder.newJob(SyncJob.class).withIdentity("sync").build();
        TriggerBuilder<Trigger> trigger = TriggerBuilder.newTrigger().withIdentity("sync").startNow();
        Trigger t = schedule.interval() != null
                ? trigger.withSchedule(SimpleScheduleBuilder.simpleSchedule()
                        .withIntervalInMilliseconds(schedule.interval().toMillis())
                        .repeatForever()
                        .withMisfireHandlingInstructionNextWithRemainingCount()).build()
                : trigger.withSchedule(CronScheduleBuilder.cronSchedule(schedule.cron())
                        .withMisfireHandlingInstructionDoNothing()).build();
        scheduler.scheduleJob(job, t);
        if (schedule.cron() != null) {
            // A cron schedule may not fire for a while: run the first pass now, as with an interval.
            scheduler.scheduleJob(TriggerBuilder.newTrigger().withIdentity("first-pass").forJob(job).startNow().build());
        }
        scheduler.start();
        return new AgentScheduler(scheduler);
    }

    /** Stops the schedule, waiting for a running pass to finish. */
    @Override
    public void close() throws SchedulerException {
        scheduler.shutdown(true);
    }
}
