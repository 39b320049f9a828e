package kubelmagent.sync;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;

/** The Quartz job: runs one pass. Passes never overlap. */
@DisallowConcurrentExecution
public final class SyncJob implements Job {

    static final String RECONCILER = "reconciler";

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        try {
            ((Reconciler) context.getScheduler().getContext().get(RECONCILER)).runOnce(Trigger.TIMER);
        } catch (SchedulerException e) {
            throw new JobExecutionException("cannot reach the reconciler: " + e.getMessage(), e, false);
        }
    }
}
