package kubelmagent.sync;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import kubelmagent.kube.DesiredStateSource;
import kubelmagent.loadmaster.LoadMaster;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.loadmaster.UnknownVirtualServiceException;
import kubelmagent.log.Log;
import kubelmagent.log.PassContext;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Ownership;
import kubelmagent.model.Problem;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.OwnershipLedger;
import kubelmagent.plan.Change;
import kubelmagent.plan.Plan;
import kubelmagent.plan.Planner;

/**
 * Runs one reconcile pass, top to bottom: read Kubernetes, read the LoadMaster, plan, apply, report.
 * Never throws: every failure ends up in the log and in the {@link PassResult}.
 */
public final class Reconciler {

    private static final Log LOG = Log.get(Reconciler.class);

    private final DesiredStateSource source;
    private final LoadMaster loadMaster;
    private final OwnershipLedger ledger;
    private final Clock clock;
    private final boolean dryRun;
    private final AtomicLong passes = new AtomicLong();
    private final ProblemLog problemLog;

    public Reconciler(DesiredStateSource source, LoadMaster loadMaster, OwnershipLedger ledger, Clock clock,
            boolean dryRun) {
        this.source = source;
        this.loadMaster = loadMaster;
        this.ledger = ledger;
        this.clock = clock;
        this.dryRun = dryRun;
        this.problemLog = new ProblemLog(clock);
    }

    public PassResult runOnce(Trigger trigger) {
        long number = passes.incrementAndGet();
        return PassContext.run(number, () -> {
            Instant start = clock.instant();
            try {
                return pass(number, trigger, start);
            } catch (RuntimeException e) {
                LOG.err("pass #" + number + " (" + trigger + ") stopped by an unexpected error; nothing more is"
                        + " changed this pass, the next pass starts afresh", e);
                return new PassResult(number, 0, 0, 0, 0, 1, false, dryRun, Duration.between(start, clock.instant()));
            }
        });
    }

    private PassResult pass(long number, Trigger trigger, Instant start) {
        DesiredState desired = source.read();
        Map<VirtualServiceId, Ownership> owned = ledger.snapshot();
        CurrentState current = readLoadMaster(desired, owned.keySet());
        Plan plan = Planner.plan(desired, current, owned);

        List<Problem> problems = new ArrayList<>(desired.problems());
        problems.addAll(plan.problems());
        problemLog.report(problems);
        int applied = 0;
        int failed = 0;
        if (dryRun) {
            for (Change c : plan.changes()) {
                LOG.notice("dry run: would " + c.describe());
            }
        } else {
            for (Change c : plan.changes()) {
                if (apply(c)) {
                    applied++;
                } else {
                    failed++;
                }
            }
            failed += release(plan);
        }
        PassResult result = new PassResult(number, plan.bound().size(), plan.changes().size(), applied, failed,
                problems.size(), desired.complete(), dryRun, Duration.between(start, clock.instant()));
        report(trigger, result);
        return result;
    }

    /** Reads every Virtual Service a Service is bound to, and every one the ledger has entries for. */
    private CurrentState readLoadMaster(DesiredState desired, Set<VirtualServiceId> owned) {
        Set<VirtualServiceId> ids = new TreeSet<>(owned);
        for (DesiredService s : desired.services()) {
            ids.add(s.vs());
        }
        Map<VirtualServiceId, VirtualService> read = new HashMap<>();
        Set<VirtualServiceId> missing = new HashSet<>();
        Map<VirtualServiceId, String> unreadable = new HashMap<>();
        VirtualServiceId silentAt = null;
        for (VirtualServiceId id : ids) {
            if (silentAt != null) {
                // Do not wait out one timeout per Virtual Service while the LoadMaster is down.
                unreadable.put(id, "not tried, because the LoadMaster did not answer for VS " + silentAt);
                continue;
            }
            try {
                read.put(id, loadMaster.showVirtualService(id));
            } catch (UnknownVirtualServiceException e) {
                missing.add(id);
            } catch (LoadMasterException e) {
                unreadable.put(id, e.getMessage());
                if (e.status() == 0) {
                    silentAt = id;
                }
            }
        }
        return new CurrentState(read, missing, unreadable);
    }

    /** Applies one change; true if it took effect. Ownership is recorded before an add (write-ahead). */
    private boolean apply(Change change) {
        if (change instanceof Change.AddRealServer add) {
            try {
                ledger.record(add.vs(), add.service(), add.member());
            } catch (IOException e) {
                LOG.err("did not " + change.describe() + ": " + e.getMessage());
                return false;
            }
            try {
                loadMaster.addRealServer(add.vs(), add.member());
                LOG.notice("added RS " + add.member() + " to VS " + add.vs() + " (" + add.service() + ")");
                return true;
            } catch (LoadMasterException e) {
                LOG.err("could not " + change.describe() + ": " + e.getMessage());
                if (e.isRefusal()) {
                    forget(add.vs(), add); // refused, so surely not created: it is not ours
                }
                return false;
            }
        }
        Change.RemoveRealServer remove = (Change.RemoveRealServer) change;
        try {
            loadMaster.deleteRealServer(remove.vs(), remove.member());
            LOG.notice("removed RS " + remove.member() + " from VS " + remove.vs() + " (" + remove.service() + "): "
                    + remove.reason());
        } catch (LoadMasterException e) {
            LOG.err("could not " + change.describe() + ": " + e.getMessage());
            return false;
        }
        return forget(remove.vs(), remove);
    }

    private boolean forget(VirtualServiceId vs, Change change) {
        try {
            ledger.forget(vs, List.of(change.member()));
            return true;
        } catch (IOException e) {
            LOG.err("after the attempt to " + change.describe() + ": " + e.getMessage());
            return false;
        }
    }

    /** Drops ledger entries for Real Servers that are gone; returns how many writes failed. */
    private int release(Plan plan) {
        int failed = 0;
        for (var entry : plan.released().entrySet()) {
            try {
                ledger.forget(entry.getKey(), entry.getValue());
                LOG.info("VS " + entry.getKey() + ": no longer tracking " + entry.getValue().size()
                        + " Real Server(s) that are gone from the LoadMaster: " + new TreeSet<>(entry.getValue()));
            } catch (IOException e) {
                LOG.err(e.getMessage());
                failed++;
            }
        }
        return failed;
    }

    private void report(Trigger trigger, PassResult r) {
        StringBuilder line = new StringBuilder()
                .append("pass #").append(r.number()).append(" (").append(trigger).append(") ")
                .append(dryRun ? "dry run, " : "").append("done in ").append(r.elapsed().toMillis()).append(" ms: ")
                .append(r.bound()).append(" Virtual Service(s) bound, ");
        if (dryRun) {
            line.append(r.planned()).append(" change(s) planned, none applied");
        } else {
            line.append(r.applied()).append(" change(s) applied, ").append(r.failed()).append(" failed");
        }
        line.append(", ").append(r.problems()).append(" problem(s)");
        if (!r.complete()) {
            line.append("; Kubernetes read incomplete, so nothing was removed");
        }
        if (r.failed() > 0 || r.problems() > 0 || !r.complete()) {
            LOG.warning(line.toString());
        } else {
            LOG.info(line.toString());
        }
    }
}
