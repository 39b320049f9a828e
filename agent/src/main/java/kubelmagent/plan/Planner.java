package kubelmagent.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kubelmagent.model.Backends;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.IpAddress;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Networks;
import kubelmagent.model.Ownership;
import kubelmagent.model.Problem;
import kubelmagent.model.RealServer;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.model.VsMissing;

/**
 * Computes what to change on the LoadMaster: desired state × current state × ownership ledger × rules →
 * {@link Plan}. A pure function: no I/O, no clock of its own, no logging; the same inputs give the same plan.
 *
 * <p>First it settles which Service is applied to which Virtual Service, and which Services are skipped
 * (Kubernetes already skipped some: bad annotation, endpoints that could not be read). A Service is skipped
 * when the binding policy forbids its VS, when another Service claims the same VS, when its VS is missing,
 * unreadable, a parent of SubVSs or has no matching port, or when the VS holds Real Servers the agent added
 * for a Service that is itself skipped. Then, per Virtual Service:
 * <ul>
 *   <li><b>Skipped keeps everything.</b> A VS whose ledger owner is skipped, or that a skipped Service
 *       claims, is left exactly as it is: a skipped Service keeps every Real Server the agent added for it,
 *       on every VS. The owner's name follows Kubernetes: when a pass applies Service S to a VS, the VS's Real
 *       Servers become S's in the ledger.</li>
 *   <li>A Service may be bound to several VSs (one {@link DesiredService} each); every rule below is per
 *       binding, and a Service skipped on one VS keeps its Real Servers on every VS it is not applied to.</li>
 *   <li>A VS receives only members of the address family it listens on (a SubVS, its parent's); members of
 *       the other family are neither added to it nor missed there.</li>
 *   <li>A ready endpoint that an applied VS lacks is added (not while non-local Real Servers are switched
 *       off, or to a transparent VS, when the agent adds them as non-local); a terminating one never is. A
 *       pod address outside {@code kubernetes.podCidrs}, or in NodePort mode a node address outside {@code
 *       kubernetes.nodeCidrs}, never becomes a Real Server, nor counts as gone.</li>
 *   <li>Only Real Servers in the ledger are ever disabled, enabled again or removed; and the agent enables
 *       only what it disabled itself.</li>
 *   <li>An owned Real Server whose endpoint is terminating but still serving is disabled (drained), never
 *       enabled again while it terminates, and removed when the endpoint leaves or after the drain timeout.</li>
 *   <li>An owned Real Server whose endpoint is gone is disabled at the first complete read that misses it
 *       and removed once {@link RemovalPolicy#confirmations()} consecutive complete reads have missed it and
 *       at least {@link RemovalPolicy#confirmationInterval()} has passed since it was disabled.</li>
 *   <li>A VS whose Service is gone (deleted, unlabelled, moved to another usable VS) loses the Real Servers
 *       the agent added, by the same two steps. When the Service list was not read completely, nothing
 *       is disabled or removed for absence anywhere.</li>
 *   <li>A VS that answers {@code Unknown VS} is let go (its Real Servers forgotten, not removed) only after
 *       {@link RemovalPolicy#confirmations()} such passes in a row spread over the confirmation interval.</li>
 *   <li>The ledger describes one LoadMaster, and records what each of its VSs is: against another
 *       LoadMaster, or a VS that is not the one recorded, nothing is disabled, enabled or removed (adds go
 *       on) until {@code --adopt} accepts it.</li>
 *   <li>The capacity guard: take-outs (disables and removes of enabled Real Servers, whether their endpoint is
 *       gone or terminating) that would leave the agent's Real Servers in service below the peak of the
 *       removal window by more than {@link RemovalPolicy#maxFraction()} and more than
 *       {@link RemovalPolicy#maxMinimum()}, per VS or in total, are held; adds proceed and count, so a rolling
 *       update keeps its capacity and is never held.</li>
 * </ul>
 */
public final class Planner {

    private Planner() {}

    public static Plan plan(DesiredState desired, CurrentState current, Ledger ledger, Rules rules) {
        Builder plan = new Builder(rules);
        Bindings bindings = Bindings.settle(desired, current, ledger, rules, plan);
        boolean sameLoadMaster = checkLoadMaster(ledger, current, rules, plan);
        checkNonLocal(current, rules, plan);

        SortedMap<VirtualServiceId, VsPlan> perVs = new TreeMap<>();
        Set<VirtualServiceId> ids = new TreeSet<>(ledger.owned().keySet());
        ids.addAll(bindings.applied.keySet());
        for (VirtualServiceId id : ids) {
            perVs.put(id, planVs(id, desired, current, ledger.get(id), bindings, sameLoadMaster, plan));
        }
        guard(perVs, ledger.capacity(), plan);
        return plan.build(perVs);
    }

    // ---- which Service is applied where, and which are skipped ---------------------------------------------

