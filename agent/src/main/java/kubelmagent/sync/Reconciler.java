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
import java.util.function.UnaryOperator;
import kubelmagent.kube.DesiredStateSource;
import kubelmagent.loadmaster.LoadMaster;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.loadmaster.VirtualServiceList;
import kubelmagent.log.Log;
import kubelmagent.log.PassContext;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.Cidr;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Ledger;
import kubelmagent.model.Ownership;
import kubelmagent.model.PassResult;
import kubelmagent.model.Problem;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.OwnershipLedger;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.Change;
import kubelmagent.plan.Plan;
import kubelmagent.plan.Planner;
import kubelmagent.plan.RemovalPolicy;
import kubelmagent.plan.Rules;
import kubelmagent.plan.Step;

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
    /** The LoadMaster's {@code nonlocalrs} as last read, when it was read, and the last failure to read it. */
    private Boolean nonLocalRealServers;

    private Instant nonLocalCheckedAt;
    private String nonLocalFailure;

    /**
     * How passes behave.
     *
     * @param policy         which namespaces may bind which Virtual Services
     * @param removals       how cautiously Real Servers are taken out
     * @param podCidrs       the pod networks: endpoint addresses outside them never become Real Servers
     *                       (empty: not checked); {@code --adopt} takes over Real Servers inside them
     * @param nonLocal       Real Servers are added as non-local: check that the LoadMaster allows them
     * @param dryRun         plan and log, change nothing
     * @param forceRemovals  the first pass ignores the capacity guard ({@code --force-removals})
     * @param adopt          the first pass adopts matching Real Servers and accepts the LoadMaster as it is
     *                       ({@code --adopt})
     */
    public record Options(
            BindingPolicy policy,
            RemovalPolicy removals,
            List<Cidr> podCidrs,
            boolean nonLocal,
            boolean dryRun,
            boolean forceRemovals,
            boolean adopt) {

        public Options {
            podCidrs = List.copyOf(podCidrs);
        }

        /** Everyday passes: no address check, no non-local check, no dry run, no override, no adoption. */
        public static Options of(BindingPolicy policy, RemovalPolicy removals) {
            return new Options(policy, removals, List.of(), false, false, false, false);
        }
    }

    /** How often the LoadMaster's {@code nonlocalrs} is read again while it is on. */
    static final Duration NON_LOCAL_CHECK = Duration.ofMinutes(5);

    public Reconciler(
            DesiredStateSource source,
            LoadMaster loadMaster,
            OwnershipLedger ledger,
            Clock clock,
            Options options,
            AgentMetrics metrics) {
        this.metrics = metrics;
        this.source = source;
        this.loadMaster = loadMaster;
        this.ledger = ledger;
        this.clock = clock;
        this.options = options;
        this.dryRun = options.dryRun();
        this.problemLog = new ProblemLog(clock);
    }

    public PassResult runOnce(StartedBy startedBy) {
        long number = passes.incrementAndGet();
        return PassContext.run(number, () -> {
            Instant start = clock.instant();
            try {
                PassResult r = pass(number, startedBy, start);
                if (!r.dryRun()) {
                    metrics.passFinished(r, clock.instant());
                }
                return r;
            } catch (RuntimeException e) {
                metrics.error(AgentMetrics.Cause.INTERNAL);
                LOG.err(
                        "pass #" + number + " (" + startedBy + ") stopped by an unexpected error; nothing more is"
                                + " changed this pass, the next pass starts afresh",
                        e);
                return new PassResult(
                        number, 0, 0, 0, 0, 0, 1, false, dryRun, Duration.between(start, clock.instant()));
            }
        });
    }

    /**
     * Everything a pass would look at and decide, without applying or logging anything: for
     * {@code kube-lm-agent status}.
     */
    public record Inspection(DesiredState desired, CurrentState current, Ledger ledger, Plan plan) {}

    public Inspection inspect() {
        return look(rules(clock.instant(), false));
    }

    private Rules rules(Instant now, boolean first) {
        RemovalPolicy removals =
                first && options.forceRemovals() ? options.removals().forced() : options.removals();
        return new Rules(
                options.policy(), removals, now, options.podCidrs(), options.nonLocal(), first && options.adopt());
    }

    /** Reads Kubernetes, the ledger and the LoadMaster, and plans: the first half of every pass. */
    private Inspection look(Rules rules) {
        DesiredState desired = source.read();
        Ledger owned = ledger.snapshot();
        CurrentState current = readLoadMaster(desired, owned.owned().keySet(), rules.now());
        return new Inspection(desired, current, owned, Planner.plan(desired, current, owned, rules));
    }

    private PassResult pass(long number, StartedBy startedBy, Instant start) {
        Inspection look = look(rules(start, number == 1));
        DesiredState desired = look.desired();
        Plan plan = look.plan();

        if (!desired.everythingRead()) {
            metrics.error(AgentMetrics.Cause.KUBERNETES_READ);
        }
        List<Problem> problems = new ArrayList<>(desired.problems());
        problems.addAll(plan.problems());
        problemLog.report(problems);
        int applied = 0;
        int failed = 0;
        Duration applyTook = null;
        if (dryRun) {
            for (Change c : plan.changes()) {
                LOG.notice("dry run: would " + c.describe());
            }
        } else {
            Progress progress = new Progress(clock, plan.changes().size());
            for (Step step : plan.steps()) {
                boolean done = apply(step, look.ledger());
                if (step instanceof Change) {
                    progress.step(done);
                    applied += done ? 1 : 0;
                }
                failed += done ? 0 : 1;
            }
            applyTook = progress.elapsed();
        }
        PassResult result = new PassResult(
                number,
                plan.bound().size(),
                plan.changes().size(),
                applied,
                failed,
                plan.held().size(),
                problems.size(),
                desired.everythingRead(),
                dryRun,
                Duration.between(start, clock.instant()));
        report(startedBy, result, desired, applyTook);
        return result;
    }

    /**
     * Reads every Virtual Service a Service is bound to, and every one the ledger has entries for, with one
     * {@code listvs}. A VS the list leaves out is missing, as an {@code Unknown VS} answer to {@code showvs}
     * would say; one the list holds but the agent cannot read is unreadable. If the list cannot be had (no
     * answer, a refusal, an answer cut short or unreadable), every one of them is unreadable for that reason,
     * and none looks missing: only a complete list says that a VS is gone. With nothing to read, nothing is
     * asked.
     */
    private CurrentState readLoadMaster(DesiredState desired, Set<VirtualServiceId> owned, Instant now) {
        Set<VirtualServiceId> ids = new TreeSet<>(owned);
        for (DesiredService s : desired.services()) {
            ids.add(s.vs());
        }
        Map<VirtualServiceId, VirtualService> read = new HashMap<>();
        Set<VirtualServiceId> missing = new HashSet<>();
        Map<VirtualServiceId, String> unreadable = new HashMap<>();
        if (!ids.isEmpty()) {
            VirtualServiceList all;
            try {
                all = loadMaster.listVirtualServices();
            } catch (LoadMasterException e) {
                metrics.error(AgentMetrics.Cause.LOADMASTER_READ);
                ids.forEach(id -> unreadable.put(id, e.getMessage())); // one cause, so one log line for all
                return new CurrentState(loadMaster.address(), read, missing, unreadable, nonLocalRealServers);
            }
            for (VirtualServiceId id : ids) {
                VirtualService vs = all.virtualServices().get(id);
                String why = all.unreadable().get(id);
                if (vs != null) {
                    read.put(id, vs);
                } else if (why != null) {
                    unreadable.put(id, why);
                } else {
                    missing.add(id);
                }
            }
            if (!unreadable.isEmpty()) {
                metrics.error(AgentMetrics.Cause.LOADMASTER_READ);
            }
        }
        checkNonLocal(now);
        return new CurrentState(loadMaster.address(), read, missing, unreadable, nonLocalRealServers);
    }

    /**
     * Reads the LoadMaster's {@code nonlocalrs} when the agent adds non-local Real Servers: at the first pass,
     * every {@link #NON_LOCAL_CHECK} while it is on, and every pass while it is off (so the agent resumes as
     * soon as NetOps turns it on). A failed read keeps what was known, and is logged once.
     */
    private void checkNonLocal(Instant now) {
        if (!options.nonLocal()
                || (Boolean.TRUE.equals(nonLocalRealServers)
                        && now.isBefore(nonLocalCheckedAt.plus(NON_LOCAL_CHECK)))) {
            return;
        }
        try {
            nonLocalRealServers = loadMaster.nonLocalRealServersEnabled();
            nonLocalCheckedAt = now;
            nonLocalFailure = null;
        } catch (LoadMasterException e) {
            metrics.error(AgentMetrics.Cause.LOADMASTER_READ);
            if (!e.getMessage().equals(nonLocalFailure)) {
                LOG.warning("could not check whether the LoadMaster accepts non-local Real Servers: " + e.getMessage()
                        + "; the agent goes on as if it does (if the API user may not read settings, give it that"
                        + " permission, or set loadmaster.nonLocal: false when every pod IP is on a subnet of the"
                        + " LoadMaster)");
                nonLocalFailure = e.getMessage();
            }
        }
    }

    /**
     * Applies one step, the same way for every kind (see {@link Step}): the write-ahead record, the LoadMaster
     * call, the log line, the record that follows the call.
     *
     * @param start the ledger as the pass read it, for the log line
     * @return whether it took effect and was recorded (a failure is logged)
     */
    private boolean apply(Step step, Ledger start) {
        if (step.recordsFirst() && !record(step, "did not ")) {
            return false;
        }
        if (step instanceof Change change) {
            Sent sent = send(change);
            if (sent == Sent.FAILED) {
                return false;
            }
            if (sent == Sent.DONE) {
                report(step.done(start));
            }
        } else {
            report(step.done(start));
        }
        return step.recordsFirst() || record(step, "after the attempt to ");
    }

    /** How a LoadMaster call ended. */
    private enum Sent {
        DONE,
        /** Refused, but what it asked for holds already (logged): as good as done. */
        HELD_ALREADY,
        FAILED
    }

    /** Sends one change to the LoadMaster; a failure is logged and counted. */
    private Sent send(Change change) {
        try {
            if (change instanceof Change.AddRealServer) {
                loadMaster.addRealServer(change.vs(), change.member());
            } else if (change instanceof Change.RemoveRealServer) {
                loadMaster.deleteRealServer(change.vs(), change.member());
            } else {
                loadMaster.setRealServerEnabled(
                        change.vs(), change.member(), change instanceof Change.EnableRealServer);
            }
            metrics.realServerChanged(change.vs().index(), change.kind().label());
            return Sent.DONE;
        } catch (LoadMasterException e) {
            metrics.error(AgentMetrics.Cause.LOADMASTER_WRITE);
            return change instanceof Change.AddRealServer add && e.isRefusal() ? refused(add, e) : failed(change, e);
        }
    }

    private static Sent failed(Change change, LoadMasterException e) {
        LOG.err("could not " + change.describe() + ": " + e.getMessage());
        return Sent.FAILED;
    }

    /**
     * A refused add: the VS may hold the Real Server after all (a read that lagged behind an earlier add, or the
     * same address written another way), and then the agent keeps it as its own. If the VS surely lacks it, the
     * ledger lets go of the entry written ahead; if the VS cannot be read again, the entry stays, and the next
     * pass, which reads the VS, lets go of it if it is not there.
     */
    private Sent refused(Change.AddRealServer add, LoadMasterException e) {
        Boolean there;
        try {
            there = loadMaster.showVirtualService(add.vs()).realServers().stream()
                    .anyMatch(rs -> rs.member().equals(add.member()));
        } catch (LoadMasterException again) {
            LOG.debug("could not read VS " + add.vs() + " again after the refused add: " + again.getMessage());
            there = null;
        }
        if (Boolean.TRUE.equals(there)) {
            LOG.notice("RS " + add.member() + " is already in VS " + add.vs() + " (" + add.service() + "): the"
                    + " LoadMaster refused the add (" + e.getMessage() + ") but holds it, so the agent keeps it"
                    + " as its own");
            return Sent.HELD_ALREADY;
        }
        failed(add, e);
        if (Boolean.FALSE.equals(there)) {
            record(add.vs(), o -> o.without(List.of(add.member())), "after the attempt to " + add.describe());
        }
        return Sent.FAILED;
    }

    /** Records a step; on failure logs {@code <prefix><step>: <why>}. */
    private boolean record(Step step, String prefix) {
        return record(step::recorded, prefix + step.describe());
    }

    private boolean record(VirtualServiceId vs, UnaryOperator<Ownership> transition, String what) {
        return record(l -> l.with(vs, transition.apply(l.get(vs))), what);
    }

    private boolean record(UnaryOperator<Ledger> transition, String what) {
        try {
            ledger.record(transition);
            return true;
        } catch (IOException e) {
            metrics.error(AgentMetrics.Cause.LEDGER);
            LOG.err(what + ": " + e.getMessage());
            return false;
        }
    }

    private static void report(Step.Report report) {
        if (report == null) {
            return;
        }
        switch (report.priority()) {
            case ERR -> LOG.err(report.line());
            case NOTICE -> LOG.notice(report.line());
            case INFO -> LOG.info(report.line());
        }
    }

    /** @param applyTook how long the changes took to apply; null in a dry run */
    private void report(StartedBy startedBy, PassResult r, DesiredState desired, Duration applyTook) {
        StringBuilder line = new StringBuilder()
                .append("pass #")
                .append(r.number())
                .append(" (")
                .append(startedBy)
                .append(") ")
                .append(dryRun ? "dry run, " : "")
                .append("done in ")
                .append(r.elapsed().toMillis())
                .append(" ms")
                .append(applyTook != null && r.planned() > 0 ? " (apply " + applyTook.toMillis() + " ms)" : "")
                .append(": ")
                .append(r.bound())
                .append(" Virtual Service(s) bound, ");
        if (dryRun) {
            line.append(r.planned()).append(" change(s) planned, none applied");
        } else {
            line.append(r.applied())
                    .append(" change(s) applied, ")
                    .append(r.failed())
                    .append(" failed");
        }
        if (r.held() > 0) {
            line.append(", ").append(r.held()).append(" take-out(s) held by the capacity guard");
        }
        line.append(", ").append(r.problems()).append(" problem(s)");
        long unread = desired.skipped().stream().filter(SkippedService::unread).count();
        if (!desired.complete()) {
            line.append("; Kubernetes read incomplete, so nothing was removed");
        } else if (unread > 0) {
            line.append("; ").append(unread).append(" Service(s) could not be read and were left as they are");
        }
        if (r.failed() > 0 || r.problems() > 0 || !r.complete()) {
            LOG.warning(line.toString());
        } else {
            LOG.info(line.toString());
        }
    }
}
