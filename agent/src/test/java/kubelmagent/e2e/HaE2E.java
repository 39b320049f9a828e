package kubelmagent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.ownership.LedgerJson;
import kubelmagent.simulator.SimRealServer;
import kubelmagent.simulator.Write;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two agents with {@code ha}, end to end: {@code agent-a} and {@code agent-b}, each its own process with its own
 * LoadMaster credential (the simulator's write journal tells their writes apart), state directory and metrics port,
 * the same ServiceAccount with the shipped {@code conf/rbac.yaml} and {@code conf/rbac-ha.yaml}, the shipped Lease and
 * ledger names. The active one is killed, paused past its lease, or cut off from the API server; the other takes over
 * in time, the VS ends up holding exactly the ready endpoints and the hand-made Real Server, and the one that lost the
 * Lease writes nothing to the LoadMaster after the take-over.
 *
 * <p>Every test starts from no Lease and no ledger: they are deleted as the cluster's admin before and after each.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class HaE2E {

    static final int VS = 1;
    static final String HAND_MADE = ServiceModeE2E.HAND_MADE;
    static final String NAMESPACE = AgentIdentity.NAMESPACE;
    static final String LEASE = "kube-lm-agent";
    static final String LEDGER = "kube-lm-agent-ledger";
    static final String LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/" + NAMESPACE + "/leases/" + LEASE;
    static final String CONFIG_MAPS = "/api/v1/namespaces/" + NAMESPACE + "/configmaps";

    static final String A = "agent-a";
    static final String B = "agent-b";
    static final Map<String, String> KEYS = Map.of(A, "e2e-ha-key-a-3f81", B, "e2e-ha-key-b-92c4");

    static final Duration LEASE_DURATION = Duration.ofSeconds(6);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(4);
    static final Duration RETRY_PERIOD = Duration.ofSeconds(1);
    static final Duration INTERVAL = Duration.ofSeconds(2);
    /** The simulator's delay of every API call while an apply is to be slow: 40 adds take about 10 s. */
    static final Duration LATENCY = Duration.ofMillis(250);

    /**
     * What a take-over may take beyond {@code leaseDuration + sync.interval}: the standby agent measures the lease
     * from when it first sees the last renewal, up to one jittered retry period (1.2 × retryPeriod) after it was made,
     * and takes the Lease at its next round, up to another one after it ran out; then its first writing pass makes
     * up to three calls the simulator delays by {@link #LATENCY} (the end of a standby pass under way, {@code listvs},
     * the first {@code addrs}); and half a second for the JVMs and the API server sharing two CPUs.
     */
    static final Duration SLACK = RETRY_PERIOD
            .multipliedBy(12)
            .dividedBy(10)
            .multipliedBy(2)
            .plus(LATENCY.multipliedBy(3))
            .plusMillis(500);

    static final Duration TAKE_OVER = LEASE_DURATION.plus(INTERVAL).plus(SLACK);

    /** The lines of an agent that stopped writing because it lost the Lease (any of them). */
    static final List<String> STOPPED_WRITING = List.of(
            "this agent stops writing to the LoadMaster now",
            "was taken over by",
            "this agent does not hold the Lease",
            "this agent no longer holds the Lease");

    static final List<String> RS_CHANGES =
            List.of("] added RS ", "] removed RS ", "] disabled RS ", "] re-enabled RS ");

    static RealCluster cluster;
    static String token;

    @TempDir
    Path dir;

    @BeforeAll
    static void realClusterAndTheAgentsIdentityWithTheHaRole() throws Exception {
        cluster = RealCluster.get();
        token = AgentIdentity.applyShippedHaManifests(cluster.admin);
    }

    @BeforeEach
    @AfterEach
    void noLeaseAndNoLedger() {
        deleteIfThere(LEASE_PATH);
        deleteIfThere(CONFIG_MAPS + "/" + LEDGER);
        for (int i = 1; i <= 9; i++) {
            deleteIfThere(CONFIG_MAPS + "/" + LEDGER + "-" + i);
        }
        deleteIfThere(CONFIG_MAPS + "/other");
    }

    /**
     * agent-a applies 40 adds, slowly (every LoadMaster call delayed 250 ms); after some of them it is killed with
     * SIGKILL. agent-b takes over within leaseDuration + one interval (+ {@link #SLACK}) and makes the rest: the VS
     * holds each ready endpoint once and the hand-made Real Server, nothing else; the ledger names exactly the
     * agents' Real Servers; no write touched the hand-made one.
     */
    @Test
    void whenTheActiveAgentIsKilledDuringALargeApplyTheOtherTakesOverInTimeAndConvergesWithoutDuplicatesOrOrphans()
            throws Exception {
        try (Scenario s = scenario("ha-kill")) {
            List<String> ready = readyUnlabelledService(s, 40);
            Pair pair = startPair(s, cluster.server);
            s.loadMaster.engine().faults().latency(LATENCY);
            s.label("web", "kempLB", "Enabled");

            pair.a.await(
                    () -> "agent-a to make 8 adds (journal: " + applied(s, A) + ")",
                    () -> applied(s, A) >= 8,
                    Scenario.CONVERGE);
            Instant killed = Instant.now();
            pair.a.kill();
            int byA = applied(s, A);
            assertTrue(byA < ready.size(), "agent-a was killed after " + byA + " of " + ready.size() + " adds");
            assertEquals(List.of(), writesBy(s, B), "agent-b wrote nothing while agent-a held the Lease");

            pair.b.await(() -> "agent-b to write", () -> !writesBy(s, B).isEmpty(), Scenario.CONVERGE);
            Instant firstByB = writesBy(s, B).get(0).at();
            s.awaitRealServers(pair.b, VS, Scenario.plus(ready, HAND_MADE));
            Instant converged = Instant.now();
            Duration takeOver = Duration.between(killed, firstByB);
            System.out.println("HaE2E take-over: kill -9 of agent-a after " + byA + " of " + ready.size()
                    + " adds; kill -> first write by agent-b " + takeOver.toMillis() + " ms, kill -> converged "
                    + Duration.between(killed, converged).toMillis() + " ms (bound for the first write "
                    + TAKE_OVER.toMillis() + " ms = leaseDuration " + LEASE_DURATION.toMillis() + " + interval "
                    + INTERVAL.toMillis() + " + slack " + SLACK.toMillis() + ")");
            assertTrue(
                    takeOver.compareTo(TAKE_OVER) <= 0,
                    "agent-b took over " + takeOver.toMillis() + " ms after the kill, more than "
                            + TAKE_OVER.toMillis());
            assertTrue(
                    pair.b.lines().stream().anyMatch(l -> l.contains(tookTheLease(B))),
                    "agent-b logged that it took the Lease");

            assertNoDuplicatesNoOrphans(s, ready);
            assertHandMadeUntouched(s);
        }
    }

    /**
     * agent-a is paused (SIGSTOP) while it applies 20 slow adds, past its lease; agent-b takes the Lease, finishes
     * the apply and follows a scale-up. agent-a then goes on (SIGCONT) for a few intervals while the Deployment is
     * scaled down: the journal holds no write with agent-a's credential after agent-b took over, agent-a's log says it
     * stopped writing and shows no Real Server change, and the VS converges without duplicates or orphans.
     */
    @Test
    void whenTheActiveAgentIsPausedPastItsLeaseItWritesNothingAfterTheOtherTookOver() throws Exception {
        try (Scenario s = scenario("ha-stop")) {
            List<String> ready = readyUnlabelledService(s, 20);
            Pair pair = startPair(s, cluster.server);
            s.loadMaster.engine().faults().latency(LATENCY);
            s.label("web", "kempLB", "Enabled");

            pair.a.await(
                    () -> "agent-a to make 5 adds (journal: " + applied(s, A) + ")",
                    () -> applied(s, A) >= 5,
                    Scenario.CONVERGE);
            int aMark = pair.a.mark();
            Instant stopped = Instant.now();
            pair.a.signal("STOP");
            try {
                int bMark = pair.b.mark();
                awaitLine(pair.b, bMark, l -> l.contains(tookTheLease(B)), Scenario.CONVERGE);
                Instant bTook = Instant.now();
                s.awaitRealServers(pair.b, VS, Scenario.plus(ready, HAND_MADE));
                s.loadMaster.engine().faults().latency(Duration.ZERO);
                s.scale("web", 24);
                ready = s.awaitReadyEndpoints("web", 24);
                s.awaitRealServers(pair.b, VS, Scenario.plus(ready, HAND_MADE));
                System.out.println("HaE2E take-over: SIGSTOP of agent-a -> agent-b's \"took the Lease\" seen after "
                        + Duration.between(stopped, bTook).toMillis() + " ms");
            } finally {
                pair.a.signal("CONT");
            }
            Instant continued = Instant.now();
            // Let agent-a run: first its own lines about the lost Lease, then standby passes while there is work.
            awaitLine(pair.a, aMark, HaE2E::stoppedWriting, Scenario.CONVERGE);
            s.scale("web", 18);
            ready = s.awaitReadyEndpoints("web", 18);
            s.awaitRealServers(pair.b, VS, Scenario.plus(ready, HAND_MADE));
            awaitLines(pair.a, aMark, l -> l.contains("standby, done"), 3, Scenario.CONVERGE);

            Instant takeOver = writesBy(s, B).get(0).at();
            List<Write> byA = writesBy(s, A);
            Instant lastByA = byA.get(byA.size() - 1).at();
            long after = byA.stream().filter(w -> w.at().isAfter(takeOver)).count();
            String acquired = leaseSpec().has("acquireTime")
                    ? leaseSpec().get("acquireTime").getAsString()
                    : "?";
            System.out.println("HaE2E fencing (SIGSTOP): agent-a's last write " + lastByA + ", agent-b's first write "
                    + takeOver + " (Lease acquireTime " + acquired + "), SIGSTOP at " + stopped + ", SIGCONT at "
                    + continued + "; agent-a's writes"
                    + " after the take-over: " + after);
            assertEquals(0, after, "agent-a wrote after agent-b took over: " + byA);

            List<String> aLines = pair.a.linesSince(aMark);
            assertTrue(aLines.stream().anyMatch(HaE2E::stoppedWriting), "agent-a said it stopped writing: " + aLines);
            // The one exception: the add whose request was on its way when SIGSTOP came. The simulator applied it
            // during the pause, before the take-over (the journal says so); agent-a logs it once it runs again. Its
            // single apply thread for the one VS has at most one call in flight.
            List<String> changes = rsChanges(aLines);
            Set<String> beforeTakeOver = byA.stream()
                    .filter(w -> w.applied() && !w.at().isAfter(takeOver))
                    .map(Write::realServer)
                    .collect(Collectors.toSet());
            System.out.println(
                    "HaE2E fencing (SIGSTOP): agent-a's Real Server changes logged after SIGSTOP: " + changes);
            assertTrue(changes.size() <= 1, "agent-a logged Real Server changes after SIGCONT: " + changes);
            for (String change : changes) {
                String rs = change.replaceAll(".* RS (\\S+) .*", "$1");
                assertTrue(
                        beforeTakeOver.contains(rs),
                        "agent-a logged \"" + change + "\" after SIGCONT, and the journal has no write of it by"
                                + " agent-a before the take-over: " + byA);
            }
            assertTrue(pair.a.isAlive(), "agent-a still runs");
            assertNoDuplicatesNoOrphans(s, ready);
            assertHandMadeUntouched(s);
        }
    }

    /**
     * agent-a reaches the API server through a front the test cuts; agent-b directly. Cut while agent-a holds the
     * Lease: agent-a says it stops writing, agent-b takes over within leaseDuration + one interval and follows a
     * scale-up, and agent-a writes nothing after its renewDeadline. Restored, agent-a runs standby passes and still
     * writes nothing.
     */
    @Test
    void whenOnlyTheHolderLosesTheApiServerItStopsWritingAndTheOtherTakesOver() throws Exception {
        try (Scenario s = scenario("ha-cut");
                TcpFront front = new TcpFront(cluster.server)) {
            s.deployment("web", 4);
            s.service("web", Integer.toString(VS), "http");
            List<String> ready = s.awaitReadyEndpoints("web", 4);
            Pair pair = startPair(s, front.url());
            s.awaitRealServers(pair.a, VS, Scenario.plus(ready, HAND_MADE));

            int aMark = pair.a.mark();
            int bMark = pair.b.mark();
            Instant cut = Instant.now();
            front.cut();
            awaitLine(
                    pair.a,
                    aMark,
                    l -> l.contains("this agent stops writing to the LoadMaster now"),
                    Scenario.CONVERGE);
            Duration aStopped = Duration.between(cut, Instant.now());
            awaitLine(pair.b, bMark, l -> l.contains(tookTheLease(B)), Scenario.CONVERGE);
            Duration bTook = Duration.between(cut, Instant.now());
            System.out.println("HaE2E take-over: API server cut for agent-a -> agent-a stopped writing after "
                    + aStopped.toMillis() + " ms, agent-b's \"took the Lease\" seen after " + bTook.toMillis()
                    + " ms (bound "
                    + LEASE_DURATION.plus(INTERVAL).plusMillis(500).toMillis() + " ms)");
            // No LoadMaster latency here: leaseDuration + one interval, as measured by the line's arrival, and half a
            // second for two JVMs and the API server on two CPUs (agent-a's last renewal may come up to a retry period
            // before the cut, agent-b sees it up to 1.2 retry periods later, and takes at most 1.2 after expiry).
            assertTrue(
                    bTook.compareTo(LEASE_DURATION.plus(INTERVAL).plusMillis(500)) <= 0,
                    "agent-b took the Lease " + bTook.toMillis() + " ms after the cut");
            assertTrue(
                    aStopped.compareTo(RENEW_DEADLINE.plus(RETRY_PERIOD.multipliedBy(2))) <= 0,
                    "agent-a said it stopped writing " + aStopped.toMillis() + " ms after the cut");

            s.scale("web", 6);
            ready = s.awaitReadyEndpoints("web", 6);
            s.awaitRealServers(pair.b, VS, Scenario.plus(ready, HAND_MADE));
            Instant fence = cut.plus(RENEW_DEADLINE);
            assertEquals(
                    List.of(),
                    writesBy(s, A).stream().filter(w -> w.at().isAfter(fence)).toList(),
                    "agent-a wrote after its renewDeadline from the cut");

            int restoredMark = pair.a.mark();
            Instant restored = Instant.now();
            front.restore();
            // Standby passes again; the first may still name agent-a as the holder (what agent-a last read of the
            // Lease before the cut), a later one names agent-b once agent-a has read the Lease again.
            awaitLine(
                    pair.a,
                    restoredMark,
                    l -> l.contains("standby, done") && l.contains("is held by " + B + ")"),
                    Scenario.CONVERGE);
            awaitLines(pair.a, restoredMark, l -> l.contains("standby, done"), 3, Scenario.CONVERGE);
            List<Write> byA = writesBy(s, A);
            System.out.println("HaE2E fencing (cut): agent-a's last write "
                    + byA.get(byA.size() - 1).at() + ", cut at "
                    + cut + ", restored at " + restored + "; agent-a's writes after the cut: "
                    + byA.stream().filter(w -> w.at().isAfter(cut)).count());
            assertEquals(
                    List.of(),
                    writesBy(s, A).stream().filter(w -> w.at().isAfter(fence)).toList(),
                    "agent-a wrote after its renewDeadline from the cut, or after the front was restored");
            assertEquals(
                    List.of(), rsChanges(pair.a.linesSince(aMark)), "agent-a changed no Real Server after the cut");
            assertNoDuplicatesNoOrphans(s, ready);
            assertHandMadeUntouched(s);
        }
    }

    /**
     * A write delayed on its way, made wide on purpose: agent-a's link to the LoadMaster holds its bytes (a network
     * that delays packets, a TCP retransmission) while agent-a is cut off from the API server. agent-a sent its
     * {@code addrs} after its ledger write and its check of the Lease. With {@code ha}, a write waits for its answer
     * at most leaseDuration - renewDeadline; then the client gives it up and drops the connection, so the held bytes
     * go nowhere. Nothing of agent-a's reaches the LoadMaster after agent-b took over, although the test holds the
     * link far longer, and the LoadMaster timeout is 30 s.
     */
    @Test
    void aWriteDelayedOnItsWayIsGivenUpBeforeTheOtherAgentMayTakeOverSoItNeverLandsAfterIt() throws Exception {
        try (Scenario s = scenario("ha-late");
                TcpFront api = new TcpFront(cluster.server);
                TcpFront link = new TcpFront(URI.create(scenarioLoadMaster(s)))) {
            List<String> ready = readyUnlabelledService(s, 10);
            Pair pair = startPair(
                    s,
                    api.url(),
                    yaml -> yaml.replace(scenarioLoadMaster(s), link.url().toString())
                            .replace("loadmaster:\n", "loadmaster:\n  timeout: 30s\n"));
            s.loadMaster.engine().faults().latency(LATENCY);
            s.label("web", "kempLB", "Enabled");
            pair.a.await(() -> "agent-a to make 3 adds", () -> applied(s, A) >= 3, Scenario.CONVERGE);
            link.hold();
            pair.a.await(
                    () -> "agent-a to send a request into the held link",
                    () -> link.heldBytes() > 0,
                    Scenario.CONVERGE);
            api.cut();
            pair.b.await(() -> "agent-b to write", () -> !writesBy(s, B).isEmpty(), Scenario.CONVERGE);
            Instant takeOver = writesBy(s, B).get(0).at();
            link.release();
            s.awaitRealServers(pair.b, VS, Scenario.plus(ready, HAND_MADE));
            pair.b.awaitPasses(1, Scenario.CONVERGE);
            List<Write> late = writesBy(s, A).stream()
                    .filter(w -> w.at().isAfter(takeOver))
                    .toList();
            System.out.println("HaE2E fencing (late write): agent-b's first write " + takeOver + "; agent-a's writes"
                    + " after it: " + late);
            assertEquals(List.of(), late, "agent-a's writes that reached the LoadMaster after agent-b took over");
        }
    }

    private static String scenarioLoadMaster(Scenario s) {
        return s.loadMaster.url().toString();
    }

    /**
     * The shipped {@code conf/rbac-ha.yaml}, as the agent's ServiceAccount: it may create, get and update the Lease
     * {@code kube-lm-agent} and the ledger ConfigMap; it may not update another ConfigMap, delete the Lease, or list
     * ConfigMaps.
     */
    @Test
    void theShippedHaRoleAllowsTheLeaseAndTheLedgerAndNothingElse() throws Exception {
        Kube agent = cluster.admin.as(token);
        String leases = "/apis/coordination.k8s.io/v1/namespaces/" + NAMESPACE + "/leases";
        agent.post(
                leases,
                Map.of(
                        "metadata",
                        Map.of("name", LEASE),
                        "spec",
                        Map.of("holderIdentity", "e2e", "leaseDurationSeconds", 6)));
        JsonObject lease = agent.get(LEASE_PATH);
        lease.getAsJsonObject("spec").addProperty("holderIdentity", "e2e-renewed");
        agent.put(LEASE_PATH, lease);
        assertEquals("e2e-renewed", leaseSpec().get("holderIdentity").getAsString());

        agent.post(CONFIG_MAPS, Map.of("metadata", Map.of("name", LEDGER), "data", Map.of("ledger.json", "{}")));
        JsonObject ledger = agent.get(CONFIG_MAPS + "/" + LEDGER);
        agent.put(CONFIG_MAPS + "/" + LEDGER, ledger);

        JsonObject other = cluster.admin.post(CONFIG_MAPS, Map.of("metadata", Map.of("name", "other")));
        assertForbidden(() -> agent.put(CONFIG_MAPS + "/other", other), "update of ConfigMap other");
        assertForbidden(() -> agent.get(CONFIG_MAPS + "/other"), "get of ConfigMap other");
        assertForbidden(() -> agent.delete(LEASE_PATH), "delete of the Lease");
        assertForbidden(() -> agent.get(CONFIG_MAPS), "list of ConfigMaps");
        assertForbidden(() -> agent.get(leases), "list of Leases");
        assertTrue(cluster.admin.exists(LEASE_PATH), "the Lease is still there");
    }

    // ---- set-up

    record Pair(AgentProcess a, AgentProcess b) {}

    /** A scenario with the VS, a credential per agent and the hand-made Real Server. */
    private Scenario scenario(String namespace) throws Exception {
        Scenario s = new Scenario(
                cluster,
                dir,
                namespace,
                token,
                List.of(namespace),
                o -> o.apiKey(A, KEYS.get(A)).apiKey(B, KEYS.get(B)),
                VS);
        s.loadMaster.engine().addRealServerByHand(VS, "192.168.77.7", 8080);
        for (String agent : List.of(A, B)) {
            Files.writeString(dir.resolve(agent + ".key"), KEYS.get(agent) + "\n");
        }
        return s;
    }

    /**
     * A Deployment of {@code replicas} ready pods and its Service, annotated with the VS but not yet labelled: both
     * agents start with nothing to do, and the label (set by the test) gives the holder the whole apply at once.
     */
    private static List<String> readyUnlabelledService(Scenario s, int replicas) throws InterruptedException {
        s.deployment("web", replicas);
        s.admin.post(
                "/api/v1/namespaces/" + s.namespace + "/services",
                Map.of(
                        "metadata",
                        Map.of("name", "web", "annotations", Map.of("vsid", Integer.toString(VS))),
                        "spec",
                        Map.of(
                                "selector",
                                Map.of("app", "web"),
                                "ports",
                                List.of(Map.of("name", "web", "port", 80, "targetPort", "http")))));
        return s.awaitReadyEndpoints("web", replicas);
    }

    /** Starts agent-a (through {@code aServer}) until it holds the Lease, then agent-b until it runs standby passes. */
    private Pair startPair(Scenario s, URI aServer) throws Exception {
        return startPair(s, aServer, UnaryOperator.identity());
    }

    /** {@link #startPair(Scenario, URI)}, agent-a's agent.yaml changed by {@code aYaml} first. */
    private Pair startPair(Scenario s, URI aServer, UnaryOperator<String> aYaml) throws Exception {
        Path aFile = s.instance(
                A, List.of(s.namespace), "127.0.0.1:" + freePort(), dir.resolve(A + ".key"), aServer, "2s", ha(A));
        Files.writeString(aFile, aYaml.apply(Files.readString(aFile)));
        s.instance(
                B,
                List.of(s.namespace),
                "127.0.0.1:" + freePort(),
                dir.resolve(B + ".key"),
                cluster.server,
                "2s",
                ha(B));
        AgentProcess a = s.startInstance(A);
        awaitLine(a, 0, l -> l.contains(tookTheLease(A)), Scenario.CONVERGE);
        AgentProcess b = s.startInstance(B);
        awaitLine(b, 0, l -> l.contains("standby, done") && l.contains("is held by " + A), Scenario.CONVERGE);
        return new Pair(a, b);
    }

    private static String ha(String identity) {
        return String.join(
                "\n",
                "ha:",
                "  lease:",
                "    namespace: " + NAMESPACE,
                "    identity: " + identity,
                "    leaseDuration: " + LEASE_DURATION.toSeconds() + "s",
                "    renewDeadline: " + RENEW_DEADLINE.toSeconds() + "s",
                "    retryPeriod: " + RETRY_PERIOD.toSeconds() + "s",
                "");
    }

    private static String tookTheLease(String identity) {
        return "took the Lease " + NAMESPACE + "/" + LEASE + " as " + identity + " (term ";
    }

    // ---- looking

    private static List<Write> writesBy(Scenario s, String credential) {
        return s.loadMaster.writes().stream()
                .filter(w -> w.credential().equals(credential))
                .toList();
    }

    private static int applied(Scenario s, String credential) {
        return (int) writesBy(s, credential).stream()
                .filter(w -> w.command().equals("addrs") && w.applied())
                .count();
    }

    private static boolean stoppedWriting(String line) {
        return STOPPED_WRITING.stream().anyMatch(line::contains);
    }

    private static List<String> rsChanges(List<String> lines) {
        return lines.stream()
                .filter(l -> RS_CHANGES.stream().anyMatch(l::contains))
                .toList();
    }

    /** Waits until a line logged since {@code mark} matches. */
    private static void awaitLine(AgentProcess agent, int mark, Predicate<String> line, Duration timeout)
            throws InterruptedException {
        awaitLines(agent, mark, line, 1, timeout);
    }

    /** Waits until {@code count} lines logged since {@code mark} match. */
    private static void awaitLines(AgentProcess agent, int mark, Predicate<String> line, int count, Duration timeout)
            throws InterruptedException {
        agent.await(
                () -> count + " line(s) of the agent to match",
                () -> agent.linesSince(mark).stream().filter(line).count() >= count,
                timeout);
    }

    private static JsonObject leaseSpec() {
        return cluster.admin.get(LEASE_PATH).getAsJsonObject("spec");
    }

    /**
     * Each Real Server in the VS once; every one a ready endpoint or the hand-made one, and all of those there; the
     * ledger ConfigMaps name exactly the ready endpoints.
     */
    private static void assertNoDuplicatesNoOrphans(Scenario s, List<String> ready) {
        List<String> held = s.realServers(VS);
        assertEquals(held.size(), Set.copyOf(held).size(), "duplicate Real Servers in the VS: " + held);
        Set<String> expected = new TreeSet<>(ready);
        expected.add(HAND_MADE);
        assertEquals(expected, new TreeSet<>(held), "the VS holds the ready endpoints and the hand-made RS only");
        assertEquals(new TreeSet<>(ready), ledgerMembers(), "the ledger names exactly the agents' Real Servers");
    }

    /** Every member the ledger ConfigMaps name, read as the admin. */
    private static Set<String> ledgerMembers() {
        JsonObject first = cluster.admin.get(CONFIG_MAPS + "/" + LEDGER);
        JsonObject annotations = first.getAsJsonObject("metadata").getAsJsonObject("annotations");
        int parts = annotations != null && annotations.has("kube-lm-agent/parts")
                ? Integer.parseInt(annotations.get("kube-lm-agent/parts").getAsString())
                : 1;
        Set<String> members = new TreeSet<>();
        for (int i = 0; i < parts; i++) {
            JsonObject part = i == 0 ? first : cluster.admin.get(CONFIG_MAPS + "/" + LEDGER + "-" + i);
            JsonElement json = part.has("data") ? part.getAsJsonObject("data").get("ledger.json") : null;
            if (json == null) {
                continue;
            }
            Ledger ledger = LedgerJson.parse(json.getAsString());
            for (Ownership ownership : ledger.owned().values()) {
                for (Member member : ownership.members()) {
                    members.add(member.toString());
                }
            }
        }
        return members;
    }

    /** No write named the hand-made Real Server, by address or by RsIndex; it is still there and enabled. */
    private static void assertHandMadeUntouched(Scenario s) {
        SimRealServer handMade = s.loadMaster.engine().realServers(VS).stream()
                .filter(rs -> (rs.addr() + ":" + rs.port()).equals(HAND_MADE))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the hand-made Real Server is gone"));
        assertTrue(handMade.enabled(), "the hand-made Real Server is enabled");
        Set<String> names = Set.of(HAND_MADE, "!" + handMade.rsIndex());
        List<Write> touching = s.loadMaster.writes().stream()
                .filter(w -> w.realServer() != null && names.contains(w.realServer()))
                .toList();
        assertEquals(List.of(), touching, "writes on the hand-made Real Server");
    }

    private static void assertForbidden(Runnable call, String what) {
        try {
            call.run();
            fail(what + " was allowed");
        } catch (Kube.KubeException e) {
            assertEquals(403, e.status, what + ": " + e.getMessage());
        }
    }

    private static void deleteIfThere(String path) {
        try {
            cluster.admin.delete(path);
        } catch (Kube.KubeException e) {
            assertFalse(e.status != 404, "DELETE " + path + ": " + e.getMessage());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