    /** A Service the pass applies to a Virtual Service, through the Service port that serves it. */
    private record Applied(DesiredService service, ServicePort port) {
        ServiceRef ref() {
            return service.service();
        }
    }

    /**
     * The outcome of the first half: applied Services by VS; skipped Services; VSs that a skipped Service
     * names and may bind (their Real Servers are kept whoever owns them).
     */
    private static final class Bindings {
        final SortedMap<VirtualServiceId, Applied> applied = new TreeMap<>();
        final Set<ServiceRef> skipped = new HashSet<>();
        final Set<VirtualServiceId> claimedBySkipped = new HashSet<>();
        /** Every VS a Service names (and may, by the policy), applied or not. */
        final Set<VirtualServiceId> claimed = new HashSet<>();

        static Bindings settle(DesiredState desired, CurrentState current, Ledger ledger, Rules rules, Builder plan) {
            Bindings b = new Bindings();
            SortedMap<VirtualServiceId, List<ServiceRef>> claimants = new TreeMap<>();
            // By VS: a Service bound to several VSs is one DesiredService per VS. Where two claim one VS, the
            // claim is a conflict and this map is not used for it.
            Map<VirtualServiceId, DesiredService> readable = new LinkedHashMap<>();
            // A claim the binding policy does not allow is no claim: it neither holds the VS nor conflicts.
            for (SkippedService s : desired.skipped()) {
                boolean allowed =
                        s.vs() != null && rules.policy().allows(s.service().namespace(), s.vs());
                b.skip(s.service(), allowed ? s.vs() : null);
                if (allowed) {
                    claimants.computeIfAbsent(s.vs(), k -> new ArrayList<>()).add(s.service());
                }
            }
            for (DesiredService s : desired.services()) {
                if (rules.policy().allows(s.service().namespace(), s.vs())) {
                    claimants.computeIfAbsent(s.vs(), k -> new ArrayList<>()).add(s.service());
                    readable.put(s.vs(), s);
                } else {
                    b.skip(s.service(), null);
                    plan.problem(Problem.of(
                            s.service(),
                            s.vs(),
                            s.service() + ": vsid=\"" + s.vs() + "\" is not allowed for"
                                    + " namespace " + s.service().namespace() + " by policy.bindings in agent.yaml ("
                                    + rules.policy().describe()
                                    + "), so the Service is not applied; ask NetOps to allow it,"
                                    + " or use a Virtual Service the policy gives this namespace"));
                }
            }
            b.claimed.addAll(claimants.keySet());
            for (var claim : claimants.entrySet()) {
                VirtualServiceId id = claim.getKey();
                List<ServiceRef> refs = claim.getValue();
                if (refs.size() > 1) {
                    String names =
                            refs.stream().map(ServiceRef::toString).sorted().collect(Collectors.joining(", "));
                    for (ServiceRef ref : refs) {
                        b.skip(ref, id);
                        plan.problem(Problem.of(
                                ref,
                                id,
                                ref + ": Services " + names + " all claim VS " + id + " (vsid=\""
                                        + id
                                        + "\"); one Virtual Service serves one Service, so none of them is applied and VS "
                                        + id + " is left as it is; give each Service its own Virtual Service"));
                    }
                    continue;
                }
                DesiredService service = readable.get(id);
                if (service != null) {
                    Applied applied = usable(service, current, plan);
                    if (applied == null) {
                        b.skip(service.service(), id);
                    } else {
                        b.applied.put(id, applied);
                    }
                }
            }
            b.holdWhereTheOwnerIsSkipped(ledger, plan);
            return b;
        }

        void skip(ServiceRef service, VirtualServiceId vs) {
            skipped.add(service);
            if (vs != null) {
                claimedBySkipped.add(vs);
            }
        }

        /**
         * A Service cannot be applied to a VS whose Real Servers the agent added for another Service that is
         * skipped: they must stay. Skipping it may hold another VS in turn, so repeat until nothing changes.
         */
        void holdWhereTheOwnerIsSkipped(Ledger ledger, Builder plan) {
            boolean changed = true;
            while (changed) {
                changed = false;
                for (var it = applied.entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    ServiceRef owner = ledger.get(e.getKey()).service();
                    ServiceRef ref = e.getValue().ref();
                    if (owner != null && !owner.equals(ref) && skipped.contains(owner)) {
                        it.remove();
                        skip(ref, e.getKey());
                        plan.problem(Problem.of(
                                ref,
                                e.getKey(),
                                ref + ": VS " + e.getKey() + " holds Real Servers the agent"
                                        + " added for " + owner
                                        + ", which is left out of this pass (see its problem); a"
                                        + " skipped Service keeps its Real Servers, so VS " + e.getKey()
                                        + " is left as it is"
                                        + " until " + owner + " is fixed or deleted"));
                        changed = true;
                    }
                }
            }
        }

