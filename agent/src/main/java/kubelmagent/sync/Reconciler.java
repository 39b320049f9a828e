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
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.BindingPolicy;
import kubelmagent.model.Cidr;
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
import kubelmagent.plan.RemovalPolicy;
import kubelmagent.plan.Rules;

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
    private final Options options;
    private final boolean dryRun;
    private final AtomicLong passes = new AtomicLong();
    private final ProblemLog problemLog;
    private final AgentMetrics metrics;

    /**
     * How passes behave.
     *
     * @param policy         which namespaces may bind which Virtual Services
     * @param removals       how cautiously Real Servers are taken out
     * @param dryRun         plan and log, change nothing
     * @param forceRemovals  the first pass ignores the mass-removal guard ({@code --force-removals})
     * @param adoptWithin    the first pass adopts matching Real Servers inside these networks ({@code --adopt})
     */
    public record Options(BindingPolicy policy, RemovalPolicy removals, boolean dryRun, boolean forceRemovals,
            List<Cidr> adoptWithin) {

        public Options {
            adoptWithin = List.copyOf(adoptWithin);
        }

        /** Everyday passes: no dry run, no override, no adoption. */
        public static Options of(BindingPolicy policy, RemovalPolicy removals) {
            return new Options(policy, removals, false, false, List.of());
        }
    }

    public Reconciler(DesiredStateSource source, LoadMaster loadMaster, OwnershipLedger ledger, Clock clock,
            Options options, AgentMetrics metrics) {
        this.metrics = metrics;
        this.source = source;
        this.loadMaster = loadMaster;
        this.ledger = ledger;
        this.clock = clock;
        this.options = options;
        this.dryRun = options.dryRun();
        this.problemLog = new ProblemLog(clock);
    }

    public PassResult runOnce(Trigger trigger) {
        long number = passes.incrementAndGet();
        return PassContext.run(number, () -> {
            Instant start = clock.instant();
            try {
                PassResult r = pass(number, trigger, start);
                if (!r.dryRun()) {
                    metrics.passFinished(r.elapsed(), r.complete(), r.applied(), r.failed(), r.problems(), r.held(),
                            r.bound(), clock.instant());
                }
                return r;
            } catch (RuntimeException e) {
                metrics.error(AgentMetrics.Cause.INTERNAL);
                LOG.err("pass #" + number + " (" + trigger + ") stopped by an unexpected error; nothing more is"
                        + " changed this pass, the next pass starts afresh", e);
                return new PassResult(number, 0, 0, 0, 0, 0, 1, false, dryRun, Duration.between(start, clock.instant()));
            }
        });
    }

    /**
     * Everything a pass would look at and decide, without applying or logging anything: for
     * {@code kube-lm-agent status}.
     */
    public record Inspection(DesiredState desired, CurrentState current, Map<VirtualServiceId, Ownership> owned,
            Plan plan) {}

    public Inspection inspect() {
        return look(new Rules(options.policy(), options.removals(), clock.instant()));
    }

    /** Reads Kubernetes, the ledger and the LoadMaster, and plans: the first half of every pass. */
    private Inspection look(Rules rules) {
        DesiredState desired = source.read();
        Map<VirtualServiceId, Ownership> owned = ledger.snapshot();
        CurrentState current = readLoadMaster(desired, owned.keySet());
        return new Inspection(desired, current, owned, Planner.plan(desired, current, owned, rules));
    }

    private PassResult pass(long number, Trigger trigger, Instant start) {
        boolean first = number == 1;
        RemovalPolicy removals = first && options.forceRemovals() ? options.removals().forced() : options.removals();
        Inspection look = look(new Rules(options.policy(), removals, start, first ? options.adoptWithin() : List.of()));
        DesiredState desired = look.desired();
        Plan plan = look.plan();

        if (!desired.complete()) {
            metrics.error(AgentMetrics.Cause.KUBERNETES_READ);
        }
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
            failed += record(plan);
            failed += release(plan);
        }
        PassResult result = new PassResult(number, plan.bound().size(), plan.changes().size(), applied, failed,
                plan.held().size(),
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
        String silence = null;
        for (VirtualServiceId id : ids) {
            if (silence != null) {
                // Do not wait out one timeout per Virtual Service while the LoadMaster is down; the
                // same cause for all of them makes one log line.
                unreadable.put(id, silence);
                continue;
            }
            try {
                read.put(id, loadMaster.showVirtualService(id));
            } catch (UnknownVirtualServiceException e) {
                missing.add(id);
            } catch (LoadMasterException e) {
                metrics.error(AgentMetrics.Cause.LOADMASTER_READ);
                unreadable.put(id, e.getMessage());
                if (e.status() == 0 || e.status() == 401 || e.status() >= 500) {
                    silence = e.getMessage(); // unreachable, refusing us or failing: asking again is no use
                }
            }
        }
        return new CurrentState(read, missing, unreadable);
    }

    /** Applies one change; true if it took effect. Ownership is recorded before an add (write-ahead). */
    private boolean apply(Change change) {
        if (change instanceof Change.AddRealServer add) {
            return add(add);
        }
        if (change instanceof Change.EnableRealServer enable) {
            return enable(enable);
        }
        if (change instanceof Change.DisableRealServer disable) {
            return disable(disable);
        }
        return remove((Change.RemoveRealServer) change);
    }

    private boolean add(Change.AddRealServer add) {
        try {
            ledger.record(add.vs(), add.service(), add.member());
        } catch (IOException e) {
            metrics.error(AgentMetrics.Cause.LEDGER);
            LOG.err("did not " + add.describe() + ": " + e.getMessage());
            return false;
        }
        try {
            loadMaster.addRealServer(add.vs(), add.member());
            metrics.realServerChanged(add.vs().index(), "add");
            LOG.notice("added RS " + add.member() + " to VS " + add.vs() + " (" + add.service() + ")");
            return true;
        } catch (LoadMasterException e) {
            metrics.error(AgentMetrics.Cause.LOADMASTER_WRITE);
            LOG.err("could not " + add.describe() + ": " + e.getMessage());
            if (e.isRefusal()) {
                forget(add.vs(), add); // refused, so surely not created: it is not ours
            }
            return false;
        }
    }

    /**
     * The ledger first, then {@code modrs enable=N} (write-ahead, as for adds), so a crash in between
     * never leaves a disabled Real Server the agent does not know it disabled.
     */
    private boolean disable(Change.DisableRealServer disable) {
        try {
            ledger.markRetiring(disable.vs(), disable.member(), disable.next());
        } catch (IOException e) {
            metrics.error(AgentMetrics.Cause.LEDGER);
            LOG.err("did not " + disable.describe() + ": " + e.getMessage());
            return false;
        }
        if (!setEnabled(disable, false)) {
            return false;
        }
        LOG.notice("disabled RS " + disable.member() + " in VS " + disable.vs() + " (" + disable.service() + "): "
                + disable.reason());
        return true;
    }

    /** {@code modrs enable=Y}, then the ledger: a crash in between only repeats the enable next pass. */
    private boolean enable(Change.EnableRealServer enable) {
        if (!setEnabled(enable, true)) {
            return false;
        }
        LOG.notice("re-enabled RS " + enable.member() + " in VS " + enable.vs() + " (" + enable.service() + "):"
                + " its endpoint is ready again");
        try {
            ledger.clearRetiring(enable.vs(), enable.member());
            return true;
        } catch (IOException e) {
            metrics.error(AgentMetrics.Cause.LEDGER);
            LOG.err("after the attempt to " + enable.describe() + ": " + e.getMessage());
            return false;
        }
    }

    private boolean setEnabled(Change change, boolean enabled) {
        try {
            loadMaster.setRealServerEnabled(change.vs(), change.member(), enabled);
            metrics.realServerChanged(change.vs().index(), enabled ? "enable" : "disable");
            return true;
        } catch (LoadMasterException e) {
            metrics.error(AgentMetrics.Cause.LOADMASTER_WRITE);
            LOG.err("could not " + change.describe() + ": " + e.getMessage());
            return false;
        }
    }

    private boolean remove(Change.RemoveRealServer remove) {
        try {
            loadMaster.deleteRealServer(remove.vs(), remove.member());
            metrics.realServerChanged(remove.vs().index(), "remove");
            LOG.notice("removed RS " + remove.member() + " from VS " + remove.vs() + " (" + remove.service() + "): "
                    + remove.reason());
        } catch (LoadMasterException e) {
            metrics.error(AgentMetrics.Cause.LOADMASTER_WRITE);
            LOG.err("could not " + remove.describe() + ": " + e.getMessage());
            return false;
        }
        return forget(remove.vs(), remove);
    }

    /** Ledger-only updates: adoptions and further absent reads; returns how many writes failed. */
    private int record(Plan plan) {
        int failed = 0;
        for (Plan.Adoption a : plan.adopted()) {
            try {
                ledger.record(a.vs(), a.service(), a.member());
                LOG.notice("adopted RS " + a.member() + " in VS " + a.vs() + " (" + a.service() + "): it matches a"
                        + " ready endpoint inside kubernetes.podCidrs, so the agent now owns it");
            } catch (IOException e) {
                metrics.error(AgentMetrics.Cause.LEDGER);
                LOG.err("could not adopt RS " + a.member() + " in VS " + a.vs() + ": " + e.getMessage());
                failed++;
            }
        }
        for (var vs : plan.marks().entrySet()) {
            for (var mark : vs.getValue().entrySet()) {
                try {
                    ledger.markRetiring(vs.getKey(), mark.getKey(), mark.getValue());
                } catch (IOException e) {
                    metrics.error(AgentMetrics.Cause.LEDGER);
                    LOG.err(e.getMessage());
                    failed++;
                }
            }
        }
        return failed;
    }

    private boolean forget(VirtualServiceId vs, Change change) {
        try {
            ledger.forget(vs, List.of(change.member()));
            return true;
        } catch (IOException e) {
            metrics.error(AgentMetrics.Cause.LEDGER);
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
                metrics.error(AgentMetrics.Cause.LEDGER);
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
        if (r.held() > 0) {
            line.append(", ").append(r.held()).append(" removal(s) held by the mass-removal guard");
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
