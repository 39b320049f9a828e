package kubelmagent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Problem;
import kubelmagent.model.RealServer;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table tests for the plan. Notation: a member is a letter, {@code a} = 10.0.0.1:8080, {@code b} =
 * 10.0.0.2:8080, ...; {@code "3=a,b"} means VS 3 with members a and b; an expected change is
 * {@code +3a} (add a to VS 3) or {@code -3a} (remove a from VS 3).
 */
class PlannerTest {

    static final ServiceRef WEB = new ServiceRef("shop", "web");

    static final Instant NOW = Instant.parse("2026-11-29T06:00:00Z");

    /** One-step removal and no guard: the plain diff, as the table rows below state it. */
    static final RemovalPolicy AT_ONCE =
            new RemovalPolicy(Duration.ofSeconds(50), 1, Duration.ZERO, 1.0, Integer.MAX_VALUE, Duration.ofMinutes(10));

    static Plan plan(DesiredState desired, CurrentState current, Ledger ledger) {
        return Planner.plan(desired, current, ledger, new Rules(BindingPolicy.allowAll(), AT_ONCE, NOW));
    }

    static Stream<Arguments> table() {
        return Stream.of(
                // name, desired (Service shop/web), current on the LoadMaster, owned by the agent, complete, expected
                row("adds every ready endpoint to an empty VS", "3=a,b,c", "3=", "", true, "+3a +3b +3c"),
                row("scales 3 to 5 by adding two", "3=a,b,c,d,e", "3=a,b,c", "3=a,b,c", true, "+3d +3e"),
                row("scales 5 to 2 by removing three", "3=a,b", "3=a,b,c,d,e", "3=a,b,c,d,e", true, "-3c -3d -3e"),
                row(
                        "adds before it removes when pods are replaced",
                        "3=d,e",
                        "3=a,b",
                        "3=a,b",
                        true,
                        "+3d +3e -3a -3b"),
                row("keeps a hand-made RS that is not an endpoint", "3=a", "3=a,x", "3=a", true, ""),
                row("never removes a hand-made RS even when no pod is left", "3=", "3=x", "", true, ""),
                row("re-adds an RS removed by hand", "3=a,b", "3=a", "3=a,b", true, "+3b"),
                row("does not add an endpoint a person already added", "3=a", "3=a", "", true, ""),
                row("removes nothing when the Kubernetes read was incomplete", "3=a", "3=a,b,c", "3=a,b,c", false, ""),
                row("still adds when the Kubernetes read was incomplete", "3=a,d", "3=a,b", "3=a,b", false, "+3d"),
                row(
                        "removes all owned RS when the Service has no ready endpoint",
                        "3=",
                        "3=a,b,x",
                        "3=a,b",
                        true,
                        "-3a -3b"),
                row("is idle when the VS already matches", "3=a,b", "3=a,b", "3=a,b", true, ""),
                row("touches only the VS each change belongs to", "3=a;4=b", "3=;4=c", "4=c", true, "+3a +4b -4c"));
    }