        /** Whether the VS is kept exactly as it is: its owner is skipped, or a skipped Service names it. */
        boolean holds(VirtualServiceId id, Ownership owned) {
            return claimedBySkipped.contains(id) || (owned.service() != null && skipped.contains(owned.service()));
        }
    }

    /** The Service on its VS, or null (with a problem) when the VS cannot take its Real Servers. */
    private static Applied usable(DesiredService service, CurrentState current, Builder plan) {
        VirtualServiceId id = service.vs();
        ServiceRef ref = service.service();
        if (current.missing().contains(id)) {
            plan.problem(Problem.of(
                    ref,
                    id,
                    ref + ": vsid=\"" + id + "\" but the LoadMaster has no VS " + id
                            + " (Unknown VS); the agent never creates Virtual Services: ask NetOps to create it,"
                            + " or set vsid to the Id of an existing one"));
            return null;
        }
        String unreadable = current.unreadable().get(id);
        if (unreadable != null) {
            plan.problem(new Problem(
                    ref.toString(),
                    ref + ": VS " + id + " could not be read, so it is left" + " unchanged this pass: " + unreadable,
                    ref,
                    unreadable,
                    id));
            return null;
        }
        VirtualService vs = current.virtualServices().get(id);
        if (vs == null) {
            throw new IllegalArgumentException("current state lacks bound VS " + id);
        }
        if (vs.hasSubVirtualServices()) {
            plan.problem(Problem.of(
                    ref,
                    id,
                    ref + ": vsid=\"" + id + "\" names " + vs.describe()
                            + ", which has SubVSs; Real Servers go on a SubVS: set vsid to "
                            + (vs.subVsIds().isEmpty()
                                    ? "the Id of one of its SubVSs"
                                    : "one of "
                                            + vs.subVsIds().stream()
                                                    .map(VirtualServiceId::toString)
                                                    .collect(Collectors.joining(", ")))));
            return null;
        }
        ServicePort port = servingPort(service, vs);
        if (port != null) {
            return new Applied(service, port);
        }
        List<ServicePort> ports = service.ports();
        if (ports.isEmpty()) {
            plan.problem(Problem.of(
                    ref, id, ref + ": the Service has no ports; give it the port that " + vs.describe() + " serves"));
            return null;
        }
        String listed = ports.stream().map(ServicePort::describe).collect(Collectors.joining(", "));
        plan.problem(Problem.of(
                ref,
                id,
                ref + ": the Service has several ports (" + listed + ") and "
                        + (matching(ports, vs).isEmpty() ? "none of them equals" : "more than one matches")
                        + " the port of " + vs.describe() + "; set the Service port that should be load balanced to "
                        + (vs.port() > 0 ? String.valueOf(vs.port()) : "the VS port")
                        + ", name it in kube-lm-agent/vsids instead of vsid (e.g. \""
                        + (ports.get(0).name().isEmpty()
                                ? String.valueOf(ports.get(0).port())
                                : ports.get(0).name())
                        + "=" + id + "\"), or bind a single-port Service"));
        return null;
    }

    /**
     * The Service port that serves the Virtual Service: the only one, or the one whose port equals the
     * VS port (and, if that is still ambiguous, whose protocol matches too); null if there is none, or if
     * the Service has several ports and the VS is unknown.
     */
    public static ServicePort servingPort(DesiredService service, VirtualService vs) {
        List<ServicePort> ports = service.ports();
        if (ports.size() == 1) {
            return ports.get(0);
        }
        if (vs == null) {
            return null;
        }
        List<ServicePort> matching = matching(ports, vs);
        return matching.size() == 1 ? matching.get(0) : null;
    }

    private static List<ServicePort> matching(List<ServicePort> ports, VirtualService vs) {
        List<ServicePort> matching =
                ports.stream().filter(p -> p.port() == vs.port()).toList();
        if (matching.size() > 1) {
            matching = matching.stream()
                    .filter(p -> p.protocol().equalsIgnoreCase(vs.protocol()))
                    .toList();
        }
        return matching;
    }

    // ---- the LoadMaster as a whole ------------------------------------------------------------------------

    /**
     * Whether the ledger describes the LoadMaster that was read. A ledger that names none yet (a first start,
     * or one written before the agent recorded it), or that holds nothing, takes the current one; {@code --adopt}
     * accepts the current one.
     */
    private static boolean checkLoadMaster(Ledger ledger, CurrentState current, Rules rules, Builder plan) {
        String recorded = ledger.loadMaster();
        String now = current.loadMaster();
        if (now == null || now.equals(recorded)) {
            return true;
        }
        if (recorded == null || ledger.owned().isEmpty() || rules.adopt()) {
            plan.ledger(new LedgerStep.LoadMaster(now));
            return true;
        }
        plan.problem(
                new Problem(
                        "LoadMaster",
                        "the ownership ledger was written for LoadMaster " + recorded
                                + ", but loadmaster.url is now " + now
                                + ": the agent adds Real Servers but disables, enables"
                                + " and removes none until you say which LoadMaster this is. If it is the same appliance (a new"
                                + " address, or the other unit of its HA pair), run the agent once with --adopt; if it is another"
                                + " appliance, stop the agent, move owned-real-servers.json in sync.stateDir aside and start it"
                                + " again (then run once with --adopt to take back the Real Servers that match ready endpoints)"));
        return false;
    }

