package kubelmagent.plan;

import java.util.ArrayList;
import java.util.Collection;
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
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;

/**
 * Computes what to change on the LoadMaster: desired state × current state × ownership ledger →
 * {@link Plan}. A pure function: no I/O, no clock, no logging; the same inputs give the same plan.
 *
 * <p>Rules:
 * <ul>
 *   <li>A ready endpoint that a bound Virtual Service lacks is added.</li>
 *   <li>Only Real Servers in the ledger are ever removed; hand-made ones stay.</li>
 *   <li>When the Kubernetes read was not complete, nothing is removed.</li>
 *   <li>A Virtual Service claimed by two Services, missing, unreadable, a SubVS parent, or without a
 *       matching port is left as it is, with a problem naming the Service and the fix.</li>
 *   <li>A Virtual Service no Service is bound to any more loses the Real Servers the agent added
 *       for it, unless the Service that owned them still exists but was skipped this pass.</li>
 * </ul>
 */
public final class Planner {

    private Planner() {}

    public static Plan plan(DesiredState desired, CurrentState current, Map<VirtualServiceId, Ownership> ledger) {
        SortedMap<VirtualServiceId, List<DesiredService>> claims = new TreeMap<>();
        for (DesiredService s : desired.services()) {
            claims.computeIfAbsent(s.vs(), k -> new ArrayList<>()).add(s);
        }
        Set<ServiceRef> skipped = desired.problems().stream()
                .map(Problem::service)
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());

        Builder plan = new Builder();
        for (var claim : claims.entrySet()) {
            planBound(claim.getKey(), claim.getValue(), desired.complete(), current,
                    ledger.get(claim.getKey()), plan);
        }
        for (var entry : new TreeMap<>(ledger).entrySet()) {
            if (!claims.containsKey(entry.getKey())) {
                planAbandoned(entry.getKey(), entry.getValue(), desired.complete(), skipped, current, plan);
            }
        }
        return plan.build();
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
        Set<Member> ownedMembers = owned == null ? Set.of() : owned.members();
        if (current.missing().contains(id)) {
            plan.problem(Problem.of(ref, ref + ": vsid=\"" + id + "\" but the LoadMaster has no VS " + id
                    + " (Unknown VS); the agent never creates Virtual Services: ask NetOps to create it,"
                    + " or set vsid to the Id of an existing one"));
            plan.release(id, ownedMembers);
            return;
        }
        String unreadable = current.unreadable().get(id);
        if (unreadable != null) {
            plan.problem(Problem.of(ref, ref + ": VS " + id + " could not be read, so it is left unchanged this pass: "
                    + unreadable));
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
            if (!present.containsKey(m)) {
                plan.change(new Change.AddRealServer(id, m, ref));
            }
        }
        if (complete) {
            for (Member m : new TreeSet<>(ownedMembers)) {
                if (present.containsKey(m) && !port.members().contains(m)) {
                    plan.change(new Change.RemoveRealServer(id, m, ref, "no longer a ready endpoint"));
                }
            }
        }
        plan.release(id, ownedMembers.stream()
                .filter(m -> !present.containsKey(m) && !port.members().contains(m))
                .collect(Collectors.toSet()));
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
                    + owned.service() + ", could not be read and is left unchanged this pass: " + unreadable));
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
                plan.change(new Change.RemoveRealServer(id, m, owned.service(),
                        "Service no longer bound to VS " + id + " (deleted, unlabelled, or vsid changed)"));
            }
        }
        plan.release(id, owned.members().stream().filter(m -> !present.containsKey(m)).collect(Collectors.toSet()));
    }

    /**
     * The Service port that serves the Virtual Service: the only one, or the one whose port equals the
     * VS port (and, if that is still ambiguous, whose protocol matches too).
     */
    private static ServicePort choosePort(DesiredService service, VirtualService vs, Builder plan) {
        List<ServicePort> ports = service.ports();
        ServiceRef ref = service.service();
        if (ports.size() == 1) {
            return ports.get(0);
        }
        if (ports.isEmpty()) {
            plan.problem(Problem.of(ref, ref + ": the Service has no ports; give it the port that "
                    + vs.describe() + " serves"));
            return null;
        }
        List<ServicePort> matching = ports.stream().filter(p -> p.port() == vs.port()).toList();
        if (matching.size() > 1) {
            matching = matching.stream().filter(p -> p.protocol().equalsIgnoreCase(vs.protocol())).toList();
        }
        if (matching.size() == 1) {
            return matching.get(0);
        }
        String listed = ports.stream().map(ServicePort::describe).collect(Collectors.joining(", "));
        plan.problem(Problem.of(ref, ref + ": the Service has several ports (" + listed + ") and "
                + (matching.isEmpty() ? "none of them equals" : "more than one matches")
                + " the port of " + vs.describe() + "; set the Service port that should be load balanced to "
                + (vs.port() > 0 ? String.valueOf(vs.port()) : "the VS port")
                + ", or bind a single-port Service"));
        return null;
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
        private final List<Change> adds = new ArrayList<>();
        private final List<Change> removes = new ArrayList<>();
        private final SortedMap<VirtualServiceId, SortedSet<Member>> released = new TreeMap<>();
        private final List<Problem> problems = new ArrayList<>();
        private final Set<VirtualServiceId> bound = new TreeSet<>();

        void change(Change c) {
            (c instanceof Change.AddRealServer ? adds : removes).add(c);
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

        Plan build() {
            // Per VS: adds first, then removes (make before break). Adds and removes were produced
            // VS by VS in ascending order, so a stable merge by VS keeps members sorted.
            List<Change> ordered = new ArrayList<>(adds);
            ordered.addAll(removes);
            ordered.sort((a, b) -> {
                int byVs = a.vs().compareTo(b.vs());
                if (byVs != 0) {
                    return byVs;
                }
                int byKind = Boolean.compare(a instanceof Change.RemoveRealServer, b instanceof Change.RemoveRealServer);
                return byKind != 0 ? byKind : a.member().compareTo(b.member());
            });
            Map<VirtualServiceId, Set<Member>> releasedCopy = new TreeMap<>();
            released.forEach((k, v) -> releasedCopy.put(k, Set.copyOf(v)));
            return new Plan(ordered, releasedCopy, problems, bound);
        }
    }
}
