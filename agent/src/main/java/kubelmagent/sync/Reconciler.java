package kubelmagent.sync;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import kubelmagent.ha.Leadership;
import kubelmagent.kube.DesiredStateSource;
import kubelmagent.loadmaster.LoadMaster;
import kubelmagent.loadmaster.LoadMasterConnection;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.loadmaster.VirtualServiceList;
import kubelmagent.log.Log;
import kubelmagent.log.PassContext;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Ledger;
import kubelmagent.model.Networks;
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
    private final Leadership leadership;
    /** The loss of the Lease was logged at warning in this pass. */
    private final AtomicBoolean leaseLossLogged = new AtomicBoolean();
    /** The LoadMaster's {@code nonlocalrs} as last read, when it was read, and the last failure to read it. */
    private Boolean nonLocalRealServers;

    private Instant nonLocalCheckedAt;
    private String nonLocalFailure;

    /**
     * How passes behave.
     *
     * @param policy         which namespaces may bind which Virtual Services
     * @param removals       how cautiously Real Servers are taken out
     * @param networks       the pod and node networks: addresses outside them never become Real Servers
     *                       (an empty list: not checked); {@code --adopt} takes over Real Servers inside them
     * @param nonLocal       Real Servers are added as non-local: check that the LoadMaster allows them
     * @param dryRun         plan and log, change nothing
     * @param forceRemovals  the first pass ignores the capacity guard ({@code --force-removals})
     * @param adopt          the first pass adopts matching Real Servers and accepts the LoadMaster as it is
     *                       ({@code --adopt})
     * @param maxInFlight    how many LoadMaster writes may be under way at once ({@code loadmaster.maxInFlight},
     *                       1 to {@link #MAX_IN_FLIGHT}): 1 sends them one at a time in plan order; more spreads
     *                       the Virtual Services over that many threads, each VS's changes still one at a time
     *                       and in plan order
     */
    public record Options(
            BindingPolicy policy,
            RemovalPolicy removals,
            Networks networks,
            boolean nonLocal,
            boolean dryRun,
            boolean forceRemovals,
            boolean adopt,
            int maxInFlight) {

        /** The most LoadMaster writes {@code loadmaster.maxInFlight} allows at once. */
        public static final int MAX_IN_FLIGHT = LoadMasterConnection.MAX_IN_FLIGHT;

        public Options {
            LoadMasterConnection.checkMaxInFlight(maxInFlight);
        }

        /** One write at a time. */
        public Options(
                BindingPolicy policy,
                RemovalPolicy removals,
                Networks networks,
                boolean nonLocal,
                boolean dryRun,
                boolean forceRemovals,
                boolean adopt) {
            this(policy, removals, networks, nonLocal, dryRun, forceRemovals, adopt, 1);
        }

        /** Everyday passes: no address check, no non-local check, no dry run, no override, no adoption. */
        public static Options of(BindingPolicy policy, RemovalPolicy removals) {
            return new Options(policy, removals, Networks.ANY, false, false, false, false);
        }

        /** These options with another {@link #maxInFlight}. */
        public Options withMaxInFlight(int n) {
            return new Options(policy, removals, networks, nonLocal, dryRun, forceRemovals, adopt, n);
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
        this(source, loadMaster, ledger, clock, options, metrics, Leadership.SOLE);
    }

    /** @param leadership whether this agent writes to the LoadMaster (one of two agents with {@code ha}) */
    public Reconciler(
            DesiredStateSource source,
            LoadMaster loadMaster,
            OwnershipLedger ledger,
            Clock clock,
            Options options,
            AgentMetrics metrics,
            Leadership leadership) {
        this.leadership = leadership;
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
                options.policy(), removals, now, options.networks(), options.nonLocal(), first && options.adopt());
    }

    /** Reads Kubernetes, the ledger and the LoadMaster, and plans: the first half of every pass. */
    private Inspection look(Rules rules) {
        DesiredState desired = source.read();
        Ledger owned = ledger.snapshot();
        CurrentState current = readLoadMaster(desired, owned.owned().keySet(), rules.now());
        return new Inspection(desired, current, owned, Planner.plan(desired, current, owned, rules));
    }

    private PassResult pass(long number, StartedBy startedBy, Instant start) {
        String standby = dryRun ? null : leadership.standby().orElse(null);
        leaseLossLogged.set(false);
        metrics.leading(standby == null);
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
        } else if (standby != null) {
            for (Change c : plan.changes()) {
                LOG.debug("standby: the agent holding the Lease is to " + c.describe());
            }
        } else {
            Progress progress = new Progress(clock, plan.changes().size());
            Tally tally = new Tally(progress);
            applyAll(number, plan.steps(), look.ledger(), tally);
            applied = tally.applied.get();
            failed = tally.failed.get();
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
        report(startedBy, result, desired, applyTook, standby);
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
                    VirtualService parent = vs.masterVsId() == null
                            ? null
                            : all.virtualServices().get(vs.masterVsId());
                    if (parent != null) {
                        read.putIfAbsent(parent.id(), parent); // the address family a SubVS listens on is its parent's
                    }
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

    /** What the apply came to so far; shared by the threads of one pass. */
    private static final class Tally {
        final Progress progress;
        /** Changes that took effect. */
        final AtomicInteger applied = new AtomicInteger();
        /** Steps (changes or ledger-only) that did not. */
        final AtomicInteger failed = new AtomicInteger();

        Tally(Progress progress) {
            this.progress = progress;
        }
    }

    /**
     * Applies the plan's steps. The ledger-only steps first (in a plan they all come before the first change), in
     * one ledger write. Then the changes: with {@code maxInFlight} 1, or fewer than two Virtual Services to
     * change, one after the other in plan order; otherwise grouped by VS: up to {@code maxInFlight} threads
     * ({@code apply-1}, ...) each take the next VS in plan order and send its changes one at a time, in plan
     * order (make before break within a VS), so only writes to different Virtual Services overlap. Each change is
     * applied as one step is in the sequential case: its write-ahead record (the ledger serialises records),
     * its call, its log line, its record after. A failed step fails alone, as it does in the sequential case.
     * An unexpected error (a bug) stops the apply: no thread starts another change, those under way finish, and
     * the error stops the pass as it would in the sequential case. The method returns only when every thread
     * is done, so passes never overlap.
     */
    private void applyAll(long pass, List<Step> steps, Ledger start, Tally tally) {
        int ledgerOnly = 0;
        while (ledgerOnly < steps.size() && !(steps.get(ledgerOnly) instanceof Change)) {
            ledgerOnly++;
        }
        Map<VirtualServiceId, List<Change>> perVs = new LinkedHashMap<>();
        for (Step step : steps.subList(ledgerOnly, steps.size())) {
            if (!(step instanceof Change change)) {
                perVs.clear(); // a ledger-only step among the changes: no plan has one, so keep to plan order
                break;
            }
            perVs.computeIfAbsent(change.vs(), k -> new ArrayList<>()).add(change);
        }
        recordTogether(steps.subList(0, ledgerOnly), start, tally);
        int threads = Math.min(options.maxInFlight(), perVs.size());
        if (threads < 2) {
            for (Step step : steps.subList(ledgerOnly, steps.size())) {
                applyCounted(step, start, tally);
            }
            return;
        }
        Queue<List<Change>> queue = new ConcurrentLinkedQueue<>(perVs.values());
        AtomicReference<Throwable> stop = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        try {
            for (int i = 1; i <= threads; i++) {
                Thread worker = new Thread(
                        () -> PassContext.run(pass, () -> {
                            work(queue, start, tally, stop);
                            return null;
                        }),
                        "apply-" + i);
                worker.setDaemon(true);
                worker.start();
                workers.add(worker);
            }
        } catch (RuntimeException | Error e) { // no thread to be had: stop those started, as for any error
            stop.compareAndSet(null, e);
        }
        joinAll(workers);
        Throwable error = stop.get();
        if (error instanceof RuntimeException e) {
            throw e;
        }
        if (error instanceof Error e) {
            throw e;
        }
    }

    /**
     * Records the ledger-only steps that open a plan in one ledger write (one fsync), then logs each: a first pass
     * over 1,000 Virtual Services records thousands of them (identities, owners, adds written ahead), and a write
     * each would rewrite the whole ledger as many times. A step of its own is applied as any other.
     */
    private void recordTogether(List<Step> ledgerSteps, Ledger start, Tally tally) {
        if (ledgerSteps.size() < 2) {
            ledgerSteps.forEach(step -> applyCounted(step, start, tally));
            return;
        }
        boolean recorded = record(
                ledger -> {
                    Ledger next = ledger;
                    for (Step step : ledgerSteps) {
                        next = step.recorded(next);
                    }
                    return next;
                },
                "did not record " + ledgerSteps.size() + " ledger steps, from \""
                        + ledgerSteps.get(0).describe() + "\" to \""
                        + ledgerSteps.get(ledgerSteps.size() - 1).describe() + "\"");
        for (Step step : ledgerSteps) {
            if (recorded) {
                report(step.done(start));
            } else {
                tally.failed.incrementAndGet();
            }
        }
    }

    /** One thread of the apply: Virtual Service after Virtual Service, until none is left or the apply stops. */
    private void work(Queue<List<Change>> queue, Ledger start, Tally tally, AtomicReference<Throwable> stop) {
        try {
            List<Change> changes;
            while (stop.get() == null && (changes = queue.poll()) != null) {
                for (Change change : changes) {
                    if (stop.get() != null) {
                        return;
                    }
                    applyCounted(change, start, tally);
                }
            }
        } catch (RuntimeException | Error e) {
            stop.compareAndSet(null, e);
        }
    }

    /** Waits for every thread to end, even when interrupted (then the interrupt is kept for the caller). */
    private static void joinAll(List<Thread> workers) {
        boolean interrupted = false;
        for (Thread worker : workers) {
            while (true) {
                try {
                    worker.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Applies one step and counts it. */
    private void applyCounted(Step step, Ledger start, Tally tally) {
        boolean done = apply(step, start);
        if (step instanceof Change) {
            tally.progress.step(done);
            if (done) {
                tally.applied.incrementAndGet();
            }
        }
        if (!done) {
            tally.failed.incrementAndGet();
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
        if (step instanceof Change change && !mayStillWrite(change)) {
            return false;
        }
        if (step.recordsFirst() && !record(step, "did not ")) {
            return false;
        }
        if (step instanceof Change change) {
            if (!step.recordsFirst() && !fence(change)) {
                return false;
            }
            if (!mayStillWrite(change)) { // again: the ledger write took time, and the Lease may have run out
                return false;
            }
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

    /**
     * Whether this agent may still write to the LoadMaster (with {@code ha}: it holds the Lease). The first change of
     * a pass it may not make is logged at warning, the others at debug: a Lease lost during a large apply would
     * otherwise log a line for every change left.
     */
    private boolean mayStillWrite(Change change) {
        if (leadership.mayWrite()) {
            return true;
        }
        String line = "did not " + change.describe() + ": this agent no longer holds the Lease (it could not renew it"
                + " in time), so it makes no more changes until it holds it again";
        if (leaseLossLogged.compareAndSet(false, true)) {
            LOG.warning(line + "; the other changes of this pass are left too");
        } else {
            LOG.debug(line);
        }
        return false;
    }

    /** The ledger's proof that this agent may still write, before a change it records only after the call. */
    private boolean fence(Change change) {
        try {
            ledger.fence(change.vs());
            return true;
        } catch (IOException e) {
            metrics.error(AgentMetrics.Cause.LEDGER);
            LOG.err("did not " + change.describe() + ": " + e.getMessage());
            return false;
        }
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

    /**
     * @param applyTook how long the changes took to apply; null in a dry run
     * @param standby   why this agent wrote nothing this pass (it does not hold the Lease), or null
     */
    private void report(StartedBy startedBy, PassResult r, DesiredState desired, Duration applyTook, String standby) {
        StringBuilder line = new StringBuilder()
                .append("pass #")
                .append(r.number())
                .append(" (")
                .append(startedBy)
                .append(") ")
                .append(dryRun ? "dry run, " : standby != null ? "standby, " : "")
                .append("done in ")
                .append(r.elapsed().toMillis())
                .append(" ms")
                .append(applyTook != null && r.planned() > 0 ? " (apply " + applyTook.toMillis() + " ms)" : "")
                .append(": ")
                .append(r.bound())
                .append(" Virtual Service(s) bound, ");
        if (dryRun) {
            line.append(r.planned()).append(" change(s) planned, none applied");
        } else if (standby != null) {
            line.append(r.planned())
                    .append(" change(s) to make, none made here (")
                    .append(standby)
                    .append(')');
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