    private static void checkNonLocal(CurrentState current, Rules rules, Builder plan) {
        if (rules.nonLocal() && Boolean.FALSE.equals(current.nonLocalRealServers())) {
            plan.problem(new Problem(
                    "LoadMaster",
                    "the LoadMaster does not accept non-local Real Servers, so no"
                            + " Real Server is added: turn on System Configuration > Miscellaneous Options > Network Options"
                            + " > Enable Non-Local Real Servers, or set loadmaster.nonLocal: false if every pod IP is on a"
                            + " subnet of the LoadMaster"));
        }
    }

    // ---- one Virtual Service --------------------------------------------------------------------------------

    private static VsPlan planVs(
            VirtualServiceId id,
            DesiredState desired,
            CurrentState current,
            Ownership owned,
            Bindings bindings,
            boolean sameLoadMaster,
            Builder plan) {
        Rules rules = plan.rules;
        VsPlan vsPlan = new VsPlan(id, plan);
        Applied applied = bindings.applied.get(id);
        if (current.missing().contains(id)) {
            missing(id, owned, !bindings.claimed.contains(id), vsPlan);
            return vsPlan;
        }
        VirtualService vs = current.virtualServices().get(id);
        if (vs == null) {
            String unreadable = current.unreadable().get(id);
            vsPlan.before = owned.members().size()
                    - (int) owned.retiring().values().stream()
                            .filter(Retiring::disabledByAgent)
                            .count();
            if (applied == null && !owned.isEmpty() && !bindings.holds(id, owned)) {
                plan.problem(new Problem(
                        "VS " + id,
                        "VS " + id + ", which holds Real Servers the agent added for " + owned.service()
                                + ", could not be read and is left unchanged this pass: " + unreadable,
                        null,
                        unreadable));
            }
            return vsPlan;
        }
        for (RealServer rs : vs.realServers()) {
            if (rs.enabled() && owned.members().contains(rs.member())) {
                vsPlan.before++;
            }
        }
        boolean trusted = sameLoadMaster;
        if (!owned.isEmpty()) {
            if (owned.missing() != null) {
                plan.ledger(new LedgerStep.Missing(id, null));
            }
            if (owned.vsIdentity() == null) {
                plan.ledger(new LedgerStep.Identify(id, vs.identity()));
            } else if (!owned.vsIdentity().equals(vs.identity())) {
                if (rules.adopt()) {
                    plan.ledger(new LedgerStep.Release(
                            id,
                            owned.members(),
                            "they were recorded for VS " + id + " when it was " + owned.vsIdentity() + ", and it is "
                                    + vs.identity() + " now (--adopt)",
                            false));
                    owned = Ownership.NONE;
                    vsPlan.before = 0;
                } else {
                    trusted = false;
                    plan.problem(
                            new Problem(
                                    "VS " + id,
                                    "VS " + id + " is " + vs.identity() + " on the LoadMaster,"
                                            + " but the ledger recorded its Real Servers there when VS " + id + " was "
                                            + owned.vsIdentity()
                                            + ": the agent adds Real Servers to it but disables, enables and"
                                            + " removes none. If it is the same Virtual Service (its address was changed), run the"
                                            + " agent once with --adopt; the ledger then forgets the Real Servers recorded for the old"
                                            + " one (they stay on the LoadMaster) and takes over those matching ready endpoints"));
                }
            }
        }
        if (applied != null) {
            planApplied(id, vs, applied, owned, desired.complete(), current, trusted, vsPlan);
        } else if (!owned.isEmpty() && !bindings.holds(id, owned) && desired.complete() && trusted) {
            Map<Member, RealServer> present = byMember(vs.realServers());
            for (Member m : owned.members()) {
                if (present.containsKey(m)) {
                    retireAbsent(
                            m,
                            owned.service(),
                            present.get(m),
                            owned.retiring().get(m),
                            "Service no longer bound to VS " + id + " (deleted, unlabelled, or vsid changed)",
                            Reasons.PODS,
                            vsPlan);
                }
            }
            release(
                    id,
                    owned.members().stream()
                            .filter(m -> !present.containsKey(m))
                            .toList(),
                    "they are gone from the LoadMaster",
                    plan);
        }
        return vsPlan;
    }

