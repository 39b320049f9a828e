package kubelmagent.plan;

import static kubelmagent.plan.PlannerTest.NOW;
import static kubelmagent.plan.PlannerTest.WEB;
import static kubelmagent.plan.PlannerTest.apply;
import static kubelmagent.plan.PlannerTest.applyToLedger;
import static kubelmagent.plan.PlannerTest.current;
import static kubelmagent.plan.PlannerTest.member;
import static kubelmagent.plan.PlannerTest.members;
import static kubelmagent.plan.PlannerTest.owned;
import static kubelmagent.plan.PlannerTest.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Cidr;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Ledger;
import kubelmagent.model.Networks;
import kubelmagent.model.Problem;
import kubelmagent.model.RealServer;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules that keep production traffic safe, pass by pass: draining, two-step removal, the
 * capacity guard, the binding policy and adoption. A {@link World} applies each plan to the
 * LoadMaster and the ledger, as a successful pass does, and moves the clock. Notation as in
 * {@link PlannerTest}, plus {@code ~3a} (disable a in VS 3) and {@code ^3a} (re-enable it).
 */
class SafetyRulesTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final RemovalPolicy DEFAULTS = RemovalPolicy.defaults(Duration.ofSeconds(10)); // drain timeout 50 s

    /** The LoadMaster and the ledger as passes leave them. */
    static final class World {
        CurrentState lm;
        Ledger ledger;
        Instant now = NOW;
        BindingPolicy policy = BindingPolicy.allowAll();
        RemovalPolicy removals = DEFAULTS;
        List<Cidr> podCidrs = List.of();
        List<Cidr> nodeCidrs = List.of();
        boolean nonLocal;
        boolean adopt;
        Plan last;

        World(String lm, String owned) {
            this.lm = current(lm);
            this.ledger = owned(owned);
        }

        /** One pass: plan, apply, and return the changes rendered (sorted by letter). */
        String pass(DesiredState desired) {
            last = Planner.plan(
                    desired,
                    lm,
                    ledger,
                    new Rules(policy, removals, now, new Networks(podCidrs, nodeCidrs), nonLocal, adopt));
            lm = apply(lm, last);
            ledger = applyToLedger(ledger, last);
            return String.join(
                    " ",
                    render(last.changes()).split(" ")[0].isEmpty()
                            ? List.of()
                            : java.util.Arrays.stream(render(last.changes()).split(" "))
                                    .sorted(java.util.Comparator.comparing((String c) -> c.charAt(0) == '+'
                                                    ? 0
                                                    : c.charAt(0) == '^' ? 1 : c.charAt(0) == '~' ? 2 : 3)
                                            .thenComparing(c -> c))
                                    .toList());
        }

        String pass(String ready, String draining) {
            return pass(desired(ready, draining, true));
        }

        void later(Duration d) {
            now = now.plus(d);
        }

        Retiring retiring(char letter) {
            return ledger.get(VS3).retiring().get(member(letter));
        }

        /** The LoadMaster answers Unknown VS for {@code vs}. */
        void vsMissing(int vs) {
            Map<VirtualServiceId, VirtualService> vss = new HashMap<>(lm.virtualServices());
            vss.remove(VirtualServiceId.of(vs));
            Set<VirtualServiceId> missing = new HashSet<>(lm.missing());
            missing.add(VirtualServiceId.of(vs));
            lm = new CurrentState(lm.loadMaster(), vss, missing, lm.unreadable(), lm.nonLocalRealServers());
        }

        /** The VS is back (restored with the Real Servers it had). */
        void vsBack(VirtualService vs) {
            Map<VirtualServiceId, VirtualService> vss = new HashMap<>(lm.virtualServices());
            vss.put(vs.id(), vs);
            Set<VirtualServiceId> missing = new HashSet<>(lm.missing());
            missing.remove(vs.id());
            lm = new CurrentState(lm.loadMaster(), vss, missing, lm.unreadable(), lm.nonLocalRealServers());
        }

        /** A person disables or enables a Real Server in the WUI. */
        void byHand(char letter, boolean enabled) {
            VirtualService vs = lm.virtualServices().get(VS3);
            lm = new CurrentState(
                    lm.loadMaster(),
                    replace(
                            lm.virtualServices(),
                            vs.withRealServers(vs.realServers().stream()
                                    .map(rs -> rs.member().equals(member(letter))
                                            ? new RealServer(rs.rsIndex(), rs.member(), enabled, rs.weight())
                                            : rs)
                                    .toList())),
                    lm.missing(),
                    lm.unreadable(),
                    lm.nonLocalRealServers());
        }

        /** The same VS Index now has another address (another appliance, or NetOps changed it). */
        void readdressed(int vs, String address) {
            VirtualService v = lm.virtualServices().get(VirtualServiceId.of(vs));
            lm = new CurrentState(
                    lm.loadMaster(),
                    replace(
                            lm.virtualServices(),
                            new VirtualService(
                                    v.id(),
                                    address,
                                    v.port(),
                                    v.protocol(),
                                    v.nickName(),
                                    v.subVsIds(),
                                    v.realServers())),
                    lm.missing(),
                    lm.unreadable(),
                    lm.nonLocalRealServers());
        }

        boolean enabled(char letter) {
            return lm.virtualServices().get(VS3).realServers().stream()
                    .filter(rs -> rs.member().equals(member(letter)))
                    .findFirst()
                    .orElseThrow()
                    .enabled();
        }
    }

    static Map<VirtualServiceId, VirtualService> replace(Map<VirtualServiceId, VirtualService> vss, VirtualService vs) {
        Map<VirtualServiceId, VirtualService> next = new HashMap<>(vss);
        next.put(vs.id(), vs);
        return next;
    }

    /** A Service in namespace shop on {@code vs} with these ready members, on port 80. */
    static DesiredService on(String name, int vs, String ready) {
        return new DesiredService(
                new ServiceRef("shop", name),
                VirtualServiceId.of(vs),
                List.of(new ServicePort("", 80, "TCP", members(ready))));
    }

    /** Service shop/web on VS 3 with these ready and terminating-but-serving members. */
    static DesiredState desired(String ready, String draining, boolean complete) {
        return new DesiredState(
                complete,
                List.of(new DesiredService(
                        WEB, VS3, List.of(new ServicePort("", 80, "TCP", members(ready), members(draining))))),
                List.of(),
                List.of());
    }

    // --- draining ---------------------------------------------------------------------------------------

    @Test
    void aTerminatingEndpointIsDisabledNotDeletedAndNeverReEnabledWhileItTerminates() {
        World w = new World("3=a,b,c", "3=a,b,c");
        assertEquals("~3c", w.pass("a,b", "c"));
        assertEquals(Retiring.draining(NOW), w.retiring('c'));
        assertEquals(false, w.enabled('c'));
        assertTrue(
                w.last.changes().get(0).describe().endsWith("its endpoint is terminating; draining for at most 50 s"),
                w.last.changes().get(0).describe());
        w.later(Duration.ofSeconds(20));
        assertEquals("", w.pass("a,b", "c"));
        assertEquals(false, w.enabled('c'));
    }

    @Test
    void aDrainedRealServerIsDeletedWhenItsEndpointLeavesTheSlice() {
        World w = new World("3=a,b,c", "3=a,b,c");
        w.pass("a,b", "c");
        w.later(Duration.ofSeconds(5));
        assertEquals("-3c", w.pass("a,b", ""));
        assertEquals(
                "remove RS 10.0.0.3:8080 from VS 3 (shop/web): its endpoint finished terminating",
                w.last.changes().get(0).describe());
        assertEquals(Set.of(member('a'), member('b')), w.ledger.get(VS3).members());
    }

    @Test
    void aDrainedRealServerIsDeletedAfterTheDrainTimeoutEvenIfTheEndpointStillTerminates() {
        World w = new World("3=a,b,c", "3=a,b,c");
        w.pass("a,b", "c");
        w.later(Duration.ofSeconds(49));
        assertEquals("", w.pass("a,b", "c"));
        w.later(Duration.ofSeconds(1));
        assertEquals("-3c", w.pass("a,b", "c"));
        assertTrue(w.last.changes().get(0).describe().endsWith("still terminating after the drain timeout of 50 s"));
    }

    @Test
    void aDrainThatTheLedgerRecordedButTheLoadMasterMissedIsDoneAgainKeepingItsStart() {
        World w = new World("3=a,b", "3=a,b");
        w.ledger = w.ledger.with(VS3, w.ledger.get(VS3).retiring(member('b'), Retiring.draining(NOW)));
        w.later(Duration.ofSeconds(20));
        assertEquals("~3b", w.pass("a", "b"));
        assertEquals(Retiring.draining(NOW), w.retiring('b'), "the drain timeout still counts from the first try");
        w.later(Duration.ofSeconds(30));
        assertEquals("-3b", w.pass("a", "b"));
    }

    @Test
    void aTerminatingEndpointIsNeverAddedAndAHandMadeOneIsNeverDisabled() {
        World w = new World("3=a,x", "3=a");
        assertEquals("", w.pass("a", "c,x"));
        assertTrue(w.enabled('x'));
    }

    @Test
    void drainsEvenWhenTheKubernetesReadWasIncomplete() {
        World w = new World("3=a,b", "3=a,b");
        assertEquals("~3b", w.pass(desired("a", "b", false)));
    }

    // --- two-step removal -------------------------------------------------------------------------------

    @Test
    void aMissingEndpointIsDisabledFirstAndDeletedWhenTheNextReadConfirmsIt() {
        World w = new World("3=a,b,c,d,e", "3=a,b,c,d,e");
        assertEquals("~3c ~3d ~3e", w.pass("a,b", ""));
        assertEquals(Retiring.gone(NOW, 1), w.retiring('c'));
        w.later(Duration.ofSeconds(10));
        assertEquals("-3c -3d -3e", w.pass("a,b", ""));
        assertEquals(Set.of(member('a'), member('b')), w.ledger.get(VS3).members());
        assertEquals("", w.pass("a,b", ""));
    }

    @Test
    void aDisabledRealServerWhoseEndpointIsReadyAgainIsReEnabled() {
        World w = new World("3=a,b", "3=a,b");
        w.pass("a", "");
        assertEquals("^3b", w.pass("a,b", ""));
        assertTrue(w.enabled('b'));
        assertEquals(null, w.retiring('b'));
        assertEquals("~3b", w.pass("a", ""), "a new absence starts counting from one again");
    }

    @Test
    void anIncompleteReadNeitherCountsAsAnAbsenceNorRemovesAnything() {
        World w = new World("3=a,b", "3=a,b");
        w.pass("a", "");
        w.later(Duration.ofSeconds(10));
        assertEquals("", w.pass(desired("a", "", false)));
        assertEquals(Retiring.gone(NOW, 1), w.retiring('b'));
        assertEquals("-3b", w.pass("a", ""));
    }

    @Test
    void moreConfirmationsMeanMoreReadsBeforeTheDeleteAndTheCountIsKeptInTheLedger() {
        World w = new World("3=a,b", "3=a,b");
        w.removals =
                new RemovalPolicy(Duration.ofSeconds(50), 3, Duration.ofSeconds(10), 0.5, 5, Duration.ofMinutes(10));
        assertEquals("~3b", w.pass("a", ""));
        w.later(Duration.ofSeconds(10));
        assertEquals("", w.pass("a", ""));
        assertEquals(Retiring.gone(NOW, 2), w.retiring('b'));
        assertEquals("-3b", w.pass("a", ""));
    }

    @Test
    void aRealServerSomeoneAlreadyDisabledIsOnlyCountedThenDeleted() {
        World w = new World("3=a", "3=a,b");
        w.lm = current("3=a,b");
        w.lm = apply(
                w.lm,
                new Plan(
                        List.of(new Change.DisableRealServer(VS3, member('b'), WEB, null, "by hand")),
                        List.of(),
                        List.of(),
                        Set.of()));
        assertEquals("", w.pass("a", ""));
        assertEquals(Retiring.gone(NOW, 1).foundDisabled(), w.retiring('b'), "the agent did not disable it");
        w.later(Duration.ofSeconds(10));
        assertEquals("-3b", w.pass("a", ""));
    }

    @Test
    void anUnboundServicesRealServersGoByTheSameTwoSteps() {
        World w = new World("3=a,b,x", "3=a,b");
        DesiredState none = new DesiredState(List.of());
        assertEquals("~3a ~3b", w.pass(none));
        w.later(Duration.ofSeconds(10));
        assertEquals("-3a -3b", w.pass(none));
        assertEquals(Map.of(), w.ledger.owned());
    }

    // --- capacity guard -----------------------------------------------------------------------------

    @Test
    void holdsRemovalsThatWouldTakeOutMoreThanHalfOfWhatTheAgentOwnsButStillAdds() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        assertEquals("+3k", w.pass("a,b,c,k", ""));
        assertEquals(7, w.last.held().size());
        Problem guard = w.last.problems().get(0);
        assertEquals("VS 3", guard.subject());
        assertTrue(
                guard.message()
                        .startsWith("VS 3 (shop/web): holding 7 take-out(s) this pass: they would leave 4"
                                + " of the agent's Real Servers in service, down from 10 within the last 10 min (a drop of 6, 60%),"
                                + " more than sync.maxRemovalFraction (50%) and more than sync.maxRemovalMinimum (5); 11 stay in"
                                + " service. Adds still proceed."),
                guard.message());
        assertTrue(guard.message().contains("--force-removals"), guard.message());
        assertEquals(null, w.retiring('d'), "a held absence is not counted");
        assertTrue(w.enabled('d'));
    }

    @Test
    void theGuardNeedsBothLimitsExceeded() {
        World fraction = new World("3=a,b,c,d,e,f,g,h,i,j,k,l", "3=a,b,c,d,e,f,g,h,i,j,k,l");
        assertEquals("~3g ~3h ~3i ~3j ~3k ~3l", fraction.pass("a,b,c,d,e,f", ""), "6 of 12 is not more than half");
        World minimum = new World("3=a,b,c,d,e,f", "3=a,b,c,d,e,f");
        assertEquals("~3b ~3c ~3d ~3e ~3f", minimum.pass("a", ""), "5 is not more than 5");
    }

    @Test
    void forcedRemovalsPassTheGuardOnceAndTheDeletesThatFollowAreNotTakeOuts() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        w.removals = DEFAULTS.forced();
        assertEquals("~3d ~3e ~3f ~3g ~3h ~3i ~3j", w.pass("a,b,c", ""));
        w.removals = DEFAULTS;
        w.later(Duration.ofSeconds(10));
        assertEquals("-3d -3e -3f -3g -3h -3i -3j", w.pass("a,b,c", ""), "already out of service");
        assertEquals(List.of(), w.last.held());
    }

    @Test
    void drainingCountsAgainstTheGuardButARollingUpdateThatDrainsIsNeverHeld() {
        World wipe = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        assertEquals("", wipe.pass("a,b", "c,d,e,f,g,h,i,j"), "every endpoint marked terminating at once");
        assertEquals(8, wipe.last.held().size());
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        assertEquals(
                "+3k +3l +3m +3n +3o +3p +3q +3r ~3c ~3d ~3e ~3f ~3g ~3h ~3i ~3j",
                w.pass("a,b,k,l,m,n,o,p,q,r", "c,d,e,f,g,h,i,j"));
        assertEquals(List.of(), w.last.held());
    }

    // --- binding policy ---------------------------------------------------------------------------------

    @Test
    void aServiceMayBindOnlyTheVirtualServicesThePolicyGivesItsNamespace() {
        World w = new World("3=", "");
        w.policy = new BindingPolicy(List.of(new BindingPolicy.Binding("shop-*", Set.of(VS3))));
        assertEquals("", w.pass("a", ""));
        Problem refused = w.last.problems().get(0);
        assertEquals(WEB, refused.service());
        assertEquals(
                "shop/web: vsid=\"3\" is not allowed for namespace shop by policy.bindings in agent.yaml"
                        + " (shop-* → VS 3), so the Service is not applied; ask NetOps to allow it, or use a Virtual Service"
                        + " the policy gives this namespace",
                refused.message());

        w.policy = new BindingPolicy(List.of(new BindingPolicy.Binding("sho?", Set.of(VS3))));
        assertEquals("+3a", w.pass("a", ""));
    }

    @Test
    void aServiceThePolicyNoLongerAllowsKeepsItsRealServers() {
        World w = new World("3=a,b", "3=a,b");
        w.policy = new BindingPolicy(List.of());
        assertEquals("", w.pass("a", ""));
        assertEquals("", w.pass("a", ""));
        assertEquals(Set.of(member('a'), member('b')), w.ledger.get(VS3).members());
    }

    @Test
    void aRefusedServiceDoesNotBlockTheAllowedOneOnTheSameVirtualService() {
        ServiceRef other = new ServiceRef("team-x", "web");
        DesiredState two = new DesiredState(List.of(
                new DesiredService(WEB, VS3, List.of(new ServicePort("", 80, "TCP", members("a")))),
                new DesiredService(other, VS3, List.of(new ServicePort("", 80, "TCP", members("b"))))));
        World w = new World("3=", "");
        w.policy = new BindingPolicy(List.of(new BindingPolicy.Binding("shop", Set.of(VS3))));
        assertEquals("+3a", w.pass(two));
        assertEquals(other, w.last.problems().get(0).service());
    }

    // --- adoption ---------------------------------------------------------------------------------------

    @Test
    void adoptsOnlyRealServersThatMatchAReadyEndpointInsideThePodNetworks() {
        World w = new World("3=a,b,x", "");
        w.podCidrs = List.of(Cidr.parse("10.0.0.0/29"));
        w.adopt = true;
        w.lm = current("3=a,b,x"); // x = 10.0.0.24, outside the pod network
        assertEquals("+3c", w.pass("a,b,c,x", ""));
        assertEquals(
                List.of(new LedgerStep.Adopt(VS3, member('a'), WEB), new LedgerStep.Adopt(VS3, member('b'), WEB)),
                w.last.steps(LedgerStep.Adopt.class));
        assertEquals(
                Set.of(member('a'), member('b'), member('c')), w.ledger.get(VS3).members());

        w.adopt = false;
        assertEquals("~3a", w.pass("b,c", ""), "an adopted RS is the agent's to remove");
    }

    @Test
    void withoutAdoptionARealServerTheLedgerLostIsTreatedAsHandMade() {
        World w = new World("3=a,b", "");
        assertEquals("", w.pass("a", ""));
        assertEquals("", w.pass("", ""));
        assertEquals(List.of(), w.last.steps(LedgerStep.Adopt.class));
    }

    // --- a skipped Service keeps its Real Servers, on every VS (issue 10, item 1) -----------------------

    /** shop/web leaves VS 3 for VS 9, which it cannot use, in each of the ways there are. */
    @ParameterizedTest(name = "VS 9 {0}")
    @ValueSource(
            strings = {
                "is missing",
                "cannot be read",
                "is a parent",
                "has no matching port",
                "is claimed by another Service",
                "is not allowed by policy"
            })
    void aServiceThatMovesToAVirtualServiceItCannotUseKeepsItsOldOne(String how) {
        World w = new World("3=a,b;9=", "3=a,b");
        VirtualServiceId vs9 = VirtualServiceId.of(9);
        DesiredService moved = on("web", 9, "a,b");
        List<DesiredService> services = new java.util.ArrayList<>(List.of(moved));
        switch (how) {
            case "is missing" -> w.vsMissing(9);
            case "cannot be read" ->
                w.lm = new CurrentState(
                        w.lm.loadMaster(),
                        replace(w.lm.virtualServices(), w.lm.virtualServices().get(VS3)),
                        Set.of(),
                        Map.of(vs9, "showvs vs=9: LoadMaster answered 500"),
                        null);
            case "is a parent" ->
                w.lm = new CurrentState(
                        w.lm.loadMaster(),
                        replace(
                                w.lm.virtualServices(),
                                new VirtualService(
                                        vs9, "10.0.0.100", 80, "tcp", "", List.of(VirtualServiceId.of(10)), List.of())),
                        Set.of(),
                        Map.of(),
                        null);
            case "has no matching port" ->
                services.set(
                        0,
                        new DesiredService(
                                WEB,
                                vs9,
                                List.of(
                                        new ServicePort("http", 8080, "TCP", members("a,b")),
                                        new ServicePort("https", 8443, "TCP", members("a,b")))));
            case "is claimed by another Service" -> services.add(on("api", 9, "c"));
            default -> w.policy = new BindingPolicy(List.of(new BindingPolicy.Binding("shop", Set.of(VS3))));
        }
        for (int pass = 0; pass < 3; pass++) {
            assertEquals("", w.pass(new DesiredState(services)), "pass " + pass);
            w.later(Duration.ofSeconds(10));
        }
        assertEquals(Set.of(member('a'), member('b')), w.ledger.get(VS3).members());
        assertTrue(w.enabled('a') && w.enabled('b'));
        assertTrue(
                w.last.problems().stream().anyMatch(p -> WEB.equals(p.service())),
                w.last.problems().toString());
    }

    @Test
    void aServiceThatMovesToAUsableVirtualServiceLeavesItsOldOneByTheTwoSteps() {
        World w = new World("3=a,b;9=", "3=a,b");
        DesiredState moved = new DesiredState(List.of(on("web", 9, "a,b")));
        assertEquals("+9a +9b ~3a ~3b", w.pass(moved));
        w.later(Duration.ofSeconds(10));
        assertEquals("-3a -3b", w.pass(moved));
    }

    @Test
    void theOwnersNameFollowsKubernetesSoARenamedServiceThatIsSkippedLaterStillKeepsItsRealServers() {
        World w = new World("3=a,b;9=", "");
        ServiceRef old = new ServiceRef("shop", "web-old");
        w.ledger = Ledger.of(
                PlannerTest.LM,
                Map.of(VS3, new kubelmagent.model.Ownership(old, members("a,b"), Map.of(), "10.0.0.100:80/tcp", null)));
        assertEquals("", w.pass("a,b", ""), "shop/web replaces shop/web-old on VS 3");
        assertEquals(List.of(new LedgerStep.Owner(VS3, WEB)), w.last.steps(LedgerStep.Owner.class));
        assertEquals(WEB, w.ledger.get(VS3).service());
        w.vsMissing(9);
        assertEquals("", w.pass(new DesiredState(List.of(on("web", 9, "a,b")))), "moved to a missing VS");
        w.later(Duration.ofSeconds(10));
        assertEquals("", w.pass(new DesiredState(List.of(on("web", 9, "a,b")))));
        assertEquals(Set.of(member('a'), member('b')), w.ledger.get(VS3).members());
    }

    @Test
    void aVirtualServiceThatASkippedServiceNamesIsKeptWhoeverTheLedgerSaysOwnsIt() {
        World w = new World("3=a,b", "");
        w.ledger = Ledger.of(
                PlannerTest.LM,
                Map.of(
                        VS3,
                        new kubelmagent.model.Ownership(
                                new ServiceRef("shop", "gone"), members("a,b"), Map.of(), "10.0.0.100:80/tcp", null)));
        DesiredState renamedButUnreadable = new DesiredState(
                true,
                List.of(),
                List.of(new SkippedService(
                        WEB, VS3, Problem.of(WEB, "shop/web: its endpoints could not be read"), true)),
                List.of());
        assertEquals("", w.pass(renamedButUnreadable));
        assertEquals("", w.pass(renamedButUnreadable));
        assertEquals(Set.of(member('a'), member('b')), w.ledger.get(VS3).members());
    }

    @Test
    void aServiceThePolicyKeepsOffAVirtualServiceCannotStopItsCleanUp() {
        World w = new World("3=a,b", "3=a,b");
        w.policy = new BindingPolicy(List.of(new BindingPolicy.Binding("shop", Set.of(VS3))));
        ServiceRef intruder = new ServiceRef("team-x", "web");
        DesiredState d = new DesiredState(
                List.of(new DesiredService(intruder, VS3, List.of(new ServicePort("", 80, "TCP", members("c"))))));
        assertEquals("~3a ~3b", w.pass(d), "shop/web is gone; team-x may not bind VS 3, so its claim holds nothing");
        assertEquals(intruder, w.last.problems().get(0).service());
    }

    @Test
    void aServiceCannotTakeOverAVirtualServiceWhoseOwnerIsSkipped() {
        World w = new World("3=a,b", "3=a,b");
        DesiredState d = new DesiredState(
                true,
                List.of(on("api", 3, "c")),
                List.of(SkippedService.invalid(
                        WEB, null, Problem.of(WEB, "shop/web: annotation vsid=\"x\" is not a Virtual Service id"))),
                List.of());
        assertEquals("", w.pass(d));
        assertEquals(
                "shop/api: VS 3 holds Real Servers the agent added for shop/web, which is left out of this pass"
                        + " (see its problem); a skipped Service keeps its Real Servers, so VS 3 is left as it is until shop/web"
                        + " is fixed or deleted",
                w.last.problems().get(0).message());
    }

    // --- the capacity guard across passes, per VS and in total (item 2)
    // ----------------------------------------------------------------------

    @Test
    void twoPassesOfJustUnderTheLimitCannotEmptyAVirtualService() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        assertEquals("~3g ~3h ~3i ~3j", w.pass("a,b,c,d,e,f", ""), "a drop of 4 is within the limits");
        w.later(Duration.ofSeconds(10));
        assertEquals("-3g -3h -3i -3j", w.pass("a,b", ""), "the deletes of disabled RS go on; the new take-outs wait");
        assertEquals(4, w.last.held().size());
        assertTrue(
                w.last.problems()
                        .get(0)
                        .message()
                        .contains("they would leave 2 of the agent's Real Servers in"
                                + " service, down from 10 within the last 10 min"),
                w.last.problems().get(0).message());
        assertTrue(w.enabled('c'));
    }

    @Test
    void aSmallVirtualServiceCannotBeEmptiedWhileABigOneKeepsTheTotalUp() {
        String big = String.join(",", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t".split(","));
        World w = new World("3=a,b,c,d,e,f;4=" + big, "3=a,b,c,d,e,f;4=" + big);
        DesiredState d = new DesiredState(List.of(on("web", 3, ""), on("api", 4, big)));
        assertEquals("", w.pass(d));
        assertEquals(6, w.last.held().size());
        assertEquals("VS 3", w.last.problems().get(0).subject());
    }

    @Test
    void aRollingUpdateKeepsItsCapacityAndIsNeverHeld() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        assertEquals(
                "+3k +3l +3m +3n +3o +3p +3q +3r +3s +3t ~3a ~3b ~3c ~3d ~3e ~3f ~3g ~3h ~3i ~3j",
                w.pass("k,l,m,n,o,p,q,r,s,t", ""),
                "all pods replaced in one pass");
        World slow = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        String[] steps = {"d,e,f,g,h,i,j,k,l,m", "g,h,i,j,k,l,m,n,o,p", "j,k,l,m,n,o,p,q,r,s", "k,l,m,n,o,p,q,r,s,t"};
        for (String ready : steps) {
            slow.pass(ready, "");
            assertEquals(List.of(), slow.last.held(), ready);
            slow.later(Duration.ofSeconds(10));
        }
    }

    @Test
    void aWipeIsHeldHoweverItIsSpreadOverPassesWithinTheWindowAndPassesOnceTheWindowIsOver() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j,k,l", "3=a,b,c,d,e,f,g,h,i,j,k,l");
        String ready = "a,b,c,d,e,f,g,h,i,j,k,l";
        int taken = 0;
        for (int pass = 0; pass < 12; pass++) {
            ready = ready.substring(0, Math.max(0, ready.length() - 2)); // one pod fewer each pass
            w.pass(ready, "");
            taken = w.ledger.get(VS3).retiring().size()
                    + 12
                    - w.ledger.get(VS3).members().size();
            w.later(Duration.ofSeconds(30));
        }
        assertEquals(6, taken, "at most half of the peak of 12 taken out within the window");
        assertEquals("", w.pass("a,b,c", ""), "still within the window of the last drop");
        w.later(Duration.ofMinutes(10));
        assertEquals(
                "~3d ~3e ~3f",
                rendered(w, "a,b,c"),
                "the peak of 12 is past the window; 6 is the reference" + " now, and 3 of 6 is within the limits");
    }

    @Test
    void aDrainTimeoutDeleteOfARealServerThatIsStillEnabledCounts() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        Ledger ledger = w.ledger;
        for (char c : "bcdefghij".toCharArray()) {
            ledger = ledger.with(VS3, ledger.get(VS3).retiring(member(c), Retiring.draining(NOW)));
        }
        w.ledger = ledger; // recorded as draining, but the disables never reached the LoadMaster
        w.later(Duration.ofSeconds(50));
        assertEquals("", w.pass("a", "b,c,d,e,f,g,h,i,j"));
        assertEquals(9, w.last.held().size());
    }

    @Test
    void theGuardsPeakIsKeptInTheLedgerAndAForcedPassMakesWhatIsLeftTheReference() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        w.pass("a,b,c,d,e,f", "");
        assertEquals(
                List.of(new CapacityHistory.Sample(10, NOW)),
                w.ledger.capacity().perVs().get(VS3));
        w.removals = DEFAULTS.forced();
        w.later(Duration.ofSeconds(10));
        assertEquals("~3c ~3d ~3e ~3f -3g -3h -3i -3j", w.pass("a,b", ""));
        assertEquals(CapacityHistory.EMPTY, w.ledger.capacity());
        w.removals = DEFAULTS;
        w.later(Duration.ofSeconds(10));
        assertEquals("~3b -3c -3d -3e -3f", w.pass("a", ""), "2 -> 1 against a reference of 2");
    }

    static String rendered(World w, String ready) {
        return w.pass(ready, "");
    }

    // --- Unknown VS (item 3) ------------------------------------------------------------------------------

    @Test
    void oneUnknownVsAnswerDoesNotReleaseOwnershipAndAVirtualServiceThatComesBackIsManagedAsBefore() {
        World w = new World("3=a,b", "3=a,b");
        VirtualService before = w.lm.virtualServices().get(VS3);
        w.vsMissing(3);
        assertEquals("", w.pass("a", ""));
        assertEquals(Set.of(member('a'), member('b')), w.ledger.get(VS3).members());
        assertEquals(new kubelmagent.model.VsMissing(NOW, 1), w.ledger.get(VS3).missing());
        w.vsBack(before);
        w.later(Duration.ofSeconds(10));
        assertEquals("~3b", w.pass("a", ""), "b's pod went away meanwhile: still the agent's to take out");
        assertEquals(null, w.ledger.get(VS3).missing());
    }

    @Test
    void ownershipIsReleasedOnlyAfterConfirmationsPassesInARowOverTheInterval() {
        World w = new World("3=a,b", "3=a,b");
        w.vsMissing(3);
        DesiredState none = new DesiredState(List.of());
        w.pass(none);
        w.later(Duration.ofSeconds(1));
        w.pass(none);
        assertEquals(Set.of(member('a'), member('b')), w.ledger.get(VS3).members(), "two answers within a second");
        w.later(Duration.ofSeconds(9));
        w.pass(none);
        assertEquals(Map.of(), w.ledger.owned());
        assertTrue(
                w.last.steps(LedgerStep.Release.class)
                        .get(0)
                        .reason()
                        .startsWith("the LoadMaster has had no VS 3 (Unknown VS) in 3 passes in a row over 10 s"),
                w.last.steps(LedgerStep.Release.class).toString());
    }

    // --- the ledger knows its LoadMaster and its VSs (item 4) ----------------------------------------------

    @Test
    void againstAnotherLoadMasterTheAgentAddsButTakesNothingOut() {
        World w = new World("3=a,x", "3=a,b");
        w.lm = new CurrentState("https://10.9.9.9", w.lm.virtualServices(), Set.of(), Map.of(), null);
        assertEquals("+3b +3c", w.pass("b,c", ""), "a is not taken out, x (hand-made there) is left alone");
        assertEquals("LoadMaster", w.last.problems().get(0).subject());
        assertTrue(
                w.last.problems()
                        .get(0)
                        .message()
                        .startsWith("the ownership ledger was written for LoadMaster"
                                + " https://10.0.0.2, but loadmaster.url is now https://10.9.9.9: the agent adds Real Servers but"
                                + " disables, enables and removes none"),
                w.last.problems().get(0).message());
        w.adopt = true;
        assertEquals("~3a", w.pass("b,c", ""), "--adopt accepts this LoadMaster");
        assertEquals("https://10.9.9.9", w.ledger.loadMaster());
    }

    @Test
    void aVirtualServiceThatIsNotTheOneRecordedLosesNothingUntilAdoptForgetsWhatWasRecordedForTheOldOne() {
        World w = new World("3=a,b", "3=a,b");
        w.readdressed(3, "10.0.0.200");
        assertEquals("+3c", w.pass("c", ""));
        assertTrue(
                w.last.problems()
                        .get(0)
                        .message()
                        .startsWith("VS 3 is 10.0.0.200:80/tcp on the LoadMaster, but"
                                + " the ledger recorded its Real Servers there when VS 3 was 10.0.0.100:80/tcp"),
                w.last.problems().get(0).message());
        w.adopt = true;
        w.podCidrs = List.of(Cidr.parse("10.0.0.0/24"));
        assertEquals("", w.pass("a,c", ""));
        assertEquals(Set.of(member('a'), member('c')), w.ledger.get(VS3).members(), "b is hand-made now");
    }

    // --- a person's disable stands (item 5) ------------------------------------------------------------------

    @Test
    void aRealServerAPersonDisabledStaysDisabledThroughAReadinessBlip() {
        World w = new World("3=a,b", "3=a,b");
        w.byHand('b', false);
        assertEquals("", w.pass("a", ""), "the endpoint blips");
        assertEquals(Retiring.gone(NOW, 1).foundDisabled(), w.retiring('b'));
        assertEquals("", w.pass("a,b", ""), "ready again: not re-enabled");
        assertEquals(false, w.enabled('b'));
        assertEquals(null, w.retiring('b'));
        assertEquals("", w.pass("a,b", ""));
    }

    @Test
    void aDrainOfARealServerAPersonDisabledIsNotUndoneEither() {
        World w = new World("3=a,b", "3=a,b");
        w.byHand('b', false);
        assertEquals("", w.pass("a", "b"));
        assertEquals(false, w.retiring('b').disabledByAgent());
    }

    // --- at least one interval between the disable and the delete (item 7) ---------------------------------

    @Test
    void aConfirmingReadSecondsAfterTheDisableDoesNotDelete() {
        World w = new World("3=a,b", "3=a,b");
        assertEquals("~3b", w.pass("a", ""));
        w.later(Duration.ofSeconds(2)); // a restart, an operator's --once
        assertEquals("", w.pass("a", ""));
        assertEquals(Retiring.gone(NOW, 2), w.retiring('b'));
        w.later(Duration.ofSeconds(8));
        assertEquals("-3b", w.pass("a", ""));
    }

    // --- an unreadable Service stops removals for itself only (item 8) --------------------------------------

    @Test
    void aServiceWhoseEndpointsCannotBeReadKeepsItsRealServersAndTheOthersAreReconciled() {
        World w = new World("3=a,b;4=c,d", "3=a,b;4=c,d");
        DesiredState d = new DesiredState(
                true,
                List.of(on("web", 3, "a")),
                List.of(new SkippedService(
                        new ServiceRef("shop", "api"),
                        VirtualServiceId.of(4),
                        Problem.of(
                                new ServiceRef("shop", "api"),
                                "shop/api: left out of this pass because its endpoints could not be read: 403"),
                        true)),
                List.of());
        assertEquals("~3b", w.pass(d));
        assertTrue(!d.everythingRead());
    }

    @Test
    void aFailedServiceListStillRemovesNothingAnywhere() {
        World w = new World("3=a,b;4=c,d", "3=a,b;4=c,d");
        assertEquals("", w.pass(DesiredState.unknown(new Problem("Kubernetes API", "the list failed"))));
    }

    // --- only pod addresses become Real Servers (item 9) ------------------------------------------------------

    @Test
    void anEndpointOutsideThePodNetworksIsNeitherAddedNorTakenAsGone() {
        World w = new World("3=a,x", "3=a,x");
        w.podCidrs = List.of(Cidr.parse("10.0.0.0/29")); // a..g; x = 10.0.0.24
        assertEquals("+3b", w.pass("a,b,x,y", ""), "x and y are neither added nor taken as gone");
        assertEquals(
                "shop/web: endpoint address(es) 10.0.0.24, 10.0.0.25 are outside kubernetes.podCidrs (10.0.0.0/29), so they"
                        + " are not made Real Servers (and the agent's Real Servers there are left as they are); if they are"
                        + " pods, add their network to kubernetes.podCidrs, otherwise find out who wrote them into the"
                        + " Service's endpoints",
                w.last.problems().get(0).message());
        assertTrue(w.enabled('x'));
        assertEquals(
                Set.of(member('a'), member('b'), member('x')), w.ledger.get(VS3).members());
    }

    // --- non-local Real Servers (item 10) --------------------------------------------------------------------

    @Test
    void noAddIsTriedWhileTheLoadMasterRefusesNonLocalRealServersButTakeOutsGoOn() {
        World w = new World("3=a,b", "3=a,b");
        w.nonLocal = true;
        w.lm = new CurrentState(w.lm.loadMaster(), w.lm.virtualServices(), Set.of(), Map.of(), false);
        assertEquals("~3b", w.pass("a,c", ""));
        assertTrue(
                w.last.problems()
                        .get(0)
                        .message()
                        .startsWith("the LoadMaster does not accept non-local Real"
                                + " Servers, so no Real Server is added: turn on System Configuration > Miscellaneous Options >"
                                + " Network Options > Enable Non-Local Real Servers"),
                w.last.problems().get(0).message());
        w.lm = new CurrentState(w.lm.loadMaster(), w.lm.virtualServices(), Set.of(), Map.of(), true);
        assertEquals("+3c", w.pass("a,c", ""));
    }

    @Test
    void noAddIsTriedOnATransparentVirtualService() {
        World w = new World("3=a", "3=a");
        w.nonLocal = true;
        VirtualService v = w.lm.virtualServices().get(VS3);
        w.lm = new CurrentState(
                w.lm.loadMaster(),
                replace(
                        w.lm.virtualServices(),
                        new VirtualService(
                                v.id(),
                                v.address(),
                                v.port(),
                                v.protocol(),
                                v.nickName(),
                                v.subVsIds(),
                                false,
                                v.realServers(),
                                null,
                                true)),
                Set.of(),
                Map.of(),
                true);
        assertEquals("", w.pass("a,c", ""));
        assertTrue(
                w.last.problems()
                        .get(0)
                        .message()
                        .startsWith("shop/web: VS 3 (10.0.0.100:80/tcp) has Transparency"
                                + " on, which refuses non-local Real Servers, so none is added to it"),
                w.last.problems().toString());
        w.nonLocal = false;
        assertEquals("+3c", w.pass("a,c", ""), "local Real Servers are fine on a transparent VS");
    }
}
