package kubelmagent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service Mode end to end: the shaded agent jar, run as systemd runs it, against a real kube-apiserver
 * and kube-controller-manager (whose endpoint controllers turn pods into EndpointSlices and Endpoints)
 * and the LoadMaster simulator. The agent authenticates with a real ServiceAccount token made from the
 * shipped RBAC manifest. Run with {@code mvn -B verify -Pe2e}.
 */
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class ServiceModeE2E {

    static final String HAND_MADE = "192.168.77.7:8080";

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
     * The two ClusterRoles of conf/rbac.yaml: Services, Endpoints and EndpointSlices (get, list, watch), and
     * nodes (get, list, watch, for NodePort mode); no writes, and nothing else.
     */
    @Test
    void theShippedRolesLetTheAgentReadServicesEndpointsAndNodesAndNothingElse() throws Exception {
        Kube agent = cluster.admin.as(token);
        agent.get("/api/v1/services");
        agent.get("/api/v1/namespaces/default/services/kubernetes");
        agent.get("/api/v1/endpoints");
        agent.get("/apis/discovery.k8s.io/v1beta1/endpointslices");
        assertTrue(
                agent.get("/api/v1/nodes").getAsJsonArray("items").size() >= StandInNodes.NODES.size(),
                "the agent lists the nodes");
        agent.get("/api/v1/nodes/" + StandInNodes.NODES.get(0).name());
        String watch = agent.text("/api/v1/nodes?watch=true&timeoutSeconds=1");
        assertTrue(watch.contains("\"type\":\"ADDED\""), "the agent watches the nodes: " + watch);
        Map<String, Runnable> forbidden = Map.ofEntries(
                Map.entry("list pods", () -> agent.get("/api/v1/pods")),
                Map.entry("list secrets", () -> agent.get("/api/v1/secrets")),
                Map.entry("list configmaps", () -> agent.get("/api/v1/configmaps")),
                Map.entry(
                        "patch a node",
                        () -> agent.patch(
                                "/api/v1/nodes/" + StandInNodes.NODES.get(0).name(),
                                Map.of("spec", Map.of("unschedulable", true)))),
                Map.entry(
                        "patch a node's status",
                        () -> agent.patch(
                                "/api/v1/nodes/" + StandInNodes.NODES.get(0).name() + "/status",
                                Map.of("status", Map.of("phase", "Running")))),
                Map.entry(
                        "create a node",
                        () -> agent.post("/api/v1/nodes", Map.of("metadata", Map.of("name", "intruder")))),
                Map.entry(
                        "delete a node",
                        () -> agent.delete(
                                "/api/v1/nodes/" + StandInNodes.NODES.get(0).name())),
                Map.entry(
                        "create a service",
                        () -> agent.post(
                                "/api/v1/namespaces/default/services",
                                Map.of(
                                        "metadata", Map.of("name", "intruder"),
                                        "spec", Map.of("ports", List.of(Map.of("port", 80)))))),
                Map.entry(
                        "patch a service",
                        () -> agent.patch(
                                "/api/v1/namespaces/default/services/kubernetes",
                                Map.of("metadata", Map.of("labels", Map.of("kempLB", "Enabled"))))),
                Map.entry("delete endpoints", () -> agent.delete("/api/v1/namespaces/default/endpoints/kubernetes")));
        forbidden.forEach((what, call) -> {
            Kube.KubeException e =
                    org.junit.jupiter.api.Assertions.assertThrows(Kube.KubeException.class, call::run, what);
            assertEquals(403, e.status, what + ": " + e.getMessage());
        });
    }

    /** Scenarios 1 and 2: 3 pods → 3 RS on the named targetPort; scale to 5 → 5 RS; scale to 2 → 2 RS. */
    @Test
    void podsOfADeploymentBecomeRealServersOnTheNamedTargetPortAndFollowScalingBothWays() throws Exception {
        try (Scenario s = new Scenario(cluster, dir, "e2e-scale", token, 1)) {
            s.deployment("web", 3);
            s.service("web", "1", "http");
            List<String> three = s.awaitReadyEndpoints("web", 3);
            assertTrue(three.stream().allMatch(e -> e.matches("10\\.244\\.[12]\\.\\d+:8080")), three::toString);

            AgentProcess agent = s.startAgent();
            s.awaitRealServers(1, three);
            agent.awaitPasses(1, Scenario.CONVERGE); // every line of the pass that added them has been read
            for (String rs : three) {
                assertTrue(
                        agent.lines().stream()
                                .anyMatch(l -> l.matches("<5>\\[pass #\\d+] added RS " + rs.replace(".", "\\.")
                                        + " to VS 1 \\(e2e-scale/web\\)")),
                        agent::tail);
            }

            s.scale("web", 5);
            List<String> five = s.awaitReadyEndpoints("web", 5);
            assertTrue(five.containsAll(three), "scaling up keeps the first pods: " + five);
            s.awaitRealServers(1, five);

            int mark = agent.mark();
            s.scale("web", 2);
            List<String> two = s.awaitReadyEndpoints("web", 2);
            s.awaitRealServers(1, two);
            agent.awaitPasses(1, Scenario.CONVERGE);
            assertEquals(
                    3,
                    agent.linesSince(mark).stream()
                            .filter(l -> l.contains("] removed RS "))
                            .count(),
                    agent::tail);
        }
    }

    /** Scenario 3: a pod that turns unready leaves the VS, and comes back when it is ready again. */
    @Test
    void anUnreadyPodLeavesTheVirtualServiceAndComesBackWhenReady() throws Exception {
        try (Scenario s = new Scenario(cluster, dir, "e2e-ready", token, 2)) {
            s.deployment("api", 3);
            s.service("api", "2", 8080);
            List<String> three = s.awaitReadyEndpoints("api", 3);
            s.startAgent();
            s.awaitRealServers(2, three);

            Map.Entry<String, String> pod = s.pods("api").entrySet().iterator().next();
            cluster.nodes.setReady(s.namespace, pod.getKey(), false);
            List<String> two = s.awaitReadyEndpoints("api", 2);
            assertFalse(two.contains(pod.getValue() + ":8080"), two::toString);
            s.awaitRealServers(2, two);

            cluster.nodes.setReady(s.namespace, pod.getKey(), true);
            assertEquals(three, s.awaitReadyEndpoints("api", 3));
            s.awaitRealServers(2, three);
        }
    }

    /**
     * Scenario 3, drain: a pod being deleted stays terminating (its "kubelet" waits), and the real
     * EndpointSlice controller reports it serving and terminating: its RS is disabled, not deleted,
     * while the others stay enabled; once the pod is gone, its RS goes.
     */
    @Test
    void aTerminatingPodIsDrainedThenRemovedWhenItIsGone() throws Exception {
        try (Scenario s = new Scenario(cluster, dir, "e2e-drain", token, 9)) {
            s.deployment("web", 3);
            s.service("web", "9", "http");
            List<String> three = s.awaitReadyEndpoints("web", 3);
            AgentProcess agent = s.startAgent();
            s.awaitRealServers(9, three);

            cluster.nodes.finalizeTerminatingPodsAfter(Duration.ofSeconds(10));
            try {
                s.scale("web", 2);
                agent.await(
                        () -> "one RS of VS 9 to be disabled (disabled: " + s.disabledRealServers(9) + ")",
                        () -> s.disabledRealServers(9).size() == 1,
                        Scenario.CONVERGE);
                String draining = s.disabledRealServers(9).get(0);
                assertEquals(three, s.realServers(9), "drained, not deleted");
                agent.await(
                        () -> "the agent to log the drain of " + draining,
                        () -> agent.lines().stream()
                                .anyMatch(l -> l.startsWith("<5>")
                                        && l.contains("disabled RS " + draining
                                                + " in VS 9 (e2e-drain/web): its endpoint is terminating")),
                        Scenario.CONVERGE);
                List<String> two = s.awaitReadyEndpoints("web", 2);
                assertFalse(two.contains(draining));
                s.awaitRealServers(9, two);
                assertEquals(List.of(), s.disabledRealServers(9));
            } finally {
                cluster.nodes.finalizeTerminatingPodsAfter(Duration.ZERO);
            }
        }
    }

    /** Scenario 4: unlabelled, then deleted → the agent's RS go; the RS NetOps added by hand stays. */
    @Test
    void unlabellingAndDeletingTheServiceRemoveTheAgentsRealServersButNotOneAddedByHand() throws Exception {
        try (Scenario s = new Scenario(cluster, dir, "e2e-unbind", token, 3)) {
            s.loadMaster.engine().addRealServerByHand(3, "192.168.77.7", 8080);
            s.deployment("shop", 2);
            s.service("shop", "3", "http");
            List<String> two = s.awaitReadyEndpoints("shop", 2);
            AgentProcess agent = s.startAgent();
            s.awaitRealServers(3, Scenario.plus(two, HAND_MADE));

            s.label("shop", "kempLB", null);
            s.awaitRealServers(3, List.of(HAND_MADE));

            s.label("shop", "kempLB", "Enabled");
            s.awaitRealServers(3, Scenario.plus(two, HAND_MADE));

            s.deleteService("shop");
            s.awaitRealServers(3, List.of(HAND_MADE));
            agent.awaitPasses(2, Scenario.CONVERGE);
            assertEquals(List.of(HAND_MADE), s.realServers(3));
        }
    }

    /** Scenario 5: two Services claim one VS → neither is applied, and the error names both. */
    @Test
    void twoServicesClaimingOneVirtualServiceAreBothRefusedByName() throws Exception {
        try (Scenario s = new Scenario(cluster, dir, "e2e-conflict", token, 4)) {
            s.deployment("a", 1);
            s.deployment("b", 1);
            s.service("a", "4", 8080);
            s.service("b", "4", 8080);
            List<String> a = s.awaitReadyEndpoints("a", 1);
            s.awaitReadyEndpoints("b", 1);
            AgentProcess agent = s.startAgent();
            agent.awaitPasses(3, Scenario.CONVERGE);
            assertEquals(List.of(), s.realServers(4));
            assertTrue(
                    agent.lines().stream()
                            .anyMatch(l -> l.startsWith("<3>")
                                    && l.contains("Services e2e-conflict/a, e2e-conflict/b all claim VS 4")),
                    agent::tail);

            s.deleteService("b");
            s.awaitRealServers(4, a);
        }
    }

    /**
     * Scenario 6: the agent's access revoked (403), then the API server stopped: nothing is removed while
     * Kubernetes cannot be read, and the agent converges once it can.
     */
    @Test
    void revokedAccessAndAStoppedApiServerRemoveNothingAndTheAgentConvergesAfterwards() throws Exception {
        try (Scenario s = new Scenario(cluster, dir, "e2e-outage", token, 5)) {
            s.loadMaster.engine().addRealServerByHand(5, "192.168.77.7", 8080);
            s.deployment("web", 3);
            s.service("web", "5", "http");
            List<String> three = s.awaitReadyEndpoints("web", 3);
            AgentProcess agent = s.startAgent();
            s.awaitRealServers(5, Scenario.plus(three, HAND_MADE));

            String binding = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/" + AgentIdentity.BINDING;
            cluster.admin.delete(binding);
            List<String> one;
            try {
                int mark = agent.mark();
                s.scale("web", 1);
                one = s.awaitReadyEndpoints("web", 1);
                agent.awaitPasses(3, Scenario.CONVERGE);
                assertEquals(Scenario.plus(three, HAND_MADE).stream().sorted().toList(), s.realServers(5));
                List<String> lines = agent.linesSince(mark);
                assertTrue(lines.stream().anyMatch(l -> l.startsWith("<3>") && l.contains("403")), agent::tail);
                assertTrue(
                        lines.stream().anyMatch(l -> l.startsWith("<4>") && l.contains("nothing was removed")),
                        agent::tail);
            } finally {
                AgentIdentity.restoreBinding(cluster.admin);
            }
            s.awaitRealServers(5, Scenario.plus(one, HAND_MADE));

            s.scale("web", 3);
            List<String> threeAgain = s.awaitReadyEndpoints("web", 3);
            s.awaitRealServers(5, Scenario.plus(threeAgain, HAND_MADE));
            s.stopAgent();
            s.scale("web", 1);
            List<String> oneAgain = s.awaitReadyEndpoints("web", 1);
            cluster.stopApiServer();
            try {
                AgentProcess restarted = s.startAgent();
                restarted.awaitPasses(3, Scenario.CONVERGE);
                assertEquals(
                        Scenario.plus(threeAgain, HAND_MADE).stream().sorted().toList(), s.realServers(5));
                assertTrue(
                        restarted.lines().stream()
                                .anyMatch(l -> l.startsWith("<3>") && l.contains("could not be reached")),
                        restarted::tail);
            } finally {
                cluster.startApiServer();
            }
            s.awaitRealServers(5, Scenario.plus(oneAgain, HAND_MADE));
        }
    }

    /** Scenario 7: the token file replaced while the agent runs → the next pass uses the new token. */
    @Test
    void aReplacedTokenFileIsUsedFromTheNextPassWithoutARestart() throws Exception {
        String oldToken = AgentIdentity.newSecretToken(cluster.admin, "e2e-rotation-token");
        try (Scenario s = new Scenario(cluster, dir, "e2e-token", oldToken, 6)) {
            s.deployment("web", 2);
            s.service("web", "6", 8080);
            List<String> two = s.awaitReadyEndpoints("web", 2);
            AgentProcess agent = s.startAgent();
            s.awaitRealServers(6, two);

            // The old token is revoked: while it is still in the file, the agent is refused and removes nothing.
            cluster.admin.delete("/api/v1/namespaces/" + AgentIdentity.NAMESPACE + "/secrets/e2e-rotation-token");
            Kube old = cluster.admin.as(oldToken);
            agent.await(() -> "the API server to refuse the revoked token", () -> refused(old), Scenario.CONVERGE);
            int mark = agent.mark();
            s.scale("web", 1);
            List<String> one = s.awaitReadyEndpoints("web", 1);
            agent.awaitPasses(2, Scenario.CONVERGE);
            assertEquals(two, s.realServers(6));
            assertTrue(
                    agent.linesSince(mark).stream().anyMatch(l -> l.startsWith("<3>") && l.contains("401")),
                    agent::tail);

            s.replaceToken(AgentIdentity.requestToken(cluster.admin, Duration.ofHours(1)));
            s.awaitRealServers(6, one);
            assertTrue(agent.isAlive(), "the same agent process converged");
            assertTrue(agent.linesSince(mark).stream().noneMatch(l -> l.contains("starting")), agent::tail);
        }
    }

    /** Scenario 8: a Service in a namespace the agent is not configured to read is ignored. */
    @Test
    void aServiceOutsideTheConfiguredNamespacesIsIgnored() throws Exception {
        try (Scenario s = new Scenario(cluster, dir, "e2e-ns-in", token, List.of("e2e-ns-in"), 7, 8)) {
            s.createNamespace("e2e-ns-out");
            s.deployment("web", 1);
            s.service("web", "7", 8080);
            s.deployment("e2e-ns-out", "web", 1);
            s.service("e2e-ns-out", "web", "web", "8", 8080);
            List<String> inside = s.awaitReadyEndpoints("web", 1);
            s.awaitReadyEndpoints("e2e-ns-out", "web", 1);
            AgentProcess agent = s.startAgent();
            s.awaitRealServers(7, inside);
            agent.awaitPasses(2, Scenario.CONVERGE);
            assertEquals(List.of(), s.realServers(8));
            assertTrue(agent.lines().stream().noneMatch(l -> l.contains("e2e-ns-out")), agent::tail);
        }
    }

    private static boolean refused(Kube kube) {
        try {
            kube.get("/api/v1/namespaces/default/services");
            return false;
        } catch (Kube.KubeException e) {
            return e.status == 401;
        }
    }
}