    /**
     * A VS the LoadMaster answered {@code Unknown VS} for: count the passes, then let go of its Real Servers.
     * {@code reportHere}: no Service names the VS (one that does reports it itself).
     */
    private static void missing(VirtualServiceId id, Ownership owned, boolean reportHere, VsPlan vsPlan) {
        if (owned.isEmpty()) {
            return;
        }
        Builder plan = vsPlan.plan;
        Instant now = plan.rules.now();
        RemovalPolicy removals = plan.rules.removals();
        VsMissing before = owned.missing();
        VsMissing next = before == null ? new VsMissing(now, 1) : new VsMissing(before.since(), before.passes() + 1);
        Duration elapsed = Duration.between(next.since(), now);
        if (next.passes() >= removals.confirmations() && elapsed.compareTo(removals.confirmationInterval()) >= 0) {
            plan.ledger(new LedgerStep.Release(
                    id,
                    owned.members(),
                    "the LoadMaster has had no VS " + id + " (Unknown VS)"
                            + " in " + next.passes() + " passes in a row over " + elapsed.toSeconds()
                            + " s, so the ledger lets"
                            + " go of the Real Servers the agent added there for " + owned.service() + "; if VS " + id
                            + " comes back, they count as hand-made",
                    true));
            return;
        }
        plan.ledger(new LedgerStep.Missing(id, next));
        if (reportHere) {
            plan.problem(new Problem(
                    "VS " + id,
                    "VS " + id + ", which holds " + owned.members().size()
                            + " Real Server(s) the agent added for " + owned.service()
                            + ", is unknown to the LoadMaster"
                            + " (Unknown VS); the ledger keeps them until the LoadMaster has said so in "
                            + removals.confirmations() + " passes in a row, at least "
                            + removals.confirmationInterval().toSeconds()
                            + " s apart from the first, so a VS that comes back is managed as before"));
        }
    }

    private static void planApplied(
            VirtualServiceId id,
            VirtualService vs,
            Applied applied,
            Ownership owned,
            boolean complete,
            CurrentState current,
            boolean trusted,
            VsPlan vsPlan) {
        Builder plan = vsPlan.plan;
        Rules rules = plan.rules;
        ServiceRef ref = applied.ref();
        ServicePort port = applied.port();
        plan.bound(id);
        if (!owned.isEmpty() && !ref.equals(owned.service()) && trusted) {
            plan.ledger(new LedgerStep.Owner(id, ref));
        }
        Backends backends = applied.service().backends();
        Boolean ipv6 = ipv6(vs, current);
        Set<Member> ready = sameFamily(port.members(), ipv6);
        Set<Member> draining = sameFamily(port.draining(), ipv6);
        Set<Member> refused = Stream.concat(ready.stream(), draining.stream())
                .filter(m -> !rules.allowsAddress(m.ip(), backends))
                .collect(Collectors.toCollection(TreeSet::new));
        if (!refused.isEmpty()) {
            String key = Networks.key(backends);
            plan.problem(Problem.of(
                    ref,
                    id,
                    ref + ": " + (backends == Backends.PODS ? "endpoint" : "node") + " address(es) "
                            + refused.stream()
                                    .map(Member::ip)
                                    .distinct()
                                    .limit(10)
                                    .collect(Collectors.joining(", ")) + (refused.size() > 10 ? ", ..." : "")
                            + " are outside " + key + " ("
                            + rules.networks().describe(backends)
                            + "), so they are not made Real Servers (and the agent's"
                            + " Real Servers there are left as they are); "
                            + (backends == Backends.PODS
                                    ? "if they are pods, add their network to kubernetes.podCidrs, otherwise find out"
                                            + " who wrote them into the Service's endpoints"
                                    : "if they are the cluster's nodes, add their network to kubernetes.nodeCidrs,"
                                            + " otherwise find out who registered those Nodes")));
        }
        boolean adds = !(rules.nonLocal() && Boolean.FALSE.equals(current.nonLocalRealServers()));
        if (rules.nonLocal() && vs.transparent()) {
            adds = false;
            plan.problem(Problem.of(
                    ref,
                    id,
                    ref + ": " + vs.describe() + " has Transparency on, which refuses non-local"
                            + " Real Servers, so none is added to it: turn Transparency off (Virtual Services > View/Modify"
                            + " Services > Modify > Standard Options), or set loadmaster.nonLocal: false if every pod IP is"
                            + " on a subnet of the LoadMaster"));
        }
        Map<Member, RealServer> present = byMember(vs.realServers());
        for (Member m : ready) {
            if (refused.contains(m)) {
                continue;
            }
            RealServer rs = present.get(m);
            Retiring retiring = owned.retiring().get(m);
            if (rs == null) {
                if (adds) {
                    vsPlan.change(new Change.AddRealServer(id, m, ref), +1, false);
                }
            } else if (retiring != null && trusted) {
                if (retiring.disabledByAgent() && !rs.enabled()) {
                    vsPlan.change(new Change.EnableRealServer(id, m, ref, Reasons.of(backends).servesAgain), +1, false);
                } else {
                    // Enabled already (the enable went through, the ledger write did not), or disabled by a
                    // person, who keeps it so: either way it is no longer on its way out.
                    plan.ledger(new LedgerStep.Mark(id, m, null));
                }
            } else if (!owned.members().contains(m)
                    && rules.adopt()
                    && !rules.networks().of(backends).isEmpty()) {
                plan.ledger(new LedgerStep.Adopt(id, m, ref));
            }
        }
        if (trusted) {
            for (Member m : draining) {
                if (owned.members().contains(m) && present.containsKey(m) && !refused.contains(m)) {
                    drain(m, ref, present.get(m), owned.retiring().get(m), Reasons.of(backends), vsPlan);
                }
            }
        }
        if (complete && trusted) {
            for (Member m : owned.members()) {
                if (present.containsKey(m) && !ready.contains(m) && !draining.contains(m) && !refused.contains(m)) {
                    Reasons reasons = Reasons.of(backends);
                    retireAbsent(m, ref, present.get(m), owned.retiring().get(m), reasons.absent, reasons, vsPlan);
                }
            }
        }
        if (trusted) {
            release(
                    id,
                    owned.members().stream()
                            .filter(m -> !present.containsKey(m) && !ready.contains(m))
                            .toList(),
                    "they are gone from the LoadMaster",
                    plan);
        }
    }

