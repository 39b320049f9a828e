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
import kubelmagent.loadmaster.UnknownVirtualServiceException;
import kubelmagent.log.Log;
import kubelmagent.log.PassContext;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.Cidr;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Ledger;
import kubelmagent.model.Ownership;
import kubelmagent.model.Problem;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.OwnershipLedger;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.Change;
import kubelmagent.plan.LedgerStep;
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
    public record Options(BindingPolicy policy, RemovalPolicy removals, List<Cidr> podCidrs, boolean nonLocal,
            boolean dryRun, boolean forceRemovals, boolean adopt) {

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
    public record Inspection(DesiredState desired, CurrentState current, Ledger ledger, Plan plan) {}

    public Inspection inspect() {
        return look(rules(clock.instant(), false));
    }

    private Rules rules(Instant now, boolean first) {
        RemovalPolicy removals = first && options.forceRemovals() ? options.removals().forced() : options.removals();
        return new Rules(options.policy(), removals, now, options.podCidrs(), options.nonLocal(),
                first && options.adopt());
    }

    /** Reads Kubernetes, the ledger and the LoadMaster, and plans: the first half of every pass. */
    private Inspection look(Rules rules) {
        DesiredState desired = source.read();
        Ledger owned = ledger.snapshot();
        CurrentState current = readLoadMaster(desired, owned.owned().keySet(), rules.now());
        return new Inspection(desired, current, owned, Planner.plan(desired, current, owned, rules));
    }

    private PassResult pass(long number, Trigger trigger, Instant start) {
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
            for (LedgerStep step : plan.ledger()) {
                if (!record(step, look)) {
                    failed++;
                }
            }
            Progress progress = new Progress(clock, plan.changes().size());
            for (Change c : plan.changes()) {
                boolean ok = apply(c);
                progress.step(ok);
                if (ok) {
                    applied++;
                } else {
                    failed++;
                }
            }
            applyTook = progress.elapsed();
        }
        PassResult result = new PassResult(number, plan.bound().size(), plan.changes().size(), applied, failed,
                plan.held().size(), problems.size(), desired.everythingRead(), dryRun,
                Duration.between(start, clock.instant()));
        report(trigger, result, desired, applyTook);
        return result;
    }

    /** Reads every Virtual Service a Service is bound to, and every one the ledger has entries for. */
    private CurrentState readLoadMaster(DesiredState desired, Set<VirtualServiceId> owned, Instant now) {
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
                if (silent(e)) {
                    silence = e.getMessage(); // unreachable, refusing us or failing: asking again is no use
                }
            }
        }
        if (silence == null) {
            checkNonLocal(now);
        }
        return new CurrentState(loadMaster.address(), read, missing, unreadable, nonLocalRealServers);
    }

    private static boolean silent(LoadMasterException e) {
        return e.status() == 0 || e.status() == 401 || e.status() >= 500;
    }

    /**
     * Reads the LoadMaster's {@code nonlocalrs} when the agent adds non-local Real Servers: at the first pass,
     * every {@link #NON_LOCAL_CHECK} while it is on, and every pass while it is off (so the agent resumes as
     * soon as NetOps turns it on). A failed read keeps what was known, and is logged once.
     */
    private void checkNonLocal(Instant now) {
        if (!options.nonLocal() || (Boolean.TRUE.equals(nonLocalRealServers)
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

    /** Applies one ledger-only step; true if it was recorded. */
    private boolean record(LedgerStep step, Inspection look) {
        try {
            if (step instanceof LedgerStep.LoadMaster lm) {
                ledger.recordLoadMaster(lm.address());
                String before = look.ledger().loadMaster();
                if (before != null) {
                    LOG.notice("the ownership ledger now describes LoadMaster " + lm.address() + " (it described "
                            + before + ")");
                }
            } else if (step instanceof LedgerStep.Capacity capacity) {
                ledger.recordCapacity(capacity.history());
            } else if (step instanceof LedgerStep.OnVs onVs) {
                ledger.update(onVs.vs(), onVs::recorded);
                report(onVs, look);
            }
            return true;
        } catch (IOException e) {
            metrics.error(AgentMetrics.Cause.LEDGER);
            LOG.err(e.getMessage());
            return false;
        }
    }

    private static void report(LedgerStep.OnVs step, Inspection look) {
        if (step instanceof LedgerStep.Release r) {
            String line = "VS " + r.vs() + ": no longer tracking " + r.members().size() + " Real Server(s), "
                    + r.reason() + ": " + new TreeSet<>(r.members());
            if (look.current().missing().contains(r.vs())) {
                LOG.err(line);
            } else {
                LOG.info(line);
            }
        } else if (step instanceof LedgerStep.Adopt a) {
            LOG.notice("adopted RS " + a.member() + " in VS " + a.vs() + " (" + a.service() + "): it matches a"
                    + " ready endpoint inside kubernetes.podCidrs, so the agent now owns it");
        } else if (step instanceof LedgerStep.Owner o) {
            LOG.info("VS " + o.vs() + ": the Real Servers the agent added for " + look.ledger().get(o.vs()).service()
                    + " are now tracked for " + o.service() + ", the Service bound to it now");
        }
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
        if (!update(add, add::recorded, "did not ")) {
            return false;
        }
        try {
            loadMaster.addRealServer(add.vs(), add.member());
            metrics.realServerChanged(add.vs().index(), "add");
            LOG.notice("added RS " + add.member() + " to VS " + add.vs() + " (" + add.service() + ")");
            return true;
        } catch (LoadMasterException e) {
            metrics.error(AgentMetrics.Cause.LOADMASTER_WRITE);
            Boolean there = e.isRefusal() ? alreadyThere(add) : null;
            if (Boolean.TRUE.equals(there)) {
                LOG.notice("RS " + add.member() + " is already in VS " + add.vs() + " (" + add.service() + "): the"
                        + " LoadMaster refused the add (" + e.getMessage() + ") but holds it, so the agent keeps it"
                        + " as its own");
                return true;
            }
            LOG.err("could not " + add.describe() + ": " + e.getMessage());
            if (Boolean.FALSE.equals(there)) {
                update(add, o -> o.without(List.of(add.member())), "after the attempt to ");
            }
            return false;
        }
    }

    /**
     * After a refused add: whether the VS holds the Real Server after all (a read that lagged behind an
     * earlier add, or the same address written another way); null if the VS cannot be read again, and then
     * the ledger keeps the entry: the next pass, which reads the VS, lets go of it if it is not there.
     */
    private Boolean alreadyThere(Change.AddRealServer add) {
        try {
            return loadMaster.showVirtualService(add.vs()).realServers().stream()
                    .anyMatch(rs -> rs.member().equals(add.member()));
        } catch (LoadMasterException e) {
            LOG.debug("could not read VS " + add.vs() + " again after the refused add: " + e.getMessage());
            return null;
        }
    }

    /**
     * The ledger first, then {@code modrs enable=N} (write-ahead, as for adds), so a crash in between
     * never leaves a disabled Real Server the agent does not know it disabled.
     */
    private boolean disable(Change.DisableRealServer disable) {
        if (!update(disable, disable::recorded, "did not ")) {
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
        return update(enable, enable::recorded, "after the attempt to ");
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
        return update(remove, remove::recorded, "after the attempt to ");
    }

    /** Applies a transition to the change's VS entry; on failure logs {@code <prefix><change>: <why>}. */
    private boolean update(Change change, UnaryOperator<Ownership> transition, String prefix) {
        try {
            ledger.update(change.vs(), transition);
            return true;
        } catch (IOException e) {
            metrics.error(AgentMetrics.Cause.LEDGER);
            LOG.err(prefix + change.describe() + ": " + e.getMessage());
            return false;
        }
    }

    /** @param applyTook how long the changes took to apply; null in a dry run */
    private void report(Trigger trigger, PassResult r, DesiredState desired, Duration applyTook) {
        StringBuilder line = new StringBuilder()
                .append("pass #").append(r.number()).append(" (").append(trigger).append(") ")
                .append(dryRun ? "dry run, " : "").append("done in ").append(r.elapsed().toMillis()).append(" ms")
                .append(applyTook != null && r.planned() > 0 ? " (apply " + applyTook.toMillis() + " ms)" : "")
                .append(": ")
                .append(r.bound()).append(" Virtual Service(s) bound, ");
        if (dryRun) {
            line.append(r.planned()).append(" change(s) planned, none applied");
        } else {
            line.append(r.applied()).append(" change(s) applied, ").append(r.failed()).append(" failed");
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
