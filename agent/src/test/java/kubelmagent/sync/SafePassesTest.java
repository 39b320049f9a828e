package kubelmagent.sync;

import static kubelmagent.sync.ScriptedSource.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Logger;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.log.JournalFormatter;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.Member;
import kubelmagent.model.Networks;
import kubelmagent.model.PassResult;
import kubelmagent.model.RealServer;
import kubelmagent.model.Retiring;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.RemovalPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Passes with the agent's default safety rules, against the in-memory LoadMaster and a real ledger
 * file: draining with {@code modrs}, two-step removal that survives a restart, the capacity guard,
 * and one log line per cause.
 */
class SafePassesTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final RemovalPolicy DEFAULTS = RemovalPolicy.defaults(Duration.ofSeconds(10));

    @TempDir
    Path stateDir;

    final ScriptedSource cluster = new ScriptedSource();
    final InMemoryLoadMaster loadMaster = new InMemoryLoadMaster()
            .addVirtualService(3, "10.0.0.3", 80)
            .addVirtualService(4, "10.0.0.4", 80)
            .addVirtualService(5, "10.0.0.5", 80);
    final List<String> log = new ArrayList<>();
    final Handler capture = new Handler() {
        final JournalFormatter format = new JournalFormatter();

        @Override
        public void publish(java.util.logging.LogRecord r) {
            log.add(format.format(r).strip());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T06:00:00Z"));
    FileOwnershipLedger ledger;

    @BeforeEach
    void setUp() throws IOException {
        ledger = FileOwnershipLedger.open(stateDir);
        Logger.getLogger("kubelmagent").addHandler(capture);
    }

    @AfterEach
    void tearDown() throws IOException {
        Logger.getLogger("kubelmagent").removeHandler(capture);
        ledger.close();
    }

    Reconciler reconciler(Reconciler.Options options) {
        return new Reconciler(cluster, loadMaster, ledger, clock, options, new AgentMetrics("test"));
    }

    Reconciler reconciler() {
        return reconciler(Reconciler.Options.of(BindingPolicy.allowAll(), DEFAULTS));
    }

    boolean enabled(Member m) throws LoadMasterException {
        return loadMaster.showVirtualService(VS3).realServers().stream()
                .filter(rs -> rs.member().equals(m))
                .map(RealServer::enabled)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void scalingDownDisablesFirstAndDeletesOnTheNextPassEvenAcrossARestart() throws Exception {
        cluster.service("web", 3, 5);
        Reconciler agent = reconciler();
        agent.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 2);
        log.clear();
        PassResult first = agent.runOnce(StartedBy.TIMER);
        assertEquals(3, first.applied());
        assertEquals(List.of(pod(1), pod(2), pod(3), pod(4), pod(5)), loadMaster.realServers(VS3));
        assertFalse(enabled(pod(3)));
        assertTrue(
                log.contains("<5>[pass #2] disabled RS 10.244.1.3:8080 in VS 3 (shop/web): no longer a ready"
                        + " endpoint; removed if the next read confirms it"),
                log.toString());

        ledger.close(); // the agent restarts between the two reads
        ledger = FileOwnershipLedger.open(stateDir);
        assertEquals(
                Retiring.gone(clock.now, 1),
                ledger.snapshot().get(VS3).retiring().get(pod(3)));
        clock.now = clock.now.plusSeconds(10);
        log.clear();
        PassResult second = reconciler().runOnce(StartedBy.TIMER);
        assertEquals(3, second.applied());
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
        assertTrue(
                log.contains("<5>[pass #1] removed RS 10.244.1.3:8080 from VS 3 (shop/web): no longer a ready"
                        + " endpoint, confirmed by 2 reads over 10 s"),
                log.toString());
        assertEquals(0, loadMaster.calls("modrs") - 3, "the delete needs no second modrs");
    }

    @Test
    void aTerminatingPodIsDrainedWithModrsAndDeletedWhenItIsGone() throws Exception {
        cluster.service("web", 3, 3);
        Reconciler agent = reconciler();
        agent.runOnce(StartedBy.TIMER);
        cluster.drain("web", 3);
        log.clear();
        agent.runOnce(StartedBy.TIMER);
        assertFalse(enabled(pod(3)));
        assertTrue(enabled(pod(2)));
        assertTrue(
                log.contains("<5>[pass #2] disabled RS 10.244.1.3:8080 in VS 3 (shop/web): its endpoint is"
                        + " terminating; draining for at most 50 s"),
                log.toString());
        agent.runOnce(StartedBy.TIMER);
        assertEquals(1, loadMaster.calls("modrs"), "never re-enabled while it terminates, nor disabled twice");

        cluster.service("web", 3, 2); // the pod is gone
        agent.runOnce(StartedBy.TIMER);
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
    }

    @Test
    void theGuardHoldsAMassRemovalLogsItAtErrAndForceRemovalsLetsItThroughOnce() throws Exception {
        cluster.service("web", 3, 10);
        reconciler().runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 1);
        log.clear();
        PassResult held = reconciler().runOnce(StartedBy.TIMER);
        assertEquals(9, held.held());
        assertEquals(0, loadMaster.calls("modrs"));
        assertTrue(
                log.stream()
                        .anyMatch(l -> l.startsWith("<3>[pass #1] VS 3 (shop/web): holding 9 take-out(s) this"
                                + " pass: they would leave 1 of the agent's Real Servers in service, down from 10 within the last 10 min"
                                + " (a drop of 9, 90%)")),
                log.toString());
        assertTrue(
                log.get(log.size() - 1).startsWith("<4>")
                        && log.get(log.size() - 1).contains("9 take-out(s) held by the capacity guard"),
                log.get(log.size() - 1));

        Reconciler forced = reconciler(
                new Reconciler.Options(BindingPolicy.allowAll(), DEFAULTS, Networks.ANY, false, false, true, false));
        assertEquals(9, forced.runOnce(StartedBy.ONCE).applied());
        clock.now = clock.now.plusSeconds(10);
        assertEquals(0, forced.runOnce(StartedBy.TIMER).held(), "the deletes of disabled RS are not take-outs");
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3));
    }

    @Test
    void forcingRemovalsLastsOnePassOnly() {
        cluster.service("web", 3, 10);
        Reconciler forced = reconciler(
                new Reconciler.Options(BindingPolicy.allowAll(), DEFAULTS, Networks.ANY, false, false, true, false));
        forced.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 1);
        assertEquals(9, forced.runOnce(StartedBy.TIMER).held());
    }

    @Test
    void aLoadMasterThatDoesNotAnswerIsOneErrLineForAllItsVirtualServices() {
        cluster.service("web", 3, 1).service("api", 4, 1).service("db", 5, 1);
        loadMaster.failNext(
                "listvs",
                new LoadMasterException(
                        "LoadMaster at https://lm could not be reached" + " for listvs (connect timed out)", 0));
        log.clear();
        PassResult r = reconciler().runOnce(StartedBy.TIMER);
        assertEquals(3, r.problems());
        List<String> errs = log.stream().filter(l -> l.startsWith("<3>")).toList();
        assertEquals(
                List.of("<3>[pass #1] LoadMaster at https://lm could not be reached for listvs (connect"
                        + " timed out); so 3 were left unchanged this pass: shop/api, shop/db, shop/web"),
                errs);
        assertEquals(1, loadMaster.calls("listvs"), "one read for all of them");
        assertEquals(0, loadMaster.calls("showvs"));
    }

    @Test
    void aBindingThePolicyForbidsIsNotAppliedAndSaysWhy() {
        cluster.service("web", 3, 2);
        Reconciler agent = reconciler(Reconciler.Options.of(
                new BindingPolicy(List.of(new BindingPolicy.Binding("team-*", java.util.Set.of(VS3)))), DEFAULTS));
        log.clear();
        agent.runOnce(StartedBy.TIMER);
        assertEquals(List.of(), loadMaster.realServers(VS3));
        assertTrue(
                log.contains("<3>[pass #1] shop/web: vsid=\"3\" is not allowed for namespace shop by"
                        + " policy.bindings in agent.yaml (team-* → VS 3), so the Service is not applied; ask NetOps to"
                        + " allow it, or use a Virtual Service the policy gives this namespace"),
                log.toString());
    }

    @Test
    void adoptionTakesOverMatchingRealServersOnTheFirstPassOnly() throws Exception {
        loadMaster.addRealServerByHand(VS3, pod(1));
        loadMaster.addRealServerByHand(VS3, pod(2));
        cluster.service("web", 3, 2);
        Reconciler adopting = reconciler(new Reconciler.Options(
                BindingPolicy.allowAll(),
                DEFAULTS,
                Networks.pods(List.of(kubelmagent.model.Cidr.parse("10.244.1.0/24"))),
                false,
                false,
                false,
                true));
        adopting.runOnce(StartedBy.ONCE);
        assertEquals(
                java.util.Set.of(pod(1), pod(2)), ledger.snapshot().get(VS3).members());
        assertTrue(
                log.stream()
                        .anyMatch(l -> l.startsWith("<5>[pass #1] adopted RS 10.244.1.1:8080 in VS 3" + " (shop/web)")),
                log.toString());
        cluster.service("web", 3, 1);
        adopting.runOnce(StartedBy.TIMER);
        assertFalse(enabled(pod(2)), "an adopted RS is the agent's to take out");
    }

    // ---- issue 10: safety, round two ---------------------------------------------------------------------

    @Test
    void theCapacityGuardRemembersItsPeakAcrossARestart() throws Exception {
        cluster.service("web", 3, 10);
        reconciler().runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 6);
        assertEquals(4, reconciler().runOnce(StartedBy.TIMER).applied(), "4 of 10 is within the limits");
        ledger.close(); // the agent restarts
        ledger = FileOwnershipLedger.open(stateDir);
        clock.now = clock.now.plusSeconds(10);
        cluster.service("web", 3, 2);
        PassResult after = reconciler().runOnce(StartedBy.TIMER);
        assertEquals(4, after.held(), "6 -> 2 is a drop of 8 from the peak of 10 seen 10 s ago");
        assertTrue(enabled(pod(3)));
    }

    @Test
    void aVirtualServiceThatIsGoneForAMomentKeepsItsOwnershipAndIsCleanedUpWhenItComesBack() throws Exception {
        cluster.service("web", 3, 3);
        reconciler().runOnce(StartedBy.TIMER);
        loadMaster.removeVirtualService(VS3); // a configuration restore in progress
        log.clear();
        reconciler().runOnce(StartedBy.TIMER);
        assertEquals(
                java.util.Set.of(pod(1), pod(2), pod(3)),
                ledger.snapshot().get(VS3).members());
        loadMaster.addVirtualService(3, "10.0.0.3", 80); // restored, with its Real Servers
        for (int i = 1; i <= 3; i++) {
            loadMaster.addRealServerByHand(VS3, pod(i));
        }
        cluster.service("web", 3, 1);
        clock.now = clock.now.plusSeconds(10);
        reconciler().runOnce(StartedBy.TIMER);
        clock.now = clock.now.plusSeconds(10);
        reconciler().runOnce(StartedBy.TIMER);
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3), "still the agent's to remove");
    }

    @Test
    void aVirtualServiceUnknownForConfirmationsPassesIsLetGoWithAnErrLine() {
        cluster.service("web", 3, 2);
        reconciler().runOnce(StartedBy.TIMER);
        loadMaster.removeVirtualService(VS3);
        reconciler().runOnce(StartedBy.TIMER);
        clock.now = clock.now.plusSeconds(10);
        log.clear();
        reconciler().runOnce(StartedBy.TIMER);
        assertEquals(null, ledger.snapshot().owned().get(VS3));
        assertTrue(
                log.stream()
                        .anyMatch(l -> l.startsWith("<3>[pass #1] VS 3: no longer tracking 2 Real Server(s), the"
                                + " LoadMaster has had no VS 3 (Unknown VS) in 2 passes in a row over 10 s")),
                log.toString());
    }

    @Test
    void againstALedgerOfAnotherLoadMasterNothingIsTakenOutAndTheErrLineSaysWhatToDo() throws Exception {
        cluster.service("web", 3, 3);
        reconciler().runOnce(StartedBy.TIMER);
        ledger.record(l -> l.withLoadMaster("https://10.0.0.2")); // as if written against another appliance
        cluster.service("web", 3, 1);
        log.clear();
        PassResult r = reconciler().runOnce(StartedBy.TIMER);
        assertEquals(0, loadMaster.calls("modrs"));
        assertEquals(1, r.problems());
        assertTrue(
                log.stream()
                        .anyMatch(l -> l.startsWith("<3>[pass #1] the ownership ledger was written for"
                                + " LoadMaster https://10.0.0.2, but loadmaster.url is now in-memory")),
                log.toString());
        Reconciler adopting = reconciler(new Reconciler.Options(
                BindingPolicy.allowAll(),
                DEFAULTS,
                Networks.pods(List.of(kubelmagent.model.Cidr.parse("10.244.0.0/16"))),
                false,
                false,
                false,
                true));
        assertEquals(2, adopting.runOnce(StartedBy.ONCE).applied(), "--adopt accepts it and the take-outs go on");
        assertFalse(enabled(pod(3)));
    }

    @Test
    void aRealServerAPersonDisabledIsNotEnabledAgainAfterAReadinessBlip() throws Exception {
        cluster.service("web", 3, 2);
        Reconciler agent = reconciler();
        agent.runOnce(StartedBy.TIMER);
        loadMaster.modifyRealServerByHand(VS3, pod(2), false, 1000); // a person is debugging that pod
        cluster.service("web", 3, 1);
        agent.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 2);
        agent.runOnce(StartedBy.TIMER);
        agent.runOnce(StartedBy.TIMER);
        assertFalse(enabled(pod(2)));
        assertEquals(0, loadMaster.calls("modrs"));
    }

    @Test
    void aRestartRightAfterTheDisableDoesNotConfirmTheDelete() throws Exception {
        cluster.service("web", 3, 2);
        reconciler().runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 1);
        reconciler().runOnce(StartedBy.TIMER);
        clock.now = clock.now.plusSeconds(2); // crash loop, or an operator's --once
        reconciler().runOnce(StartedBy.ONCE);
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
        clock.now = clock.now.plusSeconds(8);
        reconciler().runOnce(StartedBy.TIMER);
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3));
    }

    @Test
    void aServiceWhoseEndpointsCannotBeReadDoesNotStopRemovalsElsewhere() throws Exception {
        cluster.service("web", 3, 3).service("api", 4, 2);
        reconciler().runOnce(StartedBy.TIMER);
        cluster.unreadable("api", 4).service("web", 3, 2);
        log.clear();
        PassResult r = reconciler().runOnce(StartedBy.TIMER);
        assertFalse(enabled(pod(3)), "web's gone pod is taken out");
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VirtualServiceId.of(4)));
        assertFalse(r.complete(), "the pass did not read everything");
        assertTrue(
                log.get(log.size() - 1).endsWith("; 1 Service(s) could not be read and were left as they are"),
                log.get(log.size() - 1));
    }

    @Test
    void withNonLocalRealServersOffNoAddIsTriedUntilTheyAreOnAndTheSettingIsCheckedAgain() {
        Reconciler agent = reconciler(
                new Reconciler.Options(BindingPolicy.allowAll(), DEFAULTS, Networks.ANY, true, false, false, false));
        cluster.service("web", 3, 2);
        log.clear();
        agent.runOnce(StartedBy.TIMER);
        assertEquals(0, loadMaster.calls("addrs"));
        assertTrue(
                log.stream()
                        .anyMatch(l -> l.startsWith(
                                "<3>[pass #1] the LoadMaster does not accept non-local Real" + " Servers")),
                log.toString());
        loadMaster.setNonLocalRealServers(true);
        agent.runOnce(StartedBy.TIMER);
        assertEquals(2, loadMaster.calls("addrs"), "read again while off: the agent resumes at once");
        agent.runOnce(StartedBy.TIMER);
        assertEquals(2, loadMaster.calls("get"), "while on, read again only every 5 minutes");
        clock.now = clock.now.plus(Reconciler.NON_LOCAL_CHECK);
        agent.runOnce(StartedBy.TIMER);
        assertEquals(3, loadMaster.calls("get"));
    }

    @Test
    void noAddIsTriedOnATransparentVirtualService() {
        loadMaster.setNonLocalRealServers(true).setTransparent(3, true);
        Reconciler agent = reconciler(
                new Reconciler.Options(BindingPolicy.allowAll(), DEFAULTS, Networks.ANY, true, false, false, false));
        cluster.service("web", 3, 2).service("api", 4, 1);
        agent.runOnce(StartedBy.TIMER);
        assertEquals(List.of(), loadMaster.realServers(VS3));
        assertEquals(List.of(pod(1)), loadMaster.realServers(VirtualServiceId.of(4)));
        assertTrue(
                log.stream().anyMatch(l -> l.contains("shop/web: VS 3 (10.0.0.3:80/tcp) has Transparency on")),
                log.toString());
    }
}