    /**
     * Whether the VS listens on IPv6 (true) or IPv4 (false): its address, or for a SubVS its parent's; null
     * when that is not known, and then members of both families are offered to it.
     */
    private static Boolean ipv6(VirtualService vs, CurrentState current) {
        String address = vs.address();
        if (address.isEmpty() && vs.masterVsId() != null) {
            VirtualService parent = current.virtualServices().get(vs.masterVsId());
            address = parent == null ? "" : parent.address();
        }
        byte[] bytes = IpAddress.parse(address);
        return bytes == null ? null : bytes.length == 16;
    }

    /**
     * The members a VS of that family receives: an IPv4 VS the IPv4 endpoints of a dual-stack Service, an IPv6 VS
     * the IPv6 ones. The others are not its business: neither added nor missed there.
     */
    private static Set<Member> sameFamily(Set<Member> members, Boolean ipv6) {
        if (ipv6 == null || members.stream().allMatch(m -> isIpv6(m) == ipv6)) {
            return members;
        }
        Set<Member> same = new TreeSet<>();
        for (Member m : members) {
            if (isIpv6(m) == ipv6) {
                same.add(m);
            }
        }
        return same;
    }

    /** A member's address is canonical: an IPv6 one, and only that, holds a colon. */
    private static boolean isIpv6(Member m) {
        return m.ip().indexOf(':') >= 0;
    }

    /** What the log says a Real Server stands for, and why it comes and goes: a pod's endpoint, or a node. */
    private record Reasons(String absent, String draining, String stillDraining, String drained, String servesAgain) {

        static final Reasons PODS = new Reasons(
                "no longer a ready endpoint",
                "its endpoint is terminating",
                "its endpoint is still terminating",
                "its endpoint finished terminating",
                "its endpoint is ready again");

        static final Reasons NODES = new Reasons(
                "its node no longer serves (not Ready, labelled to be excluded from load balancers, gone, or with"
                        + " externalTrafficPolicy: Local, without a ready pod of the Service)",
                "its node is draining (cordoned, or the Service's pods there are terminating)",
                "its node is still draining",
                "its node finished draining",
                "its node serves again");

        static Reasons of(Backends backends) {
            return backends == Backends.PODS ? PODS : NODES;
        }
    }

    /** An owned, present Real Server whose endpoint is terminating (or whose node is draining) but still serving. */
    private static void drain(
            Member m, ServiceRef ref, RealServer rs, Retiring retiring, Reasons reasons, VsPlan vsPlan) {
        Rules rules = vsPlan.plan.rules;
        Duration timeout = rules.removals().drainTimeout();
        VirtualServiceId id = vsPlan.id;
        Instant now = rules.now();
        if (retiring != null && retiring.reason() == Retiring.Reason.DRAINING) {
            if (!now.isBefore(retiring.since().plus(timeout))) {
                vsPlan.change(
                        new Change.RemoveRealServer(
                                id,
                                m,
                                ref,
                                reasons.stillDraining + " after the drain timeout of " + timeout.toSeconds() + " s"),
                        rs.enabled() ? -1 : 0,
                        rs.enabled());
            } else if (rs.enabled() && retiring.disabledByAgent()) {
                // Recorded as draining but still enabled: the disable did not happen (a crash, a lost answer).
                vsPlan.change(
                        new Change.DisableRealServer(
                                id,
                                m,
                                ref,
                                retiring,
                                reasons.draining + "; draining until the drain timeout of " + timeout.toSeconds()
                                        + " s"),
                        -1,
                        true);
            }
            return;
        }
        Retiring next = Retiring.draining(now);
        if (rs.enabled()) {
            vsPlan.change(
                    new Change.DisableRealServer(
                            id,
                            m,
                            ref,
                            next,
                            reasons.draining + "; draining for at most " + timeout.toSeconds() + " s"),
                    -1,
                    true);
        } else {
            boolean byAgent = retiring != null && retiring.disabledByAgent();
            vsPlan.plan.ledger(new LedgerStep.Mark(id, m, byAgent ? next : next.foundDisabled()));
        }
    }

