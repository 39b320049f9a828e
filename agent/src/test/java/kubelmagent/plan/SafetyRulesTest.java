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
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import kubelmagent.model.BindingPolicy;
import kubelmagent.model.Cidr;
import kubelmagent.model.CurrentState;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Ownership;
import kubelmagent.model.Problem;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;

/**
 * The rules that keep production traffic safe, pass by pass: draining, two-step removal, the
 * mass-removal guard, the binding policy and adoption. A {@link World} applies each plan to the
 * LoadMaster and the ledger, as a successful pass does, and moves the clock. Notation as in
 * {@link PlannerTest}, plus {@code ~3a} (disable a in VS 3) and {@code ^3a} (re-enable it).
 */
class SafetyRulesTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final RemovalPolicy DEFAULTS = RemovalPolicy.defaults(Duration.ofSeconds(10)); // drain timeout 50 s

    /** The LoadMaster and the ledger as passes leave them. */
    static final class World {
        CurrentState lm;
        Map<VirtualServiceId, Ownership> ledger;
        Instant now = NOW;
        BindingPolicy policy = BindingPolicy.allowAll();
        RemovalPolicy removals = DEFAULTS;
        List<Cidr> adoptWithin = List.of();
        Plan last;

        World(String lm, String owned) {
            this.lm = current(lm);
            this.ledger = owned(owned);
        }

        /** One pass: plan, apply, and return the changes rendered (sorted by letter). */
        String pass(DesiredState desired) {
            last = Planner.plan(desired, lm, ledger, new Rules(policy, removals, now, adoptWithin));
            lm = apply(lm, last);
            ledger = applyToLedger(ledger, last);
            return String.join(" ", render(last.changes()).split(" ")[0].isEmpty() ? List.of()
                    : java.util.Arrays.stream(render(last.changes()).split(" ")).sorted(
                            java.util.Comparator.comparing((String c) -> c.charAt(0) == '+' ? 0 : c.charAt(0) == '^' ? 1
                                    : c.charAt(0) == '~' ? 2 : 3).thenComparing(c -> c)).toList());
        }

        String pass(String ready, String draining) {
            return pass(desired(ready, draining, true));
        }

        void later(Duration d) {
            now = now.plus(d);
        }

        Retiring retiring(char letter) {
            Ownership o = ledger.get(VS3);
            return o == null ? null : o.retiring().get(member(letter));
        }

        boolean enabled(char letter) {
            return lm.virtualServices().get(VS3).realServers().stream()
                    .filter(rs -> rs.member().equals(member(letter))).findFirst().orElseThrow().enabled();
        }
    }

    /** Service shop/web on VS 3 with these ready and terminating-but-serving members. */
    static DesiredState desired(String ready, String draining, boolean complete) {
        return new DesiredState(complete, List.of(new DesiredService(WEB, VS3,
                List.of(new ServicePort("", 80, "TCP", members(ready), members(draining))))), List.of());
    }

    // --- draining ---------------------------------------------------------------------------------------

    @Test
    void aTerminatingEndpointIsDisabledNotDeletedAndNeverReEnabledWhileItTerminates() {
        World w = new World("3=a,b,c", "3=a,b,c");
        assertEquals("~3c", w.pass("a,b", "c"));
        assertEquals(Retiring.draining(NOW), w.retiring('c'));
        assertEquals(false, w.enabled('c'));
        assertTrue(w.last.changes().get(0).describe().endsWith("its endpoint is terminating; draining for at most 50 s"),
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
        assertEquals("remove RS 10.0.0.3:8080 from VS 3 (shop/web): its endpoint finished terminating",
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
        w.ledger = Map.of(VS3, new Ownership(WEB, members("a,b"), Map.of(member('b'), Retiring.draining(NOW))));
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
        assertEquals("", w.pass(desired("a", "", false)));
        assertEquals(Retiring.gone(NOW, 1), w.retiring('b'));
        assertEquals("-3b", w.pass("a", ""));
    }

    @Test
    void moreConfirmationsMeanMoreReadsBeforeTheDeleteAndTheCountIsKeptInTheLedger() {
        World w = new World("3=a,b", "3=a,b");
        w.removals = new RemovalPolicy(Duration.ofSeconds(50), 3, 0.5, 5);
        assertEquals("~3b", w.pass("a", ""));
        assertEquals("", w.pass("a", ""));
        assertEquals(Retiring.gone(NOW, 2), w.retiring('b'));
        assertEquals("-3b", w.pass("a", ""));
    }

    @Test
    void aRealServerSomeoneAlreadyDisabledIsOnlyCountedThenDeleted() {
        World w = new World("3=a", "3=a,b");
        w.lm = current("3=a,b");
        w.lm = apply(w.lm, new Plan(List.of(new Change.DisableRealServer(VS3, member('b'), WEB, null, "by hand")),
                Map.of(), Map.of(), List.of(), List.of(), List.of(), Set.of()));
        assertEquals("", w.pass("a", ""));
        assertEquals(Retiring.gone(NOW, 1), w.retiring('b'));
        assertEquals("-3b", w.pass("a", ""));
    }

    @Test
    void anUnboundServicesRealServersGoByTheSameTwoSteps() {
        World w = new World("3=a,b,x", "3=a,b");
        DesiredState none = new DesiredState(true, List.of(), List.of());
        assertEquals("~3a ~3b", w.pass(none));
        assertEquals("-3a -3b", w.pass(none));
        assertEquals(Map.of(), w.ledger);
    }

    // --- mass-removal guard -----------------------------------------------------------------------------

    @Test
    void holdsRemovalsThatWouldTakeOutMoreThanHalfOfWhatTheAgentOwnsButStillAdds() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        assertEquals("+3k", w.pass("a,b,c,k", ""));
        assertEquals(7, w.last.held().size());
        Problem guard = w.last.problems().get(0);
        assertEquals("removal guard", guard.subject());
        assertTrue(guard.message().startsWith("holding 7 removal(s) this pass: they would take 7 of the 10 Real"
                + " Servers the agent owns out of service (70%), more than sync.maxRemovalFraction (50%) and more"
                + " than sync.maxRemovalMinimum (5)."), guard.message());
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
        assertEquals("-3d -3e -3f -3g -3h -3i -3j", w.pass("a,b,c", ""), "already out of service");
        assertEquals(List.of(), w.last.held());
    }

    @Test
    void drainingDoesNotCountAgainstTheGuard() {
        World w = new World("3=a,b,c,d,e,f,g,h,i,j", "3=a,b,c,d,e,f,g,h,i,j");
        assertEquals("~3c ~3d ~3e ~3f ~3g ~3h ~3i ~3j", w.pass("a,b", "c,d,e,f,g,h,i,j"));
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
        assertEquals("shop/web: vsid=\"3\" is not allowed for namespace shop by policy.bindings in agent.yaml"
                + " (shop-* → VS 3), so the Service is not applied; ask NetOps to allow it, or use a Virtual Service"
                + " the policy gives this namespace", refused.message());

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
        DesiredState two = new DesiredState(true, List.of(
                new DesiredService(WEB, VS3, List.of(new ServicePort("", 80, "TCP", members("a")))),
                new DesiredService(other, VS3, List.of(new ServicePort("", 80, "TCP", members("b"))))), List.of());
        World w = new World("3=", "");
        w.policy = new BindingPolicy(List.of(new BindingPolicy.Binding("shop", Set.of(VS3))));
        assertEquals("+3a", w.pass(two));
        assertEquals(other, w.last.problems().get(0).service());
    }

    // --- adoption ---------------------------------------------------------------------------------------

    @Test
    void adoptsOnlyRealServersThatMatchAReadyEndpointInsideThePodNetworks() {
        World w = new World("3=a,b,x", "");
        w.adoptWithin = List.of(Cidr.parse("10.0.0.0/31")); // 10.0.0.0 and 10.0.0.1 = a
        assertEquals("+3c", w.pass("a,b,c", ""));
        assertEquals(List.of(new Plan.Adoption(VS3, member('a'), WEB)), w.last.adopted());
        assertEquals(Set.of(member('a'), member('c')), w.ledger.get(VS3).members());

        w.adoptWithin = List.of();
        assertEquals("~3a", w.pass("b,c", ""), "an adopted RS is the agent's to remove");
    }

    @Test
    void withoutAdoptionARealServerTheLedgerLostIsTreatedAsHandMade() {
        World w = new World("3=a,b", "");
        assertEquals("", w.pass("a", ""));
        assertEquals("", w.pass("", ""));
        assertEquals(List.of(), w.last.adopted());
    }
}
