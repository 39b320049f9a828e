package kubelmagent.sync;

import static kubelmagent.sync.ScriptedSource.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.loadmaster.LoadMaster;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.loadmaster.VirtualServiceList;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.CurrentState;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Networks;
import kubelmagent.model.PassResult;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.RemovalPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pass reads the LoadMaster once, with {@code listvs}: a VS the list leaves out is missing, as an
 * {@code Unknown VS} answer to {@code showvs} said before, and a list that could not be had makes nothing
 * look missing and changes nothing. With the agent's default safety rules and a real ledger file.
 */
class OneReadPerPassTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final VirtualServiceId VS4 = VirtualServiceId.of(4);
    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final List<String> WRITES = List.of("addrs", "delrs", "modrs");

    @TempDir
    Path stateDir;

    final ScriptedSource cluster = new ScriptedSource();
    final InMemoryLoadMaster loadMaster = new InMemoryLoadMaster()
            .addVirtualService(3, "10.0.0.3", 80)
            .addVirtualService(4, "10.0.0.4", 80)
            .addVirtualService(5, "10.0.0.5", 80); // nobody's: read with the others, never looked at
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T06:00:00Z"));
    FileOwnershipLedger ledger;

    @BeforeEach
    void setUp() throws IOException {
        ledger = FileOwnershipLedger.open(stateDir);
    }

    @AfterEach
    void tearDown() throws IOException {
        ledger.close();
    }

    Reconciler reconciler(LoadMaster lm, boolean nonLocal) {
        return new Reconciler(
                cluster,
                lm,
                ledger,
                clock,
                new Reconciler.Options(
                        BindingPolicy.allowAll(),
                        RemovalPolicy.defaults(INTERVAL),
                        Networks.ANY,
                        nonLocal,
                        false,
                        false,
                        false),
                new AgentMetrics("test"));
    }

    Reconciler reconciler() {
        return reconciler(loadMaster, false);
    }

    /** The calls of each command so far. */
    Map<String, Integer> calls() {
        Map<String, Integer> calls = new HashMap<>();
        for (String command : InMemoryLoadMaster.COMMANDS) {
            calls.put(command, loadMaster.calls(command));
        }
        return calls;
    }

    /** The calls of each command since {@code before}, commands not called left out. */
    Map<String, Integer> callsSince(Map<String, Integer> before) {
        Map<String, Integer> since = new HashMap<>();
        calls().forEach((command, n) -> {
            if (n > before.get(command)) {
                since.put(command, n - before.get(command));
            }
        });
        return since;
    }

    @Test
    void aSteadyPassMakesOneListvsAndNoShowvs() {
        cluster.service("web", 3, 3).service("api", 4, 2);
        Reconciler agent = reconciler();
        Map<String, Integer> before = calls();
        assertTrue(agent.runOnce(StartedBy.TIMER).converged());
        assertEquals(Map.of("listvs", 1, "addrs", 5), callsSince(before), "the first pass: one read, five adds");
        for (int pass = 0; pass < 3; pass++) {
            clock.now = clock.now.plus(INTERVAL);
            before = calls();
            PassResult steady = agent.runOnce(StartedBy.TIMER);
            assertTrue(steady.converged());
            assertEquals(0, steady.planned());
            assertEquals(Map.of("listvs", 1), callsSince(before));
        }
    }

    @Test
    void asksNothingWhenNoVirtualServiceIsBoundOrOwned() {
        Map<String, Integer> before = calls();
        assertTrue(reconciler().runOnce(StartedBy.TIMER).converged());
        assertEquals(Map.of(), callsSince(before));
    }

    @Test
    void aVirtualServiceLeftOutOfASuccessfulListIsMissingAndReleasedOnlyAfterThePlannersConfirmations() {
        cluster.service("web", 3, 2);
        Reconciler agent = reconciler();
        agent.runOnce(StartedBy.TIMER);
        Set<Member> added = Set.of(pod(1), pod(2));
        assertEquals(added, ledger.snapshot().get(VS3).members());

        loadMaster.removeVirtualService(VS3); // NetOps deletes it: listvs leaves it out
        CurrentState seen = agent.inspect().current();
        assertEquals(Set.of(VS3), seen.missing());
        assertEquals(Map.of(), seen.unreadable());
        assertEquals(Set.of(), seen.virtualServices().keySet(), "only what the pass needs, not VS 4 and 5");

        int passes = 0;
        while (!ledger.snapshot().get(VS3).members().isEmpty() && passes < 20) {
            Map<String, Integer> before = calls();
            agent.runOnce(StartedBy.TIMER);
            passes++;
            assertEquals(Map.of("listvs", 1), callsSince(before), "never a showvs, never a write");
            clock.now = clock.now.plus(INTERVAL);
        }
        assertTrue(passes > 1, "one list without the VS lets go of nothing (" + passes + " passes)");
        assertTrue(passes < 20, "the ledger lets go once the planner has seen the VS missing often enough");
    }

    @Test
    void aFailedListvsRemovesNothingAndChangesNothing() throws IOException {
        cluster.service("web", 3, 3).service("api", 4, 2);
        Reconciler agent = reconciler();
        agent.runOnce(StartedBy.TIMER);
        Ledger converged = ledger.snapshot();
        cluster.service("web", 3, 1).delete("api"); // a pass that could read would take out four
        clock.now = clock.now.plus(INTERVAL);

        for (LoadMasterException failure : List.of(
                new LoadMasterException("listvs: no answer from LoadMaster https://10.0.0.2 (EOFException)", 0),
                new LoadMasterException("listvs: LoadMaster answered 401 Unauthorized: check the API key", 401),
                new LoadMasterException("listvs: LoadMaster answered 500 \"Internal error\"", 500),
                new LoadMasterException(
                        "listvs: LoadMaster sent a response that is not a LoadMaster XML envelope (malformed XML: ...)",
                        0))) {
            loadMaster.failNext("listvs", failure);
            Map<String, Integer> before = calls();
            PassResult r = agent.runOnce(StartedBy.TIMER);
            assertEquals(0, r.planned(), failure.getMessage());
            assertEquals(Map.of("listvs", 1), callsSince(before), failure.getMessage());
            assertEquals(converged.owned(), ledger.snapshot().owned(), failure.getMessage());
            assertEquals(List.of(pod(1), pod(2), pod(3)), loadMaster.realServers(VS3));
            assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS4));
            loadMaster.failNext("listvs", failure);
            CurrentState seen = agent.inspect().current();
            assertEquals(Set.of(), seen.missing(), "a list that could not be had makes nothing look missing");
            assertEquals(Map.of(VS3, failure.getMessage(), VS4, failure.getMessage()), seen.unreadable());
        }
    }

    @Test
    void aFailedListvsSkipsTheNonLocalCheck() {
        loadMaster.setNonLocalRealServers(false); // read again every pass while off
        cluster.service("web", 3, 1);
        Reconciler agent = reconciler(loadMaster, true);
        agent.runOnce(StartedBy.TIMER);
        assertEquals(1, loadMaster.calls("get"));
        loadMaster.failNext("listvs", new LoadMasterException("listvs: LoadMaster answered 500", 500));
        agent.runOnce(StartedBy.TIMER);
        assertEquals(1, loadMaster.calls("get"), "not asked while the LoadMaster cannot be read");
        agent.runOnce(StartedBy.TIMER);
        assertEquals(2, loadMaster.calls("get"));
    }

    @Test
    void aVirtualServiceTheListHoldsButTheAgentCannotReadIsLeftAloneAndTheOthersAreServed() {
        String why = "listvs: LoadMaster sent VS 4 in a form the agent cannot read (<VSPort> is not a number)";
        LoadMaster oddVs4 = new ForwardingLoadMaster(loadMaster) {
            @Override
            public VirtualServiceList listVirtualServices() throws LoadMasterException {
                Map<VirtualServiceId, VirtualService> read =
                        new HashMap<>(super.listVirtualServices().virtualServices());
                read.remove(VS4);
                return new VirtualServiceList(read, Map.of(VS4, why));
            }
        };
        cluster.service("web", 3, 2).service("api", 4, 2);
        Reconciler agent = reconciler(oddVs4, false);
        PassResult r = agent.runOnce(StartedBy.TIMER);
        assertEquals(2, r.applied());
        assertEquals(List.of(pod(1), pod(2)), loadMaster.realServers(VS3));
        assertEquals(List.of(), loadMaster.realServers(VS4));
        CurrentState seen = agent.inspect().current();
        assertEquals(Map.of(VS4, why), seen.unreadable());
        assertEquals(Set.of(), seen.missing());
    }
}