    /** An owned, present Real Server that no complete read shows as an endpoint (or a serving node) any more. */
    private static void retireAbsent(
            Member m, ServiceRef ref, RealServer rs, Retiring retiring, String reason, Reasons reasons, VsPlan vsPlan) {
        Rules rules = vsPlan.plan.rules;
        RemovalPolicy removals = rules.removals();
        VirtualServiceId id = vsPlan.id;
        Instant now = rules.now();
        if (retiring != null && retiring.reason() == Retiring.Reason.DRAINING) {
            vsPlan.change(
                    new Change.RemoveRealServer(id, m, ref, reasons.drained), rs.enabled() ? -1 : 0, rs.enabled());
            return;
        }
        int absentReads = (retiring == null ? 0 : retiring.absentReads()) + 1;
        int confirmations = removals.confirmations();
        if (confirmations == 1) {
            vsPlan.change(new Change.RemoveRealServer(id, m, ref, reason), rs.enabled() ? -1 : 0, rs.enabled());
            return;
        }
        if (rs.enabled()) {
            // First absence; or the ledger says it was disabled and it is enabled again (the disable never took
            // effect, or a person enabled it while its endpoint is gone): disable it, and count from now.
            vsPlan.change(
                    new Change.DisableRealServer(
                            id,
                            m,
                            ref,
                            Retiring.gone(now, absentReads),
                            reason + "; removed if the next read confirms it"),
                    -1,
                    true);
            return;
        }
        if (retiring == null) {
            vsPlan.plan.ledger(
                    new LedgerStep.Mark(id, m, Retiring.gone(now, absentReads).foundDisabled()));
            return;
        }
        Duration disabledFor = Duration.between(retiring.since(), now);
        if (absentReads >= confirmations && disabledFor.compareTo(removals.confirmationInterval()) >= 0) {
            vsPlan.change(
                    new Change.RemoveRealServer(
                            id,
                            m,
                            ref,
                            reason + ", confirmed by " + absentReads + " reads over " + disabledFor.toSeconds() + " s"),
                    0,
                    false);
        } else {
            vsPlan.plan.ledger(new LedgerStep.Mark(
                    id, m, new Retiring(retiring.reason(), retiring.since(), absentReads, retiring.disabledByAgent())));
        }
    }

    private static void release(VirtualServiceId id, Collection<Member> members, String reason, Builder plan) {
        if (!members.isEmpty()) {
            plan.ledger(new LedgerStep.Release(id, new TreeSet<>(members), reason, false));
        }
    }

    private static Map<Member, RealServer> byMember(Collection<RealServer> realServers) {
        Map<Member, RealServer> map = new TreeMap<>();
        for (RealServer rs : realServers) {
            map.put(rs.member(), rs);
        }
        return map;
    }

    // ---- the capacity guard ---------------------------------------------------------------------------------

    /**
     * Holds the take-outs of each VS that would leave too few of the agent's Real Servers in service against
     * the VS's peak, then, over what is left, those that would do so in total; records the peaks it needs.
     */
    private static void guard(SortedMap<VirtualServiceId, VsPlan> perVs, CapacityHistory history, Builder plan) {
        Rules rules = plan.rules;
        RemovalPolicy removals = rules.removals();
        Instant now = rules.now();
        Duration window = removals.window();
        int beforeTotal = 0;
        int afterTotal = 0;
        for (VsPlan v : perVs.values()) {
            int peak = history.peak(v.id, v.before, now, window);
            if (removals.guarded() && !v.takeOuts.isEmpty() && tooLow(peak, v.after(), removals)) {
                String owner = v.takeOuts.get(0).service().toString();
                plan.problem(new Problem(
                        "VS " + v.id,
                        "VS " + v.id + " (" + owner + "): "
                                + holding(v.takeOuts.size(), v.after(), v.after() + v.takeOuts.size(), peak, removals)
                                + "; first held: "
                                + v.takeOuts.get(0).describe()));
                v.hold();
            }
            beforeTotal += v.before;
            afterTotal += v.after();
        }
        int peakTotal = history.peakTotal(beforeTotal, now, window);
        List<VsPlan> withTakeOuts =
                perVs.values().stream().filter(v -> !v.takeOuts.isEmpty()).toList();
        if (removals.guarded() && !withTakeOuts.isEmpty() && tooLow(peakTotal, afterTotal, removals)) {
            int held = withTakeOuts.stream().mapToInt(v -> v.takeOuts.size()).sum();
            plan.problem(new Problem(
                    "removal guard",
                    "all Virtual Services: " + holding(held, afterTotal, afterTotal + held, peakTotal, removals)
                            + "; first held: "
                            + withTakeOuts.get(0).takeOuts.get(0).describe()));
            for (VsPlan v : withTakeOuts) {
                afterTotal += v.takeOuts.size();
                v.hold();
            }
        }
        if (!removals.guarded()) {
            if (!history.isEmpty()) {
                plan.ledger(new LedgerStep.Capacity(CapacityHistory.EMPTY));
            }
            return;
        }
        CapacityHistory next = history;
        for (VsPlan v : perVs.values()) {
            if (v.after() < v.before) {
                next = next.with(v.id, new CapacityHistory.Sample(v.before, now), window);
            }
        }
        if (afterTotal < beforeTotal) {
            next = next.with(null, new CapacityHistory.Sample(beforeTotal, now), window);
        }
        if (!next.equals(history)) {
            plan.ledger(new LedgerStep.Capacity(next));
        }
    }

