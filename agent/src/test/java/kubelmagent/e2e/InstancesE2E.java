package kubelmagent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several instances on one host, end to end: two agents ({@code kube-lm-agent@blue} and {@code kube-lm-agent@green},
 * their files side by side) feed one Virtual Service of one LoadMaster from two clusters. The two clusters are two
 * namespaces of the one real kube-apiserver, each agent reading only its own: a second API server is too heavy for
 * CI, and to each agent the other's Services are as invisible as another cluster's. Each instance keeps its own
 * ledger in its own {@code sync.stateDir}, so each removes only the Real Servers it added.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class InstancesE2E {

    static final String HAND_MADE = ServiceModeE2E.HAND_MADE;
    static final int VS = 1;

    /** A Real Server change in the journal: {@code added RS 10.244.1.2:8080 to VS 1 (blue/web)}. */
    static final Pattern RS_CHANGE = Pattern.compile(
            "] (added|re-enabled|disabled|removed|adopted) RS (\\S+) (?:to|in|from) VS (\\d+) \\(([^)]+)\\)");

    static RealCluster cluster;
    static String token;

    @TempDir
    Path dir;

    @BeforeAll
    static void realClusterAndTheAgentsIdentity() throws Exception {
        cluster = RealCluster.get();
        token = AgentIdentity.applyShippedManifest(cluster.admin);
    }

    /**
     * Both instances converge on one VS (blue's pods, green's pods and a Real Server added by hand); blue scales 2 →
     * 4 → 1 while green stays at 2, then green scales 2 → 0 while blue stays at 1. Throughout, a watch of the
     * LoadMaster sees the other instance's Real Servers and the hand-made one present and enabled, and each agent's
     * journal shows it changed only its own namespace's Real Servers. {@code status} of one instance counts the
     * other's Real Servers as that agent's, not as hand-made.
     */
    @Test
    void twoInstancesFeedOneVirtualServiceAndEachScalesWithoutTouchingTheOthersRealServers() throws Exception {
        try (Scenario s = new Scenario(cluster, dir, "blue", token, List.of("blue"), VS)) {
            s.createNamespace("green");
            s.loadMaster.engine().addRealServerByHand(VS, "192.168.77.7", 8080);
            for (String namespace : List.of("blue", "green")) {
                s.deployment(namespace, "web", 2);
                s.service(namespace, "web", "web", Integer.toString(VS), "http");
            }
            List<String> blue = s.awaitReadyEndpoints("blue", "web", 2);
            List<String> green = s.awaitReadyEndpoints("green", "web", 2);
            Path blueFile = s.instance("blue", List.of("blue"), "127.0.0.1:" + freePort());
            Path greenFile = s.instance("green", List.of("green"), "127.0.0.1:" + freePort());

            AgentProcess blueAgent = s.startInstance("blue");
            AgentProcess greenAgent = s.startInstance("green");
            s.awaitRealServers(blueAgent, VS, all(blue, green, List.of(HAND_MADE)), List.of());
            blueAgent.awaitPasses(1, Scenario.CONVERGE);
            greenAgent.awaitPasses(1, Scenario.CONVERGE);
            assertEquals(Set.copyOf(blue), changed(blueAgent.lines(), "added", "blue/web"), blueAgent::tail);
            assertEquals(Set.copyOf(green), changed(greenAgent.lines(), "added", "green/web"), greenAgent::tail);
            assertStatus(blueFile, 2, "green", 2);
            assertStatus(greenFile, 2, "blue", 2);

            // Blue scales up and down; green's Real Servers and the hand-made one are never disabled or removed.
            List<String> blueSeen = new ArrayList<>(blue);
            try (Untouched untouched = new Untouched(s, plus(green, HAND_MADE))) {
                int blueMark = blueAgent.mark();
                int greenMark = greenAgent.mark();
                s.scale("blue", "web", 4);
                List<String> four = s.awaitReadyEndpoints("blue", "web", 4);
                blueSeen.addAll(four);
                s.awaitRealServers(blueAgent, VS, all(four, green, List.of(HAND_MADE)), List.of());
                s.scale("blue", "web", 1);
                List<String> one = s.awaitReadyEndpoints("blue", "web", 1);
                s.awaitRealServers(blueAgent, VS, all(one, green, List.of(HAND_MADE)), List.of());
                blueAgent.awaitPasses(1, Scenario.CONVERGE);
                greenAgent.awaitPasses(1, Scenario.CONVERGE);
                untouched.assertHeld();

                List<String> blueLines = blueAgent.linesSince(blueMark);
                assertEquals(minus(four, blue), changed(blueLines, "added", "blue/web"), blueAgent::tail);
                assertEquals(minus(four, one), changed(blueLines, "removed", "blue/web"), blueAgent::tail);
                assertOnlyOwn(blueLines, "blue/web", blueSeen);
                assertEquals(List.of(), rsChanges(greenAgent.linesSince(greenMark)), "green had nothing to do");
                blue = one;
            }
            assertStatus(blueFile, 1, "green", 2);
            assertStatus(greenFile, 2, "blue", 1);

            // Green scales to nothing; blue's Real Server and the hand-made one are never disabled or removed.
            try (Untouched untouched = new Untouched(s, plus(blue, HAND_MADE))) {
                int blueMark = blueAgent.mark();
                int greenMark = greenAgent.mark();
                s.scale("green", "web", 0);
                s.awaitReadyEndpoints("green", "web", 0);
                s.awaitRealServers(greenAgent, VS, plus(blue, HAND_MADE), List.of());
                blueAgent.awaitPasses(1, Scenario.CONVERGE);
                greenAgent.awaitPasses(1, Scenario.CONVERGE);
                untouched.assertHeld();

                List<String> greenLines = greenAgent.linesSince(greenMark);
                assertEquals(Set.copyOf(green), changed(greenLines, "removed", "green/web"), greenAgent::tail);
                assertOnlyOwn(greenLines, "green/web", green);
                assertEquals(List.of(), rsChanges(blueAgent.linesSince(blueMark)), "blue had nothing to do");
            }
            assertStatus(blueFile, 1, null, 0);

            // Over the whole run, neither agent changed a Real Server of the other's namespace, nor the hand-made one.
            assertOnlyOwn(blueAgent.lines(), "blue/web", blueSeen);
            assertOnlyOwn(greenAgent.lines(), "green/web", green);
            assertTrue(blueAgent.isAlive() && greenAgent.isAlive(), "both instances still run");
            for (AgentProcess agent : List.of(blueAgent, greenAgent)) {
                assertEquals(
                        List.of(),
                        agent.lines().stream().filter(l -> l.startsWith("<3>")).toList(),
                        "no instance logged an error");
            }
        }
    }

    /**
     * {@code status --output json} of an instance: its row of {@code NAMESPACE/web} on the VS counts {@code own}
     * Real Servers as the agent's, the other instance's ({@code other}, or none) as that agent's, the one added by
     * hand as hand-made, and everything in step.
     */
    private static void assertStatus(Path file, int own, String other, int others) throws Exception {
        AgentProcess.Ended status =
                AgentProcess.runToEnd(Scenario.CONVERGE, "status", "--config", file.toString(), "--output", "json");
        String what = "status of " + file.getFileName() + ": " + status.stdout() + status.stderr();
        System.out.println("[status " + file.getFileName() + "] " + status.stdout());
        assertEquals(0, status.exitCode(), what);
        JsonObject json = JsonParser.parseString(status.stdout()).getAsJsonObject();
        assertEquals(1, json.getAsJsonArray("services").size(), what);
        JsonObject row = json.getAsJsonArray("services").get(0).getAsJsonObject();
        assertEquals(VS, row.get("virtualService").getAsInt(), what);
        assertEquals(own + others + 1, row.get("realServers").getAsInt(), what);
        assertEquals(own, row.get("agents").getAsInt(), what);
        JsonObject expected = new JsonObject();
        if (other != null) {
            expected.addProperty(other, others);
        }
        assertEquals(expected, row.getAsJsonObject("otherAgents"), what);
        assertEquals(1, row.get("handMade").getAsInt(), what);
        assertTrue(row.get("inStep").getAsBoolean(), what);

        if (other != null) {
            AgentProcess.Ended table = AgentProcess.runToEnd(Scenario.CONVERGE, "status", "--config", file.toString());
            List<String> lines = table.stdout().lines().toList();
            System.out.println("[status " + file.getFileName() + "]\n" + table.stdout());
            assertTrue(lines.get(0).contains("OTHER AGENTS'"), table.stdout());
            assertTrue(lines.get(1).contains("  " + other + " " + others + "  "), table.stdout());
        }
    }

    /** The Real Servers the journal lines say were changed this way ({@code added}, ...) for this Service. */
    private static Set<String> changed(List<String> lines, String how, String service) {
        Set<String> members = new TreeSet<>();
        for (List<String> change : rsChanges(lines)) {
            if (change.get(0).equals(how) && change.get(3).equals(service)) {
                members.add(change.get(1));
            }
        }
        return members;
    }

    /** Every Real Server change of the lines is on the VS, for this Service, and of one of its own endpoints. */
    private static void assertOnlyOwn(List<String> lines, String service, Collection<String> own) {
        for (List<String> change : rsChanges(lines)) {
            String what = "the " + service + " agent: " + change;
            assertEquals(Integer.toString(VS), change.get(2), what);
            assertEquals(service, change.get(3), what);
            assertTrue(own.contains(change.get(1)), what + " is not one of its own endpoints " + own);
        }
    }

    /** The Real Server changes in journal lines, each as [how, member, VS, service]. */
    private static List<List<String>> rsChanges(List<String> lines) {
        List<List<String>> changes = new ArrayList<>();
        for (String line : lines) {
            Matcher m = RS_CHANGE.matcher(line);
            if (m.find()) {
                changes.add(List.of(m.group(1), m.group(2), m.group(3), m.group(4)));
            }
        }
        return changes;
    }

    @SafeVarargs
    private static List<String> all(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> list : lists) {
            all.addAll(list);
        }
        return all;
    }

    private static List<String> plus(List<String> list, String more) {
        return Scenario.plus(list, more);
    }

    private static Set<String> minus(List<String> list, List<String> less) {
        Set<String> rest = new TreeSet<>(list);
        less.forEach(rest::remove);
        return rest;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Watches the VS every 20 ms while a phase of the test runs, and remembers each time one of these Real Servers
     * was missing or disabled: the agents' journals say what they did, this says what the LoadMaster held meanwhile.
     */
    private static final class Untouched implements AutoCloseable {

        private final Scenario s;
        private final List<String> expected;
        private final List<String> firstViolations = new ArrayList<>();
        private int violations;
        private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "e2e-untouched");
            thread.setDaemon(true);
            return thread;
        });

        Untouched(Scenario s, List<String> untouched) {
            this.s = s;
            this.expected = untouched.stream().map(rs -> rs + " Enable=Y").toList();
            loop.scheduleWithFixedDelay(this::look, 0, 20, TimeUnit.MILLISECONDS);
        }

        private synchronized void look() {
            List<String> held = s.realServersAndEnable(VS);
            if (!held.containsAll(expected)) {
                violations++;
                if (firstViolations.size() < 3) {
                    firstViolations.add(held.toString());
                }
            }
        }

        synchronized void assertHeld() {
            look();
            assertEquals(
                    0,
                    violations,
                    "the VS was to hold " + expected + " throughout; " + violations + " looks found otherwise, the"
                            + " first: " + firstViolations);
        }

        @Override
        public void close() {
            loop.shutdownNow();
        }
    }
}
