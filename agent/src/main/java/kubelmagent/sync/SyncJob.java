package kubelmagent.sync;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;

/** The Quartz job: runs one pass. Passes never overlap. */
@DisallowConcurrentExecution
public final class SyncJob implements Job {

    static final String PASS = "pass";

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        try {
            ((Runnable) context.getScheduler().getContext().get(PASS)).run();
        } catch (SchedulerException e) {
            throw new JobExecutionException("cannot reach the pass to run: " + e.getMessage(), e, false);
        }
    }
}