    private static boolean tooLow(int peak, int after, RemovalPolicy removals) {
        int drop = peak - after;
        return drop > removals.maxMinimum() && drop > removals.maxFraction() * peak;
    }

    private static String holding(int held, int after, int withoutThem, int peak, RemovalPolicy removals) {
        int drop = peak - after;
        return "holding " + held + " take-out(s) this pass: they would leave " + after + " of the agent's Real"
                + " Servers in service, down from " + peak + " within the last " + minutes(removals.window())
                + " (a drop of " + drop + ", " + Math.round(100.0 * drop / peak) + "%), more than"
                + " sync.maxRemovalFraction (" + Math.round(100 * removals.maxFraction()) + "%) and more than"
                + " sync.maxRemovalMinimum (" + removals.maxMinimum() + "); " + withoutThem + " stay in service."
                + " Adds still proceed. If Kubernetes really lost these endpoints (a large scale-down, a Service"
                + " deleted or moved), apply them once with --once --force-removals (stop the service first), or"
                + " raise sync.maxRemovalFraction";
    }

    private static String minutes(Duration d) {
        return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    /** One VS's changes and its capacity: the agent's Real Servers in service before and after the pass. */
    private static final class VsPlan {
        final VirtualServiceId id;
        final Builder plan;
        final List<Change> changes = new ArrayList<>();
        final List<Change> takeOuts = new ArrayList<>();
        int before;
        int delta;

        VsPlan(VirtualServiceId id, Builder plan) {
            this.id = id;
            this.plan = plan;
        }

        void change(Change c, int capacityDelta, boolean takeOut) {
            changes.add(c);
            delta += capacityDelta;
            if (takeOut) {
                takeOuts.add(c);
            }
        }

        int after() {
            return before + delta;
        }

        void hold() {
            changes.removeAll(takeOuts);
            delta += takeOuts.size();
            plan.held.addAll(takeOuts);
            takeOuts.clear();
        }
    }

    /** Collects a plan in the order the rules above produce it. */
    private static final class Builder {
        private final Rules rules;
        private final List<LedgerStep> ledger = new ArrayList<>();
        private final List<Change> held = new ArrayList<>();
        private final List<Problem> problems = new ArrayList<>();
        private final Set<VirtualServiceId> bound = new TreeSet<>();

        Builder(Rules rules) {
            this.rules = rules;
        }

        void ledger(LedgerStep step) {
            ledger.add(step);
        }

        void problem(Problem p) {
            problems.add(p);
        }

        void bound(VirtualServiceId id) {
            bound.add(id);
        }

        Plan build(SortedMap<VirtualServiceId, VsPlan> perVs) {
            List<Change> changes = new ArrayList<>();
            perVs.values().forEach(v -> changes.addAll(v.changes));
            // Per VS: adds, then re-enables, disables and removes (make before break); members sorted.
            changes.sort(
                    Comparator.comparing(Change::vs).thenComparing(Change::kind).thenComparing(Change::member));
            List<Step> steps = new ArrayList<>(ledger);
            steps.addAll(addsAhead(changes));
            steps.addAll(changes);
            return new Plan(steps, held, problems, bound);
        }

        /**
         * One ledger write per VS for all of its adds, before the first is sent: each add would otherwise
         * write (and fsync) the ledger on its own. The adds still record themselves, which then changes nothing.
         */
        private static List<LedgerStep.AddsAhead> addsAhead(List<Change> changes) {
            SortedMap<VirtualServiceId, List<Change>> adds = new TreeMap<>();
            for (Change c : changes) {
                if (c.kind() == Change.Kind.ADD) {
                    adds.computeIfAbsent(c.vs(), k -> new ArrayList<>()).add(c);
                }
            }
            List<LedgerStep.AddsAhead> batches = new ArrayList<>();
            adds.forEach((vs, batch) -> {
                if (batch.size() > 1) {
                    batches.add(new LedgerStep.AddsAhead(
                            vs,
                            batch.get(0).service(),
                            batch.stream().map(Change::member).toList()));
                }
            });
            return batches;
        }
    }
}
