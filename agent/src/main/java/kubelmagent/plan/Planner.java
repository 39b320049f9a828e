package kubelmagent.plan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Problem;
import kubelmagent.model.RealServer;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;

/**
 * Computes what to change on the LoadMaster: desired state × current state × ownership ledger × rules →
 * {@link Plan}. A pure function: no I/O, no clock of its own, no logging; the same inputs give the same plan.
 *
 * <p>Rules:
 * <ul>
 *   <li>A ready endpoint that a bound Virtual Service lacks is added. A terminating one never is.</li>
 *   <li>Only Real Servers in the ledger are ever disabled or removed; hand-made ones stay.</li>
 *   <li>When the Kubernetes read was not complete, nothing is disabled or removed for absence.</li>
 *   <li>An owned Real Server whose endpoint is terminating but still serving is disabled (drained), never
 *       re-enabled while it terminates, and removed when the endpoint leaves or after the drain timeout.</li>
 *   <li>An owned Real Server whose endpoint is gone is disabled at the first complete read that misses it
 *       and removed once {@link RemovalPolicy#confirmations()} consecutive complete reads have missed it;
 *       if its endpoint is ready again first, it is re-enabled.</li>
 *   <li>If a pass would take more than {@link RemovalPolicy#maxFraction()} of the owned Real Servers out
 *       of service, and more than {@link RemovalPolicy#maxMinimum()}, all those are held; adds proceed.</li>
 *   <li>A Service binding a Virtual Service that the binding policy does not allow its namespace is not
 *       applied.</li>
 *   <li>A Virtual Service claimed by two Services, missing, unreadable, a SubVS parent, or without a
 *       matching port is left as it is, with a problem naming the Service and the fix.</li>
 *   <li>A Virtual Service no Service is bound to any more loses the Real Servers the agent added
 *       for it (by the same two steps), unless the Service that owned them still exists but was
 *       skipped this pass.</li>
 * </ul>
 */
public final class Planner {

    private Planner() {}

    public static Plan plan(DesiredState desired, CurrentState current, Map<VirtualServiceId, Ownership> ledger,
            Rules rules) {
        Builder plan = new Builder(rules);
        SortedMap<VirtualServiceId, List<DesiredService>> claims = new TreeMap<>();
        for (DesiredService s : desired.services()) {
            if (rules.policy().allows(s.service().namespace(), s.vs())) {
                claims.computeIfAbsent(s.vs(), k -> new ArrayList<>()).add(s);
            } else {
                plan.problem(Problem.of(s.service(), s.service() + ": vsid=\"" + s.vs() + "\" is not allowed for"
                        + " namespace " + s.service().namespace() + " by policy.bindings in agent.yaml ("
                        + rules.policy().describe() + "), so the Service is not applied; ask NetOps to allow it,"
                        + " or use a Virtual Service the policy gives this namespace"));
            }
        }
        Set<ServiceRef> skipped = new HashSet<>();
        for (Problem p : desired.problems()) {
            if (p.service() != null) {
                skipped.add(p.service());
            }
        }
        for (Problem p : plan.problems) {
            skipped.add(p.service());
        }

        for (var claim : claims.entrySet()) {
            planBound(claim.getKey(), claim.getValue(), desired.complete(), current,
                    ledger.get(claim.getKey()), plan);
        }
        for (var entry : new TreeMap<>(ledger).entrySet()) {
            if (!claims.containsKey(entry.getKey())) {
                planAbandoned(entry.getKey(), entry.getValue(), desired.complete(), skipped, current, plan);
            }
        }
        int owned = ledger.values().stream().mapToInt(o -> o.members().size()).sum();
        return plan.build(owned);
    }