    static Arguments row(String name, String desired, String current, String owned, boolean complete, String expected) {
        return Arguments.of(name, desired, current, owned, complete, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void plansTheDifference(
            String name, String desired, String current, String owned, boolean complete, String expected) {
        Plan plan = plan(desired(desired, complete), current(current), owned(owned));
        assertEquals(expected, render(plan.changes()));
        assertEquals(List.of(), plan.problems());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void isIdempotentOnceItsChangesAreApplied(
            String name, String desired, String current, String owned, boolean complete, String expected) {
        DesiredState d = desired(desired, complete);
        Ledger ledger = owned(owned);
        Plan first = plan(d, current(current), ledger);
        CurrentState after = apply(current(current), first);
        Ledger ledgerAfter = applyToLedger(ledger, first);
        assertEquals("", render(plan(d, after, ledgerAfter).changes()));
    }

    @Test
    void removesWhatItAddedWhenTheServiceIsGone() {
        Plan plan = plan(desired("", true), current("3=a,b,x"), owned("3=a,b"));
        assertEquals("-3a -3b", render(plan.changes()));
        assertEquals(List.of(), plan.problems());
        Change first = plan.changes().get(0);
        assertEquals(
                "remove RS 10.0.0.1:8080 from VS 3 (shop/web): Service no longer bound to VS 3"
                        + " (deleted, unlabelled, or vsid changed)",
                first.describe());
    }

    @Test
    void keepsRealServersOfAServiceThatVanishedDuringAnIncompleteRead() {
        Plan plan = plan(desired("", false), current("3=a,b"), owned("3=a,b"));
        assertEquals("", render(plan.changes()));
    }

    @Test
    void keepsRealServersOfAServiceThatWasSkippedForABadAnnotation() {
        DesiredState d = new DesiredState(
                true,
                List.of(),
                List.of(SkippedService.invalid(
                        WEB, null, Problem.of(WEB, "shop/web: annotation vsid=\"3x\" is not a Virtual Service id"))),
                List.of());
        Plan plan = plan(d, current("3=a,b"), owned("3=a,b"));
        assertEquals("", render(plan.changes()));
    }

    @Test
    void movesMembersWhenTheVsidChanges() {
        Plan plan = plan(desired("4=a", true), current("3=a;4="), owned("3=a"));
        assertEquals("-3a +4a", render(plan.changes()));
        assertEquals(Set.of(VirtualServiceId.of(4)), plan.bound());
    }

    @Test
    void leavesAVsClaimedByTwoServicesAsItIsAndNamesBoth() {
        ServiceRef api = new ServiceRef("shop", "api");
        DesiredState d = new DesiredState(List.of(
                new DesiredService(WEB, VirtualServiceId.of(3), List.of(port(80, "a"))),
                new DesiredService(api, VirtualServiceId.of(3), List.of(port(80, "b")))));
        Plan plan = plan(d, current("3=c"), owned("3=c"));
        assertEquals("", render(plan.changes()));
        assertEquals(2, plan.problems().size());
        assertEquals(
                "shop/web: Services shop/api, shop/web all claim VS 3 (vsid=\"3\"); one Virtual Service serves"
                        + " one Service, so none of them is applied and VS 3 is left as it is; give each Service its own"
                        + " Virtual Service",
                plan.problems().get(0).message());
        assertEquals(Set.of(), plan.bound());
    }

    @Test
    void reportsAMissingVirtualServiceAndWithOneConfirmationReleasesItsLedgerEntriesAtOnce() {
        CurrentState cur = new CurrentState(LM, Map.of(), Set.of(VirtualServiceId.of(3)), Map.of(), null);
        Plan plan = plan(desired("3=a", true), cur, owned("3=a"));
        assertEquals("", render(plan.changes()));
        assertEquals(
                "shop/web: vsid=\"3\" but the LoadMaster has no VS 3 (Unknown VS); the agent never creates"
                        + " Virtual Services: ask NetOps to create it, or set vsid to the Id of an existing one",
                plan.problems().get(0).message());
        assertEquals(Map.of(VirtualServiceId.of(3), Set.of(member('a'))), released(plan));
    }

    @Test
    void leavesAnUnreadableVirtualServiceUnchanged() {
        CurrentState cur = new CurrentState(
                LM, Map.of(), Set.of(), Map.of(VirtualServiceId.of(3), "showvs vs=3: LoadMaster answered 500"), null);
        Plan plan = plan(desired("3=a", true), cur, owned("3=b"));
        assertEquals("", render(plan.changes()));
        assertEquals(Map.of(), released(plan));
        assertEquals(
                "shop/web: VS 3 could not be read, so it is left unchanged this pass: showvs vs=3:"
                        + " LoadMaster answered 500",
                plan.problems().get(0).message());
    }

    @Test
    void reportsAnUnreadableVirtualServiceThatOnlyTheLedgerNames() {
        CurrentState cur = new CurrentState(
                LM,
                Map.of(),
                Set.of(),
                Map.of(VirtualServiceId.of(3), "showvs vs=3: no answer from LoadMaster https://10.0.0.2"),
                null);
        Plan plan = plan(desired("", false), cur, owned("3=a"));
        assertEquals("", render(plan.changes()));
        assertEquals(
                List.of(new Problem(
                        "VS 3",
                        "VS 3, which holds Real Servers the agent added for shop/web, could"
                                + " not be read and is left unchanged this pass: showvs vs=3: no answer from LoadMaster https://10.0.0.2",
                        null,
                        "showvs vs=3: no answer from LoadMaster https://10.0.0.2")),
                plan.problems());
    }

    @Test
    void refusesAParentVirtualServiceAndNamesItsSubVirtualServices() {
        VirtualService parent = new VirtualService(
                VirtualServiceId.of(3),
                "10.0.0.100",
                80,
                "tcp",
                "web",
                List.of(VirtualServiceId.of(5), VirtualServiceId.of(6)),
                List.of());
        Plan plan = plan(desired("3=a", true), current(parent), Ledger.EMPTY);
        assertEquals("", render(plan.changes()));
        assertEquals(
                "shop/web: vsid=\"3\" names VS 3 (10.0.0.100:80/tcp \"web\"), which has SubVSs; Real Servers"
                        + " go on a SubVS: set vsid to one of 5, 6",
                plan.problems().get(0).message());
    }

    @Test
    void refusesAParentVirtualServiceWhoseSubVirtualServicesWereNotListed() {
        VirtualService parent =
                new VirtualService(VirtualServiceId.of(3), "10.0.0.100", 80, "tcp", "", List.of(), true, List.of());
        Plan plan = plan(desired("3=a", true), current(parent), Ledger.EMPTY);
        assertEquals("", render(plan.changes()));
        assertEquals(
                "shop/web: vsid=\"3\" names VS 3 (10.0.0.100:80/tcp), which has SubVSs; Real Servers go on a SubVS:"
                        + " set vsid to the Id of one of its SubVSs",
                plan.problems().get(0).message());
    }

    @Test
    void recordsAllAddsOfAVirtualServiceAheadInOneStepBeforeTheFirstAddIsSent() {
        Plan plan = plan(desired("3=a,b,c;4=d", true), current("3=;4="), Ledger.EMPTY);
        List<Step> steps = plan.steps();
        LedgerStep.AddsAhead ahead = new LedgerStep.AddsAhead(
                VirtualServiceId.of(3),
                WEB,
                List.of(new Member("10.0.0.1", 8080), new Member("10.0.0.2", 8080), new Member("10.0.0.3", 8080)));
        assertEquals(List.of(ahead), plan.steps(LedgerStep.AddsAhead.class), "a single add records itself");
        assertTrue(steps.indexOf(ahead) < steps.indexOf(plan.changes().get(0)));
        Ledger recordedAhead = ahead.recorded(Ledger.EMPTY);
        for (Change add : plan.changes()) {
            if (add.vs().equals(VirtualServiceId.of(3))) {
                assertEquals(recordedAhead, add.recorded(recordedAhead), "the add itself then records nothing new");
            }
        }
    }

    @Test
    void picksTheServicePortThatEqualsTheVirtualServicePort() {
        DesiredState d = new DesiredState(List.of(new DesiredService(
                WEB,
                VirtualServiceId.of(3),
                List.of(
                        new ServicePort("metrics", 9090, "TCP", Set.of(new Member("10.0.0.1", 9090))),
                        new ServicePort("http", 80, "TCP", Set.of(new Member("10.0.0.1", 8080)))))));
        Plan plan = plan(d, current("3="), Ledger.EMPTY);
        assertEquals(
                List.of(new Change.AddRealServer(VirtualServiceId.of(3), new Member("10.0.0.1", 8080), WEB)),
                plan.changes());
    }

    @Test
    void usesTheProtocolWhenTwoServicePortsShareTheVirtualServicePort() {
        DesiredState d = new DesiredState(List.of(new DesiredService(
                WEB,
                VirtualServiceId.of(3),
                List.of(
                        new ServicePort("dns-tcp", 80, "TCP", Set.of(new Member("10.0.0.1", 5353))),
                        new ServicePort("dns-udp", 80, "UDP", Set.of(new Member("10.0.0.1", 5354)))))));
        VirtualService udp =
                new VirtualService(VirtualServiceId.of(3), "10.0.0.100", 80, "udp", "", List.of(), List.of());
        Plan plan = plan(d, current(udp), Ledger.EMPTY);
        assertEquals(
                List.of(new Change.AddRealServer(VirtualServiceId.of(3), new Member("10.0.0.1", 5354), WEB)),
                plan.changes());
    }

    @Test
    void reportsAMultiPortServiceWhosePortsDoNotMatchTheVirtualService() {
        DesiredState d = new DesiredState(List.of(new DesiredService(
                WEB,
                VirtualServiceId.of(3),
                List.of(
                        new ServicePort("http", 8080, "TCP", Set.of(new Member("10.0.0.1", 8080))),
                        new ServicePort("", 9090, "TCP", Set.of(new Member("10.0.0.1", 9090)))))));
        Plan plan = plan(d, current("3=a"), owned("3=a"));
        assertEquals("", render(plan.changes()));
        assertEquals(
                "shop/web: the Service has several ports (http (8080/TCP), 9090/TCP) and none of them equals the"
                        + " port of VS 3 (10.0.0.100:80/tcp); set the Service port that should be load balanced to 80,"
                        + " name it in kube-lm-agent/vsids instead of vsid (e.g. \"http=3\"), or bind a single-port"
                        + " Service",
                plan.problems().get(0).message());
        assertEquals(
                Problem.of(WEB, VirtualServiceId.of(3), plan.problems().get(0).message()),
                plan.problems().get(0));
    }

    @Test
    void ordersChangesByVirtualServiceThenAddsBeforeRemovesThenMember() {
        Plan plan = plan(desired("4=c,a;3=b", true), current("3=z;4=y"), owned("3=z;4=y"));
        assertEquals("+3b -3z +4a +4c -4y", render(plan.changes()));
    }

    @Test
    void releasesLedgerEntriesOfRealServersRemovedByHandThatAreNoLongerWanted() {
        Plan plan = plan(desired("3=a", true), current("3=a"), owned("3=a,b"));
        assertEquals("", render(plan.changes()));
        assertEquals(Map.of(VirtualServiceId.of(3), Set.of(member('b'))), released(plan));
    }

    @Test
    void givesTheSamePlanForTheSameInputs() {
        Plan one = plan(desired("3=a,b;4=c", true), current("3=x;4=d"), owned("4=d"));
        Plan two = plan(desired("3=a,b;4=c", true), current("3=x;4=d"), owned("4=d"));
        assertEquals(one, two);
        assertTrue(!one.changes().isEmpty());
    }

    // ---- table notation --------------------------------------------------------------------------

    static Member member(char letter) {
        return new Member("10.0.0." + (letter - 'a' + 1), 8080);
    }

    static ServicePort port(int port, String letters) {
        return new ServicePort("", port, "TCP", members(letters));
    }

    static Set<Member> members(String letters) {
        Set<Member> set = new HashSet<>();
        for (String l : letters.split(",")) {
            if (!l.isBlank()) {
                set.add(member(l.strip().charAt(0)));
            }
        }
        return set;
    }

    static Map<VirtualServiceId, Set<Member>> byVs(String spec) {
        Map<VirtualServiceId, Set<Member>> map = new TreeMap<>();
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.split("=", 2);
            map.put(VirtualServiceId.of(Integer.parseInt(kv[0].strip())), members(kv.length > 1 ? kv[1] : ""));
        }
        return map;
    }

    static DesiredState desired(String spec, boolean complete) {
        List<DesiredService> services = new ArrayList<>();
        byVs(spec)
                .forEach((vs, m) -> services.add(new DesiredService(
                        vs.index() == 3 ? WEB : new ServiceRef("shop", "svc" + vs),
                        vs,
                        List.of(new ServicePort("", 80, "TCP", m)))));
        return new DesiredState(complete, services, List.of(), List.of());
    }

    /** The LoadMaster the tests' ledgers describe and their current states are read from. */
    static final String LM = "https://10.0.0.2";

    static CurrentState current(String spec) {
        Map<VirtualServiceId, VirtualService> vss = new HashMap<>();
        int[] rsIndex = {1};
        byVs(spec)
                .forEach((vs, m) -> vss.put(
                        vs,
                        new VirtualService(
                                vs,
                                "10.0.0.100",
                                80,
                                "tcp",
                                "",
                                List.of(),
                                m.stream()
                                        .sorted()
                                        .map(x -> new RealServer(rsIndex[0]++, x, true, 1000))
                                        .toList())));
        return current(vss.values().toArray(VirtualService[]::new));
    }

    static CurrentState current(VirtualService... vss) {
        Map<VirtualServiceId, VirtualService> map = new HashMap<>();
        for (VirtualService vs : vss) {
            map.put(vs.id(), vs);
        }
        return new CurrentState(LM, map, Set.of(), Map.of(), null);
    }

    /** A ledger of the LoadMaster {@link #LM}, the VSs identified as {@link #current(String)} makes them. */
    static Ledger owned(String spec) {
        Map<VirtualServiceId, Ownership> map = new HashMap<>();
        byVs(spec)
                .forEach((vs, m) -> map.put(
                        vs,
                        new Ownership(
                                vs.index() == 3 ? WEB : new ServiceRef("shop", "svc" + vs),
                                m,
                                Map.of(),
                                "10.0.0.100:80/tcp",
                                null)));
        return Ledger.of(LM, map);
    }

    /** What the LoadMaster holds once the plan's changes succeeded. */
    static CurrentState apply(CurrentState current, Plan plan) {
        Map<VirtualServiceId, VirtualService> after = new HashMap<>();
        current.virtualServices().forEach((id, vs) -> {
            List<RealServer> rs = new ArrayList<>(vs.realServers());
            for (Change c : plan.changes()) {
                if (!c.vs().equals(id)) {
                    continue;
                }
                if (c instanceof Change.AddRealServer) {
                    rs.add(new RealServer(900 + rs.size(), c.member(), true, 1000));
                } else if (c instanceof Change.RemoveRealServer) {
                    rs.removeIf(r -> r.member().equals(c.member()));
                } else {
                    boolean enabled = c instanceof Change.EnableRealServer;
                    rs.replaceAll(r -> r.member().equals(c.member())
                            ? new RealServer(r.rsIndex(), r.member(), enabled, r.weight())
                            : r);
                }
            }
            after.put(id, vs.withRealServers(rs));
        });
        return new CurrentState(
                current.loadMaster(), after, current.missing(), current.unreadable(), current.nonLocalRealServers());
    }

    /** What the ledger holds once the plan was applied: every step's record, in order. */
    static Ledger applyToLedger(Ledger ledger, Plan plan) {
        for (Step step : plan.steps()) {
            ledger = step.recorded(ledger);
        }
        return ledger;
    }

    /** The members each Release step lets go of, by VS. */
    static Map<VirtualServiceId, Set<Member>> released(Plan plan) {
        Map<VirtualServiceId, Set<Member>> map = new TreeMap<>();
        plan.steps(LedgerStep.Release.class)
                .forEach(r -> map.computeIfAbsent(r.vs(), k -> new HashSet<>()).addAll(r.members()));
        return map;
    }

    /** {@code +3a} add, {@code -3a} remove, {@code ~3a} disable, {@code ^3a} re-enable. */
    static String render(List<Change> changes) {
        return changes.stream()
                .map(c -> (c instanceof Change.AddRealServer
                                ? "+"
                                : c instanceof Change.RemoveRealServer
                                        ? "-"
                                        : c instanceof Change.DisableRealServer ? "~" : "^")
                        + c.vs()
                        + (char) ('a' + Integer.parseInt(c.member().ip().substring("10.0.0.".length())) - 1))
                .collect(Collectors.joining(" "));
    }
}
