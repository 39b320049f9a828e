package kubelmagent.plan;

import static kubelmagent.plan.PlannerTest.AT_ONCE;
import static kubelmagent.plan.PlannerTest.LM;
import static kubelmagent.plan.PlannerTest.NOW;
import static kubelmagent.plan.PlannerTest.WEB;
import static kubelmagent.plan.PlannerTest.apply;
import static kubelmagent.plan.PlannerTest.applyToLedger;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kubelmagent.model.Backends;
import kubelmagent.model.Cidr;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Networks;
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
 * The plan beyond Kemp's Service Mode: one Service on several Virtual Services (one per port), IPv4 and IPv6
 * Virtual Services fed from one dual-stack Service, and Services in NodePort mode, whose addresses are checked
 * against the node networks. Notation: members are written {@code ip:port}; a change {@code +3 10.0.0.1:8080} adds,
 * {@code -3 ...} removes.
 */
class PlannerModesTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final VirtualServiceId VS6 = VirtualServiceId.of(6);
    static final VirtualServiceId VS7 = VirtualServiceId.of(7);

    // ---- one Service, several Virtual Services ----------------------------------------------------------------

    @Test
    void aServiceFeedsOneVirtualServicePerPortAndOwnsEach() {
        DesiredState d = new DesiredState(List.of(
                new DesiredService(WEB, VS3, List.of(port("http", 80, "10.0.0.1:8080", "10.0.0.2:8080"))),
                new DesiredService(WEB, VS7, List.of(port("https", 443, "10.0.0.1:8443")))));
        CurrentState lm = current(vs(VS3, "10.0.0.100", 80), vs(VS7, "10.0.0.100", 443));

        Plan plan = plan(d, lm, Ledger.of(LM, Map.of()), Networks.ANY);

        assertEquals("+3 10.0.0.1:8080 +3 10.0.0.2:8080 +7 10.0.0.1:8443", render(plan));
        assertEquals(List.of(), plan.problems());
        assertEquals(Set.of(VS3, VS7), plan.bound());
        Ledger after = applyToLedger(Ledger.of(LM, Map.of()), plan);
        assertEquals(WEB, after.get(VS3).service());
        assertEquals(WEB, after.get(VS7).service());
        assertEquals("", render(plan(d, apply(lm, plan), after, Networks.ANY)), "idempotent");
    }

    @Test
    void aBindingSkippedForItsOwnProblemKeepsItsVirtualServiceWhileTheOthersApply() {
        DesiredState d = new DesiredState(
                true,
                List.of(new DesiredService(WEB, VS3, List.of(port("http", 80, "10.0.0.2:8080")))),
                List.of(SkippedService.invalid(
                        WEB, VS7, Problem.of(WEB, "shop/web: kube-lm-agent/vsids binds VS 7 to port \"htps\""))),
                List.of());
        CurrentState lm =
                current(vs(VS3, "10.0.0.100", 80, "10.0.0.1:8080"), vs(VS7, "10.0.0.100", 443, "10.0.0.1:8443"));
        Ledger ledger = ledger(Map.of(VS3, Set.of("10.0.0.1:8080"), VS7, Set.of("10.0.0.1:8443")));

        Plan plan = plan(d, lm, ledger, Networks.ANY);

        assertEquals("+3 10.0.0.2:8080 -3 10.0.0.1:8080", render(plan));
    }

    @Test
    void aVirtualServiceDroppedFromTheAnnotationLosesTheServicesRealServers() {
        DesiredState d =
                new DesiredState(List.of(new DesiredService(WEB, VS3, List.of(port("http", 80, "10.0.0.1:8080")))));
        CurrentState lm =
                current(vs(VS3, "10.0.0.100", 80, "10.0.0.1:8080"), vs(VS7, "10.0.0.100", 443, "10.0.0.1:8443"));
        Ledger ledger = ledger(Map.of(VS3, Set.of("10.0.0.1:8080"), VS7, Set.of("10.0.0.1:8443")));

        assertEquals("-7 10.0.0.1:8443", render(plan(d, lm, ledger, Networks.ANY)));
    }

    @Test
    void aConflictOnOneOfItsVirtualServicesLeavesTheOtherApplied() {
        ServiceRef api = new ServiceRef("shop", "api");
        DesiredState d = new DesiredState(List.of(
                new DesiredService(WEB, VS3, List.of(port("http", 80, "10.0.0.1:8080"))),
                new DesiredService(WEB, VS7, List.of(port("https", 443, "10.0.0.1:8443"))),
                new DesiredService(api, VS7, List.of(port("", 443, "10.0.0.9:8443")))));
        CurrentState lm = current(vs(VS3, "10.0.0.100", 80), vs(VS7, "10.0.0.100", 443));

        Plan plan = plan(d, lm, Ledger.of(LM, Map.of()), Networks.ANY);

        assertEquals("+3 10.0.0.1:8080", render(plan));
        assertEquals(
                List.of("shop/api", "shop/web"),
                plan.problems().stream().map(Problem::subject).sorted().toList());
        assertTrue(
                plan.problems().get(0).message().contains("all claim VS 7"),
                plan.problems().get(0).message());
    }

    // ---- IPv4 and IPv6 ---------------------------------------------------------------------------------------

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("an IPv4 VS takes the IPv4 endpoints", "10.0.0.100", "+3 10.0.0.1:8080"),
                Arguments.of("an IPv6 VS takes the IPv6 endpoints", "fd00::100", "+3 [fd00::1]:8080"),
                Arguments.of(
                        "an IPv6 VS written long takes the IPv6 endpoints",
                        "FD00:0:0:0:0:0:0:100",
                        "+3 [fd00::1]:8080"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void aVirtualServiceReceivesOnlyAddressesOfItsFamily(String name, String vsAddress, String expected) {
        DesiredState d = new DesiredState(
                List.of(new DesiredService(WEB, VS3, List.of(port("", 80, "10.0.0.1:8080", "[fd00:0:0::1]:8080")))));

        assertEquals(expected, render(plan(d, current(vs(VS3, vsAddress, 80)), Ledger.of(LM, Map.of()), Networks.ANY)));
    }

    @Test
    void oneDualStackPortFeedsAnIpv4AndAnIpv6VirtualService() {
        DesiredState d = new DesiredState(List.of(
                new DesiredService(WEB, VS3, List.of(port("http", 80, "10.0.0.1:8080", "[fd00::1]:8080"))),
                new DesiredService(WEB, VS6, List.of(port("http", 80, "10.0.0.1:8080", "[fd00::1]:8080")))));
        CurrentState lm = current(vs(VS3, "10.0.0.100", 80), vs(VS6, "fd00::100", 80));

        Plan plan = plan(d, lm, Ledger.of(LM, Map.of()), Networks.ANY);

        assertEquals("+3 10.0.0.1:8080 +6 [fd00::1]:8080", render(plan));
        Ledger after = applyToLedger(Ledger.of(LM, Map.of()), plan);
        assertEquals("", render(plan(d, apply(lm, plan), after, Networks.ANY)), "idempotent");
    }

    @Test
    void theOtherFamilysEndpointsNeverCountAsGoneFromAVirtualService() {
        // The IPv6 endpoint leaves: the IPv4 VS has nothing to do, the IPv6 VS loses its Real Server.
        DesiredState d = new DesiredState(List.of(
                new DesiredService(WEB, VS3, List.of(port("", 80, "10.0.0.1:8080"))),
                new DesiredService(WEB, VS6, List.of(port("", 80, "10.0.0.1:8080")))));
        CurrentState lm =
                current(vs(VS3, "10.0.0.100", 80, "10.0.0.1:8080"), vs(VS6, "fd00::100", 80, "[fd00::1]:8080"));
        Ledger ledger = ledger(Map.of(VS3, Set.of("10.0.0.1:8080"), VS6, Set.of("[fd00::1]:8080")));

        assertEquals("-6 [fd00::1]:8080", render(plan(d, lm, ledger, Networks.ANY)));
    }

    @Test
    void anAddressSpeltTwoWaysIsOneRealServer() {
        DesiredState d =
                new DesiredState(List.of(new DesiredService(WEB, VS6, List.of(port("", 80, "[fd00:0:0::1]:8080")))));
        CurrentState lm = current(vs(VS6, "fd00::100", 80, "[FD00::1]:8080"));
        Ledger ledger = ledger(Map.of(VS6, Set.of("[fd00:0000::0001]:8080")));

        Plan plan = plan(d, lm, ledger, Networks.ANY);

        assertEquals("", render(plan));
        assertEquals(List.of(), plan.steps(LedgerStep.Release.class), "the ledger's spelling is the same member");
        assertEquals(List.of(), plan.steps(LedgerStep.AddsAhead.class));
    }

    @Test
    void aSubVsTakesTheFamilyOfItsParent() {
        VirtualService parent = new VirtualService(
                VirtualServiceId.of(5), "fd00::100", 80, "tcp", "", List.of(VS6), true, List.of(), null, false);
        VirtualService sub = new VirtualService(VS6, "", 0, "tcp", "", List.of(), false, List.of(), parent.id(), false);
        DesiredState d = new DesiredState(
                List.of(new DesiredService(WEB, VS6, List.of(port("", 80, "10.0.0.1:8080", "[fd00::1]:8080")))));

        assertEquals("+6 [fd00::1]:8080", render(plan(d, current(parent, sub), Ledger.of(LM, Map.of()), Networks.ANY)));
        assertEquals(
                "+6 10.0.0.1:8080 +6 [fd00::1]:8080",
                render(plan(d, current(sub), Ledger.of(LM, Map.of()), Networks.ANY)),
                "a SubVS whose parent was not read is offered both families");
    }

    // ---- NodePort mode ---------------------------------------------------------------------------------------

    static final Networks NETWORKS =
            new Networks(List.of(Cidr.parse("10.244.0.0/16")), List.of(Cidr.parse("192.168.50.0/24")));

    @Test
    void nodeAddressesAreCheckedAgainstTheNodeNetworks() {
        DesiredState d = new DesiredState(List.of(new DesiredService(
                WEB,
                VS3,
                List.of(port("", 80, "192.168.50.11:30080", "192.168.50.12:30080", "10.0.9.9:30080")),
                Backends.NODE_PORTS)));

        Plan plan = plan(d, current(vs(VS3, "10.0.0.100", 80)), Ledger.of(LM, Map.of()), NETWORKS);

        assertEquals("+3 192.168.50.11:30080 +3 192.168.50.12:30080", render(plan));
        assertEquals(
                List.of("shop/web: node address(es) 10.0.9.9 are outside kubernetes.nodeCidrs (192.168.50.0/24), so"
                        + " they are not made Real Servers (and the agent's Real Servers there are left as they are); if"
                        + " they are the cluster's nodes, add their network to kubernetes.nodeCidrs, otherwise find out"
                        + " who registered those Nodes"),
                plan.problems().stream().map(Problem::message).toList());
    }

    @Test
    void podAddressesAreStillCheckedAgainstThePodNetworks() {
        DesiredState d = new DesiredState(
                List.of(new DesiredService(WEB, VS3, List.of(port("", 80, "10.244.1.5:8080", "192.168.50.11:8080")))));

        Plan plan = plan(d, current(vs(VS3, "10.0.0.100", 80)), Ledger.of(LM, Map.of()), NETWORKS);

        assertEquals("+3 10.244.1.5:8080", render(plan));
        assertTrue(plan.problems().get(0).message().contains("outside kubernetes.podCidrs (10.244.0.0/16)"));
    }

    @Test
    void theBindingPolicyHoldsForServicesInNodePortModeAndForEachBindingOfAService() {
        BindingPolicy policy = new BindingPolicy(List.of(new BindingPolicy.Binding("shop", Set.of(VS3))));
        DesiredState d = new DesiredState(List.of(
                new DesiredService(WEB, VS3, List.of(port("http", 80, "192.168.50.11:30080")), Backends.NODE_PORTS),
                new DesiredService(WEB, VS7, List.of(port("https", 443, "192.168.50.11:30443")), Backends.NODE_PORTS)));
        CurrentState lm = current(vs(VS3, "10.0.0.100", 80), vs(VS7, "10.0.0.100", 443));

        Plan plan =
                Planner.plan(d, lm, Ledger.of(LM, Map.of()), new Rules(policy, AT_ONCE, NOW, NETWORKS, false, false));

        assertEquals("+3 192.168.50.11:30080", render(plan));
        assertEquals(1, plan.problems().size());
        assertEquals(VS7, plan.problems().get(0).vs());
        assertTrue(plan.problems().get(0).message().contains("is not allowed for namespace shop by policy.bindings"));
    }

    @Test
    void theLogSaysWhatANodeDidNotWhatAPodDid() {
        Member drained = member("192.168.50.11:30080");
        Member gone = member("192.168.50.12:30080");
        Member back = member("192.168.50.13:30080");
        ServicePort port = new ServicePort("", 80, "TCP", Set.of(back), Set.of(drained));
        DesiredState d = new DesiredState(List.of(new DesiredService(WEB, VS3, List.of(port), Backends.NODE_PORTS)));
        VirtualService vs = new VirtualService(
                VS3,
                "10.0.0.100",
                80,
                "tcp",
                "",
                List.of(),
                List.of(
                        new RealServer(1, drained, true, 1000),
                        new RealServer(2, gone, true, 1000),
                        new RealServer(3, back, false, 1000)));
        Ledger ledger = Ledger.of(
                LM,
                Map.of(
                        VS3,
                        new Ownership(
                                WEB,
                                Set.of(drained, gone, back),
                                Map.of(back, kubelmagent.model.Retiring.draining(NOW.minusSeconds(5))),
                                null,
                                null)));

        Plan plan = plan(d, current(vs), ledger, Networks.ANY);

        assertEquals(
                List.of(
                        "re-enable RS 192.168.50.13:30080 in VS 3 (shop/web): its node serves again",
                        "disable RS 192.168.50.11:30080 in VS 3 (shop/web): its node is draining (cordoned, or the"
                                + " Service's pods there are terminating); draining for at most 50 s",
                        "remove RS 192.168.50.12:30080 from VS 3 (shop/web): its node no longer serves (not Ready,"
                                + " labelled to be excluded from load balancers, gone, or with externalTrafficPolicy:"
                                + " Local, without a ready pod of the Service)"),
                plan.changes().stream().map(Change::describe).toList());
    }

    @Test
    void switchingAServiceToNodePortModeAddsTheNodesBeforeThePodsGo() {
        DesiredState d = new DesiredState(List.of(new DesiredService(
                WEB, VS3, List.of(port("", 80, "192.168.50.11:30080", "192.168.50.12:30080")), Backends.NODE_PORTS)));
        CurrentState lm = current(vs(VS3, "10.0.0.100", 80, "10.244.1.5:8080", "10.244.2.5:8080"));
        Ledger ledger = ledger(Map.of(VS3, Set.of("10.244.1.5:8080", "10.244.2.5:8080")));

        assertEquals(
                "+3 192.168.50.11:30080 +3 192.168.50.12:30080 -3 10.244.1.5:8080 -3 10.244.2.5:8080",
                render(plan(d, lm, ledger, NETWORKS)));
    }

    @Test
    void adoptTakesOverNodeRealServersOnlyInsideTheNodeNetworks() {
        DesiredState d = new DesiredState(List.of(
                new DesiredService(WEB, VS3, List.of(port("", 80, "192.168.50.11:30080")), Backends.NODE_PORTS)));
        CurrentState lm = current(vs(VS3, "10.0.0.100", 80, "192.168.50.11:30080"));
        Ledger empty = Ledger.of(LM, Map.of());

        Plan adopting =
                Planner.plan(d, lm, empty, new Rules(BindingPolicy.allowAll(), AT_ONCE, NOW, NETWORKS, false, true));
        Plan withoutNodeNetworks = Planner.plan(
                d,
                lm,
                empty,
                new Rules(
                        BindingPolicy.allowAll(),
                        AT_ONCE,
                        NOW,
                        Networks.pods(List.of(Cidr.parse("10.244.0.0/16"))),
                        false,
                        true));

        assertEquals(
                List.of(new LedgerStep.Adopt(VS3, new Member("192.168.50.11", 30080), WEB)),
                adopting.steps(LedgerStep.Adopt.class));
        assertEquals(List.of(), withoutNodeNetworks.steps(LedgerStep.Adopt.class));
    }

    // ---- notation ---------------------------------------------------------------------------------------------

    static Plan plan(DesiredState desired, CurrentState current, Ledger ledger, Networks networks) {
        return Planner.plan(
                desired, current, ledger, new Rules(BindingPolicy.allowAll(), AT_ONCE, NOW, networks, false, false));
    }

    /** {@code 10.0.0.1:8080} or {@code [fd00::1]:8080}. */
    static Member member(String text) {
        int colon = text.lastIndexOf(':');
        String ip = text.substring(0, colon);
        if (ip.startsWith("[")) {
            ip = ip.substring(1, ip.length() - 1);
        }
        return new Member(ip, Integer.parseInt(text.substring(colon + 1)));
    }

    static ServicePort port(String name, int port, String... members) {
        return new ServicePort(
                name,
                port,
                "TCP",
                Stream.of(members).map(PlannerModesTest::member).collect(Collectors.toCollection(TreeSet::new)));
    }

    static VirtualService vs(VirtualServiceId id, String address, int port, String... realServers) {
        List<RealServer> rs = new ArrayList<>();
        for (String m : realServers) {
            rs.add(new RealServer(rs.size() + 1, member(m), true, 1000));
        }
        return new VirtualService(id, address, port, "tcp", "", List.of(), rs);
    }

    static CurrentState current(VirtualService... vss) {
        Map<VirtualServiceId, VirtualService> map = new HashMap<>();
        for (VirtualService vs : vss) {
            map.put(vs.id(), vs);
        }
        return new CurrentState(LM, map, Set.of(), Map.of(), null);
    }

    /** A ledger holding these members for shop/web, each VS identified as {@link #vs} makes it. */
    static Ledger ledger(Map<VirtualServiceId, Set<String>> owned) {
        Map<VirtualServiceId, Ownership> map = new HashMap<>();
        owned.forEach((id, members) -> map.put(
                id,
                new Ownership(
                        WEB,
                        members.stream().map(PlannerModesTest::member).collect(Collectors.toSet()),
                        Map.of(),
                        null,
                        null)));
        return Ledger.of(LM, map);
    }

    static String render(Plan plan) {
        return plan.changes().stream()
                .map(c -> (c instanceof Change.AddRealServer ? "+" : c instanceof Change.RemoveRealServer ? "-" : "~")
                        + c.vs() + " " + c.member())
                .collect(Collectors.joining(" "));
    }
}