    private static void planBound(VirtualServiceId id, List<DesiredService> claimants, boolean complete,
            CurrentState current, Ownership owned, Builder plan) {
        if (claimants.size() > 1) {
            String names = claimants.stream().map(s -> s.service().toString()).sorted()
                    .collect(Collectors.joining(", "));
            for (DesiredService s : claimants) {
                plan.problem(Problem.of(s.service(), s.service() + ": Services " + names
                        + " all claim VS " + id + " (vsid=\"" + id + "\"); one Virtual Service serves one Service,"
                        + " so none of them is applied and VS " + id + " is left as it is;"
                        + " give each Service its own Virtual Service"));
            }
            return;
        }
        DesiredService service = claimants.get(0);
        ServiceRef ref = service.service();
        Ownership ownership = owned == null ? new Ownership(ref, Set.of()) : owned;
        if (current.missing().contains(id)) {
            plan.problem(Problem.of(ref, ref + ": vsid=\"" + id + "\" but the LoadMaster has no VS " + id
                    + " (Unknown VS); the agent never creates Virtual Services: ask NetOps to create it,"
                    + " or set vsid to the Id of an existing one"));
            plan.release(id, ownership.members());
            return;
        }
        String unreadable = current.unreadable().get(id);
        if (unreadable != null) {
            plan.problem(new Problem(ref.toString(), ref + ": VS " + id + " could not be read, so it is left"
                    + " unchanged this pass: " + unreadable, ref, unreadable));
            return;
        }
        VirtualService vs = Objects.requireNonNull(current.virtualServices().get(id),
                "current state lacks bound VS " + id);
        if (vs.hasSubVirtualServices()) {
            plan.problem(Problem.of(ref, ref + ": vsid=\"" + id + "\" names " + vs.describe()
                    + ", which has SubVSs; Real Servers go on a SubVS: set vsid to "
                    + (vs.subVsIds().isEmpty() ? "the Id of one of its SubVSs"
                            : "one of " + vs.subVsIds().stream().map(VirtualServiceId::toString)
                                    .collect(Collectors.joining(", ")))));
            return;
        }
        ServicePort port = choosePort(service, vs, plan);
        if (port == null) {
            return;
        }
        plan.bound(id);
        Map<Member, RealServer> present = byMember(vs.realServers());
        for (Member m : new TreeSet<>(port.members())) {
            RealServer rs = present.get(m);
            if (rs == null) {
                plan.change(new Change.AddRealServer(id, m, ref));
            } else if (ownership.retiring().containsKey(m)) {
                plan.change(new Change.EnableRealServer(id, m, ref));
            } else if (!ownership.members().contains(m) && plan.adopts(m)) {
                plan.adopt(new Plan.Adoption(id, m, ref));
            }
        }
        for (Member m : new TreeSet<>(port.draining())) {
            if (ownership.members().contains(m) && present.containsKey(m)) {
                drain(id, m, ref, present.get(m), ownership.retiring().get(m), plan);
            }
        }
        if (complete) {
            for (Member m : new TreeSet<>(ownership.members())) {
                if (present.containsKey(m) && !port.members().contains(m) && !port.draining().contains(m)) {
                    retireAbsent(id, m, ref, present.get(m), ownership.retiring().get(m),
                            "no longer a ready endpoint", plan);
                }
            }
        }
        plan.release(id, ownership.members().stream()
                .filter(m -> !present.containsKey(m) && !port.members().contains(m))
                .collect(Collectors.toSet()));
    }

    /** An owned, present Real Server whose endpoint is terminating but still serving. */
    private static void drain(VirtualServiceId id, Member m, ServiceRef ref, RealServer rs, Retiring retiring,
            Builder plan) {
        Instant now = plan.rules.now();
        if (retiring != null && retiring.reason() == Retiring.Reason.DRAINING && rs.enabled()
                && now.isBefore(retiring.since().plus(plan.rules.removals().drainTimeout()))) {
            // Recorded as draining but still enabled: the disable did not happen (a crash, a lost answer).
            plan.change(new Change.DisableRealServer(id, m, ref, retiring, "its endpoint is terminating; draining"
                    + " until the drain timeout of " + plan.rules.removals().drainTimeout().toSeconds() + " s"));
            return;
        }
        if (retiring == null || retiring.reason() != Retiring.Reason.DRAINING) {
            Retiring next = Retiring.draining(now);
            if (rs.enabled()) {
                plan.change(new Change.DisableRealServer(id, m, ref, next,
                        "its endpoint is terminating; draining for at most "
                                + plan.rules.removals().drainTimeout().toSeconds() + " s"));
            } else {
                plan.mark(id, m, next);
            }
        } else if (!now.isBefore(retiring.since().plus(plan.rules.removals().drainTimeout()))) {
            plan.change(new Change.RemoveRealServer(id, m, ref, "its endpoint is still terminating after the drain"
                    + " timeout of " + plan.rules.removals().drainTimeout().toSeconds() + " s"));
        }
    }

