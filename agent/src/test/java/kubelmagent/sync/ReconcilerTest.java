package kubelmagent.sync;

import static kubelmagent.sync.ScriptedSource.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.loadmaster.LoadMaster;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.log.JournalFormatter;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.DesiredService;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Networks;
import kubelmagent.model.PassResult;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.ownership.OwnershipLedger;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.RemovalPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final VirtualServiceId VS4 = VirtualServiceId.of(4);
    static final Member HAND_MADE = new Member("10.0.9.9", 8080);

    @TempDir
    Path stateDir;

    final ScriptedSource cluster = new ScriptedSource();
    final InMemoryLoadMaster loadMaster = new InMemoryLoadMaster()
            .addVirtualService(3, "10.0.0.100", 80, "tcp", "web")
            .addVirtualService(4, "10.0.0.101", 80, "tcp", "api");
    final List<String> log = new ArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (log) {
                log.add(new JournalFormatter().format(record).strip());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    FileOwnershipLedger ledger;
    Reconciler reconciler;

    /** One-step removal and no guard, for the tests of everything else. */
    static final Reconciler.Options AT_ONCE = Reconciler.Options.of(
            BindingPolicy.allowAll(),
            new RemovalPolicy(
                    Duration.ofSeconds(50), 1, Duration.ZERO, 1.0, Integer.MAX_VALUE, Duration.ofMinutes(10)));

    @BeforeEach
    void setUp() throws IOException {
        ledger = FileOwnershipLedger.open(stateDir);
        Logger.getLogger("kubelmagent").addHandler(capture);
        reconciler = new Reconciler(
                cluster,
                loadMaster,
                ledger,
                Clock.fixed(Instant.parse("2026-11-29T00:00:00Z"), ZoneOffset.UTC),
                AT_ONCE,
                new AgentMetrics("test"));
    }

    @AfterEach
    void tearDown() throws IOException {
        Logger.getLogger("kubelmagent").removeHandler(capture);
        ledger.close();
    }

    @Test
    void followsTheServiceAsItScalesFromThreeToFiveToTwoPods() {
        cluster.service("web", 3, 3);
        assertTrue(reconciler.runOnce(StartedBy.TIMER).converged());
        assertEquals(List.of(pod(1), pod(2), pod(3)), loadMaster.realServers(VS3));

        cluster.service("web", 3, 5);
        PassResult grown = reconciler.runOnce(StartedBy.TIMER);
        assertEquals(2, grown.applied());
        assertEquals(List.of(pod(1), pod(2), pod(3), pod(4), pod(5)), loadMaster.realServers(VS3));

        cluster.service("web", 3, 2);
        PassResult shrunk = reconciler.runOnce(StartedBy.TIMER);
        assertEquals(3, shrunk.applied());
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
        assertEquals(Set.of(pod(1), pod(2)), ledger.snapshot().get(VS3).members());
        assertEquals(ScriptedSource.ref("web"), ledger.snapshot().get(VS3).service());
    }

    @Test
    void aDualStackServiceFeedsAnIpv4VsAndTheIpv6SubVsOfAnIpv6ParentEachWithItsOwnFamily() {
        loadMaster.addVirtualService(5, "fd00:10:244::100", 80, "tcp", "v6").addSubVirtualService(5, 6, "v6-sub");
        Set<Member> dualStack = Set.of(pod(1), new Member("fd00:10:244:0:0:0:0:1", 8080));
        ServiceRef web = ScriptedSource.ref("web");
        cluster.bound(new DesiredService(web, VS3, List.of(new ServicePort("http", 80, "TCP", dualStack))))
                .bound(new DesiredService(
                        web, VirtualServiceId.of(6), List.of(new ServicePort("http", 80, "TCP", dualStack))));

        PassResult pass = reconciler.runOnce(StartedBy.TIMER);

        assertEquals(2, pass.applied());
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3));
        assertEquals(List.of(new Member("fd00:10:244::1", 8080)), loadMaster.realServers(VirtualServiceId.of(6)));
        assertEquals(web, ledger.snapshot().get(VS3).service());
        assertEquals(web, ledger.snapshot().get(VirtualServiceId.of(6)).service());
        assertEquals(0, reconciler.runOnce(StartedBy.TIMER).applied(), "converged");
    }

    @Test
    void logsOneLinePerChangeAndOneSummaryPerPass() {
        cluster.service("web", 3, 1);
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(
                List.of(
                        "<5>[pass #1] added RS 10.244.1.1:8080 to VS 3 (shop/web)",
                        "<6>[pass #1] pass #1 (timer) done in 0 ms (apply 0 ms): 1 Virtual Service(s) bound, 1 change(s)"
                                + " applied, 0 failed, 0 problem(s)"),
                log);
        cluster.delete("web");
        log.clear();
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(
                "<5>[pass #2] removed RS 10.244.1.1:8080 from VS 3 (shop/web): Service no longer bound to VS 3"
                        + " (deleted, unlabelled, or vsid changed)",
                log.get(0));
    }

    @Test
    void doesNothingOnceConverged() {
        cluster.service("web", 3, 3);
        reconciler.runOnce(StartedBy.TIMER);
        int adds = loadMaster.calls("addrs");
        PassResult second = reconciler.runOnce(StartedBy.TIMER);
        assertEquals(0, second.planned());
        assertEquals(adds, loadMaster.calls("addrs"));
        assertEquals(0, loadMaster.calls("delrs"));
    }

    @Test
    void removesWhatItAddedWhenTheServiceIsDeletedOrUnlabelled() {
        cluster.service("web", 3, 2);
        loadMaster.addRealServerByHand(VS3, HAND_MADE);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.delete("web");
        assertTrue(reconciler.runOnce(StartedBy.TIMER).converged());
        assertEquals(List.of(HAND_MADE), loadMaster.realServers(VS3));
        assertEquals(Map.of(), ledger.snapshot().owned());
    }

    @Test
    void reAddsARealServerRemovedByHand() {
        cluster.service("web", 3, 2);
        reconciler.runOnce(StartedBy.TIMER);
        loadMaster.removeRealServerByHand(VS3, pod(2));
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
    }

    @Test
    void neverRemovesARealServerAddedByHand() {
        loadMaster.addRealServerByHand(VS3, HAND_MADE);
        cluster.service("web", 3, 1);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 0);
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(List.of(HAND_MADE), loadMaster.realServers(VS3));
    }

    @Test
    void leavesAVirtualServiceClaimedByTwoServicesAsItIs() {
        cluster.service("web", 3, 1);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 3).service("web-canary", 3, 2);
        log.clear();
        PassResult result = reconciler.runOnce(StartedBy.TIMER);
        assertFalse(result.converged());
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3));
        assertTrue(
                log.contains("<3>[pass #2] shop/web: Services shop/web, shop/web-canary all claim VS 3 (vsid=\"3\");"
                        + " one Virtual Service serves one Service, so none of them is applied and VS 3 is left as it is;"
                        + " give each Service its own Virtual Service"),
                log.toString());
    }

    @Test
    void skipsAServiceWithABadVsidAndKeepsSyncingTheOthers() {
        cluster.service("web", 3, 2).service("api", 4, 1);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.badVsid("web", "three").service("api", 4, 2);
        PassResult result = reconciler.runOnce(StartedBy.TIMER);
        assertFalse(result.converged());
        assertEquals(1, result.problems());
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3), "the skipped Service keeps its RS");
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS4), "the other Service still syncs");
        assertTrue(
                log.contains("<3>[pass #2] shop/web: annotation vsid=\"three\" is not a Virtual Service id"),
                log.toString());
    }

    @Test
    void removesNothingWhileTheKubernetesReadIsIncompleteButStillAdds() {
        cluster.service("web", 3, 3);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 1).service("api", 4, 1).failReads("Kubernetes API answered 500");
        PassResult result = reconciler.runOnce(StartedBy.TIMER);
        assertFalse(result.complete());
        assertEquals(List.of(pod(1), pod(2), pod(3)), loadMaster.realServers(VS3));
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS4));
        assertTrue(
                log.get(log.size() - 1).endsWith("; Kubernetes read incomplete, so nothing was removed"),
                log.toString());
        assertTrue(log.get(log.size() - 1).startsWith("<4>"), "an incomplete pass is a warning: " + log);

        cluster.healReads();
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3));
    }

    @Test
    void logsAnOngoingProblemOnceEveryTenMinutesAndWhenItIsResolved() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T00:00:00Z"));
        Reconciler r = new Reconciler(cluster, loadMaster, ledger, clock, AT_ONCE, new AgentMetrics("test"));
        cluster.service("web", 3, 1).badVsid("api", "four");
        String problem = "shop/api: annotation vsid=\"four\" is not a Virtual Service id";
        r.runOnce(StartedBy.TIMER);
        clock.advance(java.time.Duration.ofMinutes(9));
        r.runOnce(StartedBy.TIMER);
        clock.advance(java.time.Duration.ofMinutes(1));
        r.runOnce(StartedBy.TIMER);
        cluster.service("api", 4, 1);
        r.runOnce(StartedBy.TIMER);
        assertEquals(
                List.of(
                        "<3>[pass #1] " + problem,
                        "<3>[pass #3] " + problem + " (still, since earlier passes)",
                        "<5>[pass #4] resolved: " + problem),
                log.stream()
                        .filter(l -> l.contains("shop/api") && !l.contains("added RS") && !l.startsWith("<7>"))
                        .toList(),
                "debug lines repeat it every pass; they show only with --debug");
        assertTrue(
                log.stream()
                        .anyMatch(
                                l -> l.startsWith("<4>[pass #2] pass #2 (timer) done") && l.contains(", 1 problem(s)")),
                "every pass still counts it: " + log);
    }

    @Test
    void logsProgressAtMostEveryFiveSecondsOfALongApplyAndHowLongTheApplyTook() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T00:00:00Z"));
        LoadMaster slow = new ForwardingLoadMaster(loadMaster) { // each write takes 100 ms
                    @Override
                    public void addRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
                        clock.advance(Duration.ofMillis(100));
                        if (member.equals(pod(1)) || member.equals(pod(10))) { // the first two, in address order
                            throw new LoadMasterException("addrs vs=3 rs=" + member + ": LoadMaster answered 500", 500);
                        }
                        super.addRealServer(vs, member);
                    }
                };
        cluster.service("web", 3, 200);
        new Reconciler(cluster, slow, ledger, clock, AT_ONCE, new AgentMetrics("test")).runOnce(StartedBy.TIMER);
        assertEquals(
                List.of(
                        "<6>[pass #1] applying 200 changes",
                        "<6>[pass #1] applying: 50 of 200 changes, 2 failed, about 15 s left",
                        "<6>[pass #1] applying: 100 of 200 changes, 2 failed, about 10 s left",
                        "<6>[pass #1] applying: 150 of 200 changes, 2 failed, about 5 s left"),
                log.stream().filter(l -> l.contains("applying")).toList());
        assertTrue(
                log.get(log.size() - 1)
                        .startsWith("<4>[pass #1] pass #1 (timer) done in 20000 ms (apply 20000 ms):"
                                + " 1 Virtual Service(s) bound, 198 change(s) applied, 2 failed"),
                log.get(log.size() - 1));
    }

    @Test
    void leavesAMissingVirtualServiceAloneAndNamesTheService() {
        cluster.service("web", 7, 2);
        PassResult result = reconciler.runOnce(StartedBy.TIMER);
        assertEquals(0, loadMaster.calls("addrs"));
        assertEquals(1, result.problems());
        assertTrue(
                log.contains("<3>[pass #1] shop/web: vsid=\"7\" but the LoadMaster has no VS 7 (Unknown VS); the"
                        + " agent never creates Virtual Services: ask NetOps to create it, or set vsid to the Id of an existing"
                        + " one"),
                log.toString());
    }

    @Test
    void refusesAParentVirtualServiceWithSubVirtualServices() {
        loadMaster.addVirtualService(5, "10.0.0.105", 80, "tcp", "parent").addSubVirtualService(5, 6, "a");
        cluster.service("web", 5, 1);
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(0, loadMaster.calls("addrs"));
    }

    @Test
    void forgetsAnAddTheLoadMasterRefusedSoItNeverClaimsIt() {
        cluster.service("web", 3, 1);
        loadMaster.failNext(
                "addrs",
                new LoadMasterException(
                        "addrs vs=3 rs=10.244.1.1:8080: LoadMaster answered 422" + " \"Real Server already exists\"",
                        422));
        PassResult result = reconciler.runOnce(StartedBy.TIMER);
        assertEquals(1, result.failed());
        assertEquals(Map.of(), ledger.snapshot().owned());
        assertTrue(
                log.contains("<3>[pass #1] could not add RS 10.244.1.1:8080 to VS 3 (shop/web): addrs vs=3"
                        + " rs=10.244.1.1:8080: LoadMaster answered 422 \"Real Server already exists\""),
                log.toString());
    }

    @Test
    void keepsOwnershipWhenTheLoadMasterRefusesAnAddOfARealServerItHoldsAfterAll() {
        cluster.service("web", 3, 1);
        loadMaster.failNextAfterApplying(
                "addrs",
                new LoadMasterException(
                        "addrs vs=3 rs=10.244.1.1:8080: LoadMaster" + " answered 422 \"Real Server already exists\"",
                        422)); // e.g. a read that lagged behind an add
        PassResult result = reconciler.runOnce(StartedBy.TIMER);
        assertEquals(0, result.failed());
        assertEquals(Set.of(pod(1)), ledger.snapshot().get(VS3).members());
        assertTrue(
                log.contains("<5>[pass #1] RS 10.244.1.1:8080 is already in VS 3 (shop/web): the LoadMaster refused"
                        + " the add (addrs vs=3 rs=10.244.1.1:8080: LoadMaster answered 422 \"Real Server already exists\")"
                        + " but holds it, so the agent keeps it as its own"),
                log.toString());
        cluster.service("web", 3, 0);
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(List.of(), loadMaster.realServers(VS3), "so it is removed when its pod goes");
    }

    @Test
    void keepsOwnershipWhenAnAddTimedOutAfterTheLoadMasterAppliedIt() {
        cluster.service("web", 3, 1);
        loadMaster.failNextAfterApplying(
                "addrs", new LoadMasterException("addrs vs=3 rs=10.244.1.1:8080: no answer" + " from LoadMaster", 0));
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3));
        assertEquals(Set.of(pod(1)), ledger.snapshot().get(VS3).members());
        cluster.delete("web");
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(List.of(), loadMaster.realServers(VS3), "the RS it may have created is still its own to remove");
    }

    @Test
    void retriesAFailedRemovalOnTheNextPass() {
        cluster.service("web", 3, 2);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 1);
        loadMaster.failNext(
                "delrs", new LoadMasterException("delrs vs=3 rs=10.244.1.2:8080: LoadMaster answered 500", 500));
        assertEquals(1, reconciler.runOnce(StartedBy.TIMER).failed());
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
        assertTrue(reconciler.runOnce(StartedBy.TIMER).converged());
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3));
    }

    @Test
    void leavesAVirtualServiceItCannotReadUnchanged() {
        cluster.service("web", 3, 2);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.service("web", 3, 0);
        loadMaster.failNext("listvs", new LoadMasterException("listvs: LoadMaster answered 500", 500));
        PassResult result = reconciler.runOnce(StartedBy.TIMER);
        assertEquals(0, result.planned());
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
    }

    @Test
    void asksALoadMasterThatDoesNotAnswerOncePerPass() {
        cluster.service("web", 3, 1).service("api", 4, 1);
        loadMaster.failNext(
                "listvs",
                new LoadMasterException(
                        "listvs: no answer from LoadMaster"
                                + " https://10.0.0.2 (SocketTimeoutException: Read timed out)",
                        0));
        PassResult result = reconciler.runOnce(StartedBy.TIMER);
        assertEquals(1, loadMaster.calls("listvs"), "one timeout per pass, not one per VS");
        assertEquals(0, loadMaster.calls("showvs"));
        assertEquals(0, loadMaster.calls("addrs"));
        assertEquals(2, result.problems());
        assertTrue(
                log.contains(
                        "<3>[pass #1] listvs: no answer from LoadMaster https://10.0.0.2"
                                + " (SocketTimeoutException: Read timed out); so 2 were left unchanged this pass: shop/api, shop/web"),
                log.toString());
    }

    @Test
    void changesNothingInADryRun() throws IOException {
        cluster.service("web", 3, 2);
        Reconciler dryRun = new Reconciler(
                cluster,
                loadMaster,
                FileOwnershipLedger.readOnly(stateDir),
                Clock.systemUTC(),
                new Reconciler.Options(
                        BindingPolicy.allowAll(),
                        RemovalPolicy.defaults(Duration.ofSeconds(10)),
                        Networks.ANY,
                        false,
                        true,
                        false,
                        false),
                new AgentMetrics("test"));
        PassResult result = dryRun.runOnce(StartedBy.ONCE);
        assertEquals(2, result.planned());
        assertEquals(0, result.applied());
        assertTrue(result.converged(), "a clean dry run would converge");
        assertEquals(List.of(), loadMaster.realServers(VS3));
        assertEquals(0, loadMaster.calls("addrs"));
        assertTrue(
                log.contains("<5>[pass #1] dry run: would add RS 10.244.1.1:8080 to VS 3 (shop/web)"), log.toString());
    }

    @Test
    void writesTheLedgerOnceForAllTheAddsOfAVirtualServiceNotOncePerAdd() throws IOException {
        WriteCounting counting = new WriteCounting(ledger);
        cluster.service("web", 3, 5);
        PassResult first = passWith(counting);
        assertEquals(5, first.applied());
        assertEquals(
                List.of(Set.of(pod(1), pod(2), pod(3), pod(4), pod(5))),
                counting.writes.stream().map(l -> l.get(VS3).members()).toList(),
                "one write, before any addrs");
        assertEquals(List.of(pod(1), pod(2), pod(3), pod(4), pod(5)), loadMaster.realServers(VS3));
    }

    private PassResult passWith(OwnershipLedger counting) {
        return new Reconciler(
                        cluster,
                        loadMaster,
                        counting,
                        Clock.fixed(Instant.parse("2026-11-29T00:00:00Z"), ZoneOffset.UTC),
                        AT_ONCE,
                        new AgentMetrics("test"))
                .runOnce(StartedBy.TIMER);
    }

    /** A ledger that keeps what each write that changed something left behind. */
    static final class WriteCounting implements OwnershipLedger {
        final List<Ledger> writes = new ArrayList<>();
        private final OwnershipLedger ledger;

        WriteCounting(OwnershipLedger ledger) {
            this.ledger = ledger;
        }

        @Override
        public Ledger snapshot() {
            return ledger.snapshot();
        }

        @Override
        public void record(UnaryOperator<Ledger> transition) throws IOException {
            Ledger before = ledger.snapshot();
            ledger.record(transition);
            if (!ledger.snapshot().equals(before)) {
                writes.add(ledger.snapshot());
            }
        }
    }

    /** A first pass over two VSs: their identities, owners and adds written ahead, in one write (one fsync). */
    @Test
    void recordsAllTheLedgerStepsThatOpenAPlanInOneWrite() throws IOException {
        WriteCounting counting = new WriteCounting(ledger);
        List<Ledger> writes = counting.writes;
        cluster.service("web", 3, 3);
        cluster.service("api", 4, 2);

        PassResult first = passWith(counting);

        assertEquals(5, first.applied());
        assertEquals(0, loadMaster.calls("addrs") - 5, "five adds");
        assertEquals(1, writes.size(), "one write before the first addrs, none after: " + writes);
        Ledger written = writes.get(0);
        assertEquals(Set.of(pod(1), pod(2), pod(3)), written.get(VS3).members());
        assertEquals(Set.of(pod(1), pod(2)), written.get(VS4).members());
        assertEquals(written, ledger.snapshot(), "the adds themselves recorded nothing new");
    }

    @Test
    void recoversFromACrashBetweenRecordingAndAdding() throws IOException {
        ledger.update(VS3, o -> o.withMember(ScriptedSource.ref("web"), pod(1))); // written ahead, then the agent died
        cluster.service("web", 3, 1);
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(List.of(pod(1)), loadMaster.realServers(VS3));
        ledger.update(VS3, o -> o.withMember(ScriptedSource.ref("web"), pod(7))); // the same, for a pod gone since
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(Set.of(pod(1)), ledger.snapshot().get(VS3).members());
    }

    @Test
    void movesRealServersWhenTheServiceIsPointedAtAnotherVirtualService() {
        cluster.service("web", 3, 2);
        reconciler.runOnce(StartedBy.TIMER);
        cluster.service("web", 4, 2);
        reconciler.runOnce(StartedBy.TIMER);
        assertEquals(List.of(), loadMaster.realServers(VS3));
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS4));
    }
}