    /** An owned, present Real Server that no complete read shows as an endpoint any more. */
    private static void retireAbsent(VirtualServiceId id, Member m, ServiceRef ref, RealServer rs, Retiring retiring,
            String reason, Builder plan) {
        if (retiring != null && retiring.reason() == Retiring.Reason.DRAINING) {
            plan.change(new Change.RemoveRealServer(id, m, ref, "its endpoint finished terminating"));
            return;
        }
        int absentReads = (retiring == null ? 0 : retiring.absentReads()) + 1;
        int confirmations = plan.rules.removals().confirmations();
        if (absentReads >= confirmations) {
            plan.takeOut(new Change.RemoveRealServer(id, m, ref, confirmations == 1 ? reason
                    : reason + ", confirmed by " + confirmations + " reads"), rs.enabled());
            return;
        }
        Retiring next = Retiring.gone(retiring == null ? plan.rules.now() : retiring.since(), absentReads);
        if (rs.enabled()) {
            plan.takeOut(new Change.DisableRealServer(id, m, ref, next, reason + "; removed if the next read"
                    + " confirms it"), true);
        } else {
            plan.mark(id, m, next);
        }
    }

    private static void planAbandoned(VirtualServiceId id, Ownership owned, boolean complete, Set<ServiceRef> skipped,
            CurrentState current, Builder plan) {
        if (current.missing().contains(id)) {
            plan.release(id, owned.members());
            return;
        }
        String unreadable = current.unreadable().get(id);
        if (unreadable != null) {
            plan.problem(new Problem("VS " + id, "VS " + id + ", which holds Real Servers the agent added for "
                    + owned.service() + ", could not be read and is left unchanged this pass: " + unreadable,
                    null, unreadable));
            return;
        }
        if (!complete || skipped.contains(owned.service())) {
            return; // the owner may still want them: we cannot tell this pass
        }
        VirtualService vs = Objects.requireNonNull(current.virtualServices().get(id),
                "current state lacks ledger VS " + id);
        Map<Member, RealServer> present = byMember(vs.realServers());
        for (Member m : new TreeSet<>(owned.members())) {
            if (present.containsKey(m)) {
                retireAbsent(id, m, owned.service(), present.get(m), owned.retiring().get(m),
                        "Service no longer bound to VS " + id + " (deleted, unlabelled, or vsid changed)", plan);
            }
        }
        plan.release(id, owned.members().stream().filter(m -> !present.containsKey(m)).collect(Collectors.toSet()));
    }

    /**
     * The Service port that serves the Virtual Service: the only one, or the one whose port equals the
     * VS port (and, if that is still ambiguous, whose protocol matches too).
     */
    private static ServicePort choosePort(DesiredService service, VirtualService vs, Builder plan) {
        ServicePort port = servingPort(service, vs);
        if (port != null) {
            return port;
        }
        List<ServicePort> ports = service.ports();
        ServiceRef ref = service.service();
        if (ports.isEmpty()) {
            plan.problem(Problem.of(ref, ref + ": the Service has no ports; give it the port that "
                    + vs.describe() + " serves"));
            return null;
        }
        String listed = ports.stream().map(ServicePort::describe).collect(Collectors.joining(", "));
        plan.problem(Problem.of(ref, ref + ": the Service has several ports (" + listed + ") and "
                + (matching(ports, vs).isEmpty() ? "none of them equals" : "more than one matches")
                + " the port of " + vs.describe() + "; set the Service port that should be load balanced to "
                + (vs.port() > 0 ? String.valueOf(vs.port()) : "the VS port")
                + ", or bind a single-port Service"));
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
        List<ServicePort> matching = ports.stream().filter(p -> p.port() == vs.port()).toList();
        if (matching.size() > 1) {
            matching = matching.stream().filter(p -> p.protocol().equalsIgnoreCase(vs.protocol())).toList();
        }
        return matching;
    }

    private static Map<Member, RealServer> byMember(Collection<RealServer> realServers) {
        Map<Member, RealServer> map = new TreeMap<>();
        for (RealServer rs : realServers) {
            map.put(rs.member(), rs);
        }
        return map;
    }

    /** Collects a plan in the order the rules above produce it. */
    private static final class Builder {
        private final Rules rules;
        private final List<Change> changes = new ArrayList<>();
        private final Set<Change> takeOuts = new HashSet<>();
        private final SortedMap<VirtualServiceId, SortedSet<Member>> released = new TreeMap<>();
        private final SortedMap<VirtualServiceId, Map<Member, Retiring>> marks = new TreeMap<>();
        private final List<Plan.Adoption> adopted = new ArrayList<>();
        private final List<Problem> problems = new ArrayList<>();
        private final Set<VirtualServiceId> bound = new TreeSet<>();

        Builder(Rules rules) {
            this.rules = rules;
        }

        void change(Change c) {
            changes.add(c);
        }

        /** A change that takes a Real Server out of service: the mass-removal guard counts these. */
        void takeOut(Change c, boolean inService) {
            changes.add(c);
            if (inService) {
                takeOuts.add(c);
            }
        }

        void mark(VirtualServiceId id, Member m, Retiring next) {
            marks.computeIfAbsent(id, k -> new TreeMap<>()).put(m, next);
        }

        boolean adopts(Member m) {
            return rules.adoptWithin().stream().anyMatch(cidr -> cidr.contains(m.ip()));
        }

        void adopt(Plan.Adoption a) {
            adopted.add(a);
        }

        void release(VirtualServiceId id, Set<Member> members) {
            if (!members.isEmpty()) {
                released.computeIfAbsent(id, k -> new TreeSet<>()).addAll(members);
            }
        }

        void problem(Problem p) {
            problems.add(p);
        }

        void bound(VirtualServiceId id) {
            bound.add(id);
        }

        Plan build(int owned) {
            List<Change> held = new ArrayList<>();
            RemovalPolicy removals = rules.removals();
            if (takeOuts.size() > removals.maxMinimum() && takeOuts.size() > removals.maxFraction() * owned) {
                for (Change c : changes) {
                    if (takeOuts.contains(c)) {
                        held.add(c);
                    }
                }
                changes.removeAll(held);
                problems.add(new Problem("removal guard", "holding " + held.size() + " removal(s) this pass: they"
                        + " would take " + held.size() + " of the " + owned + " Real Servers the agent owns out of"
                        + " service (" + Math.round(100.0 * held.size() / owned) + "%), more than"
                        + " sync.maxRemovalFraction (" + Math.round(100 * removals.maxFraction()) + "%) and more than"
                        + " sync.maxRemovalMinimum (" + removals.maxMinimum() + "). Adds still proceed. If Kubernetes"
                        + " really lost these endpoints (a large scale-down, Services deleted), apply them once with"
                        + " --once --force-removals (stop the service first), or raise sync.maxRemovalFraction;"
                        + " first held: " + held.get(0).describe()));
            }
            // Per VS: adds, then re-enables, disables and removes (make before break); members sorted.
            changes.sort(Comparator.comparing(Change::vs).thenComparingInt(Builder::rank)
                    .thenComparing(Change::member));
            Map<VirtualServiceId, Set<Member>> releasedCopy = new TreeMap<>();
            released.forEach((k, v) -> releasedCopy.put(k, Set.copyOf(v)));
            Map<VirtualServiceId, Map<Member, Retiring>> marksCopy = new TreeMap<>();
            marks.forEach((k, v) -> marksCopy.put(k, Map.copyOf(v)));
            return new Plan(changes, releasedCopy, marksCopy, adopted, held, problems, bound);
        }

        private static int rank(Change c) {
            if (c instanceof Change.AddRealServer) {
                return 0;
            }
            if (c instanceof Change.EnableRealServer) {
                return 1;
            }
            return c instanceof Change.DisableRealServer ? 2 : 3;
        }
    }
}
