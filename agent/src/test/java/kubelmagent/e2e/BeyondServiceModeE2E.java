package kubelmagent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beyond Kemp's Service Mode, end to end, against the same real kube-apiserver and kube-controller-manager as
 * {@link ServiceModeE2E}: NodePort mode (the nodes are the Real Servers, on the Service port's nodePort), IPv6
 * and dual-stack endpoints (each VS takes the addresses of its own family), and one Service on several VSs
 * ({@code kube-lm-agent/vsids}).
 *
 * <p>There is no kubelet and no node lifecycle controller: the tests register the extra nodes they need through
 * {@link StandInNodes}, report their Ready condition themselves, choose which nodes the pods of their namespace
 * are bound to, and delete those nodes (and their namespace) when they are done, so that the classes that share
 * the cluster see only node-1 and node-2 again. NodePort mode reads every node of the cluster, so node-1
 * (192.168.50.11) and node-2 (192.168.50.12) are Real Servers too; the tests only change the nodes they added.
 */
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class BeyondServiceModeE2E {

    static final String HAND_MADE = ServiceModeE2E.HAND_MADE;
    static final String EXCLUDE = "node.kubernetes.io/exclude-from-external-load-balancers";
    static final String MANAGED_BY = "beyond-service-mode.e2e.kube-lm-agent";

    static RealCluster cluster;
    static String token;

    @TempDir
    Path dir;

    private final List<String> addedNodes = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();

    @BeforeAll
    static void realClusterAndTheAgentsIdentity() throws Exception {
        cluster = RealCluster.get();
        token = AgentIdentity.applyShippedManifest(cluster.admin);
    }

    /** Deletes the test's namespace (so the controllers stop following its pods), then the nodes it added. */
    @AfterEach
    void removeTheNodesAndNamespacesOfTheTest() {
        for (String namespace : namespaces) {
            try {
                cluster.admin.delete("/api/v1/namespaces/" + namespace);
            } catch (Kube.KubeException e) {
                System.out.println("[e2e] could not delete namespace " + namespace + ": " + e.getMessage());
            }
        }
        for (String node : addedNodes) {
            cluster.nodes.removeNode(node);
        }
    }

    /**
     * NodePort mode, {@code externalTrafficPolicy: Cluster}: every Ready node is a Real Server on the nodePort,
     * whether it runs a pod or not. Switched to {@code Local}: only the nodes holding a ready endpoint stay; the
     * others are disabled, then removed (two steps). A pod deleted and replaced on another node (its old node
     * drained while the pod terminates, then removed), and a scale up and down, move the Real Servers with the
     * endpoints. The RS a person added stays throughout.
     */
    @Test
    void aNodePortServiceHasEveryNodeWithClusterPolicyAndOnlyTheNodesHoldingReadyPodsWithLocal() throws Exception {
        try (Scenario s = scenario("e2e-nodeport", 1)) {
            s.loadMaster.engine().addRealServerByHand(1, "192.168.77.7", 8080);
            addNode("node-3", 3);
            addNode("node-4", 4);
            cluster.nodes.placeIn(s.namespace, "node-3", "node-4");
            s.deployment("web", 2);
            nodePortService(s, "web", 30081, "Cluster", Map.of("kube-lm-agent/mode", "nodeport", "vsid", "1"));
            s.awaitReadyEndpoints("web", 2);
            assertEquals(List.of("node-3", "node-4"), s.podNodes("web"));

            AgentProcess agent = s.startAgent();
            s.awaitRealServers(1, nodes(30081, 1, 2, 3, 4, HAND_MADE), List.of());

            int mark = agent.mark();
            s.patchServiceSpec("web", Map.of("externalTrafficPolicy", "Local"));
            s.awaitRealServers(1, nodes(30081, 3, 4, HAND_MADE), List.of());
            awaitDisabledThenRemoved(agent, mark, 1, "e2e-nodeport/web", node(1, 30081), node(2, 30081));

            // The pod on node-4 is deleted and terminates for 10 s, its replacement lands on node-1: node-4, holding
            // only a terminating (serving) endpoint, is drained, then removed once the pod is gone.
            mark = agent.mark();
            cluster.nodes.placeIn(s.namespace, "node-1");
            cluster.nodes.finalizeTerminatingPodsAfter(Duration.ofSeconds(10));
            try {
                s.admin.delete("/api/v1/namespaces/" + s.namespace + "/pods/" + podOn(s, "web", "node-4"));
                s.awaitRealServers(1, nodes(30081, 1, 3, HAND_MADE), List.of(node(4, 30081)));
                String draining = "] disabled RS " + node(4, 30081) + " in VS 1 (e2e-nodeport/web): its node is"
                        + " draining (cordoned, or the Service's pods there are terminating)";
                int since = mark;
                agent.await(
                        () -> "the agent to log the drain of node-4",
                        () -> agent.linesSince(since).stream().anyMatch(l -> l.contains(draining)),
                        Scenario.CONVERGE);
            } finally {
                cluster.nodes.finalizeTerminatingPodsAfter(Duration.ZERO);
            }
            s.awaitRealServers(1, nodes(30081, 1, 3, HAND_MADE), List.of());
            assertEquals(List.of("node-1", "node-3"), s.podNodes("web"));
            awaitDisabledThenRemoved(agent, mark, 1, "e2e-nodeport/web", node(4, 30081));

            // Scaled up, the new pod on node-2; scaled down to one, only its node stays.
            cluster.nodes.placeIn(s.namespace, "node-2");
            s.scale("web", 3);
            s.awaitReadyEndpoints("web", 3);
            s.awaitRealServers(1, nodes(30081, 1, 2, 3, HAND_MADE), List.of());
            assertEquals(List.of("node-1", "node-2", "node-3"), s.podNodes("web"));

            s.scale("web", 1);
            s.awaitReadyEndpoints("web", 1);
            List<String> left = awaitPodNodes(s, "web", 1);
            int n = Integer.parseInt(left.get(0).substring("node-".length()));
            s.awaitRealServers(1, nodes(30081, n, HAND_MADE), List.of());
        }
    }

    /**
     * {@code kubernetes.defaultMode: nodeports}: a labelled Service without {@code kube-lm-agent/mode} is in
     * NodePort mode, and a ClusterIP one is refused by name. A node whose Ready condition turns False, and one
     * labelled {@value #EXCLUDE}, leave the VS (disabled, then removed); a cordoned node is disabled and kept, and
     * enabled again when uncordoned; the nodes come back when they serve again. A RS a person added at a node's
     * address and disabled by hand stays disabled, and the other one added by hand stays enabled.
     */
    @Test
    void nodesThatAreNotReadyExcludedOrCordonedLeaveTheVirtualServiceAndComeBack() throws Exception {
        try (Scenario s = scenario("e2e-nodes", 2, 8)) {
            s.configure("kubernetes", "defaultMode: nodeports");
            addNode("node-3", 3);
            addNode("node-4", 4);
            addNode("node-5", 5);
            addNode("node-6", 6);
            s.loadMaster.engine().addRealServerByHand(2, "192.168.77.7", 8080);
            s.loadMaster.engine().addRealServerByHand(2, "192.168.50.16", 30082, false, 1000);
            cluster.nodes.placeIn(s.namespace, "node-1");
            s.deployment("web", 1);
            nodePortService(s, "web", 30082, "Cluster", Map.of("vsid", "2"));
            s.service(s.namespace, "plain", "web", "8", "http");
            s.awaitReadyEndpoints("web", 1);

            AgentProcess agent = s.startAgent();
            List<String> handMadeOff = List.of(node(6, 30082));
            s.awaitRealServers(2, nodes(30082, 1, 2, 3, 4, 5, HAND_MADE), handMadeOff);
            agent.await(
                    () -> "an error naming the ClusterIP Service e2e-nodes/plain",
                    () -> agent.lines().stream()
                            .anyMatch(l -> l.startsWith("<3>")
                                    && l.contains("e2e-nodes/plain")
                                    && l.contains("is in NodePort mode")
                                    && l.contains("type ClusterIP")),
                    Scenario.CONVERGE);
            assertEquals(List.of(), s.realServers(8));

            int mark = agent.mark();
            cluster.nodes.setNodeReady("node-3", false);
            s.awaitRealServers(2, nodes(30082, 1, 2, 4, 5, HAND_MADE), handMadeOff);
            awaitDisabledThenRemoved(agent, mark, 2, "e2e-nodes/web", node(3, 30082));

            mark = agent.mark();
            labelNode("node-4", EXCLUDE, "");
            s.awaitRealServers(2, nodes(30082, 1, 2, 5, HAND_MADE), handMadeOff);
            awaitDisabledThenRemoved(agent, mark, 2, "e2e-nodes/web", node(4, 30082));

            cordon("node-5", true);
            s.awaitRealServers(2, nodes(30082, 1, 2, HAND_MADE), List.of(node(5, 30082), node(6, 30082)));
            cordon("node-5", false);
            s.awaitRealServers(2, nodes(30082, 1, 2, 5, HAND_MADE), handMadeOff);

            cluster.nodes.setNodeReady("node-3", true);
            labelNode("node-4", EXCLUDE, null);
            s.awaitRealServers(2, nodes(30082, 1, 2, 3, 4, 5, HAND_MADE), handMadeOff);
            agent.awaitPasses(2, Scenario.CONVERGE);
            assertEquals(List.of(), s.realServers(8));
        }
    }

    /**
     * A selector-less Service with hand-written EndpointSlices of both families, its port bound twice ({@code
     * http=3,http=6}): IPv4 VS 3 takes only the IPv4 endpoints, IPv6 VS 6 only the IPv6 ones, in canonical form
     * although a slice spells them long and in capitals; once converged the agent adds nothing more (it sees the
     * LoadMaster's canonical answer as the slice's endpoint). An endpoint turning ready, and one going away, move
     * VS 6 only; the IPv6 RS a person added stays.
     */
    @Test
    void aDualStackServiceFeedsTheIpv4VirtualServiceItsIpv4EndpointsAndTheIpv6OneItsIpv6Endpoints() throws Exception {
        try (Scenario s = scenario("e2e-dualstack", 3)) {
            s.loadMaster.engine().addVirtualService(6, "fd00::6", 80, "tcp", "vs6");
            s.loadMaster.engine().addRealServerByHand(6, "fd00::77", 8080);
            Scenario.labelledService(
                    s.admin,
                    s.namespace,
                    "web",
                    Map.of("kube-lm-agent/vsids", "http=3,http=6"),
                    Map.of("ports", List.of(Map.of("name", "http", "port", 80, "targetPort", 8080))));
            endpointSlice(s, "web-v4", "web", "IPv4", Map.of("10.244.9.2", true, "10.244.9.3", true));
            endpointSlice(
                    s,
                    "web-v6",
                    "web",
                    "IPv6",
                    Map.of("FD00:0:0:0:0:0:0:5", true, "fd00:0:0::7", true, "fd00::9", false));

            AgentProcess agent = s.startAgent();
            s.awaitRealServers(3, List.of("10.244.9.2:8080", "10.244.9.3:8080"), List.of());
            s.awaitRealServers(6, List.of("[fd00::5]:8080", "[fd00::7]:8080", "[fd00::77]:8080"), List.of());
            agent.awaitPasses(1, Scenario.CONVERGE);
            for (String rs : List.of("[fd00::5]:8080", "[fd00::7]:8080")) {
                assertTrue(
                        agent.lines().stream()
                                .anyMatch(l -> l.startsWith("<5>")
                                        && l.endsWith("] added RS " + rs + " to VS 6 (e2e-dualstack/web)")),
                        () -> "the agent names " + rs + " in canonical form: " + agent.tail());
            }
            int adds = s.loadMaster.engine().calls("addrs");
            assertEquals(4, adds, "one addrs per RS: " + s.loadMaster.engine().calls());
            agent.awaitPasses(3, Scenario.CONVERGE);
            assertEquals(adds, s.loadMaster.engine().calls("addrs"), "steady passes add nothing");

            int mark = agent.mark();
            s.admin.patch(
                    "/apis/discovery.k8s.io/v1beta1/namespaces/" + s.namespace + "/endpointslices/web-v6",
                    Map.of("endpoints", endpoints(Map.of("fd00:0:0::7", true, "FD00::9", true))));
            s.awaitRealServers(6, List.of("[fd00::7]:8080", "[fd00::9]:8080", "[fd00::77]:8080"), List.of());
            awaitDisabledThenRemoved(agent, mark, 6, "e2e-dualstack/web", "[fd00::5]:8080");
            assertEquals(List.of("10.244.9.2:8080 Enable=Y", "10.244.9.3:8080 Enable=Y"), s.realServersAndEnable(3));
        }
    }

    /**
     * {@code kube-lm-agent/vsids: "http=3,https=7"} on a two-port Service: VS 3 gets the pods on the http target
     * port, VS 7 on the https one; both follow a scale up and down. With {@code vsid} added as well, the Service
     * is refused by name and keeps its RS; with the https entry removed from the annotation, the agent's RS leave
     * VS 7 and VS 3 keeps its own. The RS a person added on each VS stay.
     */
    @Test
    void aServiceWithTwoPortsFeedsTwoVirtualServicesEachOnItsTargetPort() throws Exception {
        try (Scenario s = scenario("e2e-twoports", 3, 7)) {
            s.loadMaster.engine().addRealServerByHand(3, "192.168.77.7", 8080);
            s.loadMaster.engine().addRealServerByHand(7, "192.168.77.7", 8080);
            s.deployment(s.namespace, "web", 2, Map.of("http", 8080, "https", 8443));
            Scenario.labelledService(
                    s.admin,
                    s.namespace,
                    "web",
                    Map.of("kube-lm-agent/vsids", "http=3,https=7"),
                    Map.of(
                            "selector",
                            Map.of("app", "web"),
                            "ports",
                            List.of(
                                    Map.of("name", "http", "port", 80, "targetPort", "http"),
                                    Map.of("name", "https", "port", 443, "targetPort", "https"))));
            List<String> two = s.awaitReadyEndpoints("web", 4);

            AgentProcess agent = s.startAgent();
            awaitBothPorts(s, two);

            s.scale("web", 3);
            awaitBothPorts(s, s.awaitReadyEndpoints("web", 6));
            s.scale("web", 1);
            List<String> one = s.awaitReadyEndpoints("web", 2);
            awaitBothPorts(s, one);

            int mark = agent.mark();
            s.annotate("web", "vsid", "3");
            agent.await(
                    () -> "an error saying e2e-twoports/web has both annotations",
                    () -> agent.linesSince(mark).stream()
                            .anyMatch(
                                    l -> l.startsWith("<3>")
                                            && l.contains(
                                                    "e2e-twoports/web: has both the vsid and the kube-lm-agent/vsids annotation")),
                    Scenario.CONVERGE);
            agent.awaitPasses(2, Scenario.CONVERGE);
            assertEquals(expected(one, ":8080", HAND_MADE), s.realServersAndEnable(3), "refused, kept");
            assertEquals(expected(one, ":8443", HAND_MADE), s.realServersAndEnable(7), "refused, kept");
            s.annotate("web", "vsid", null);

            int removal = agent.mark();
            s.annotate("web", "kube-lm-agent/vsids", "http=3");
            s.awaitRealServers(7, List.of(HAND_MADE), List.of());
            awaitDisabledThenRemoved(
                    agent,
                    removal,
                    7,
                    "e2e-twoports/web",
                    one.stream().filter(e -> e.endsWith(":8443")).toArray(String[]::new));
            agent.awaitPasses(2, Scenario.CONVERGE);
            assertEquals(expected(one, ":8080", HAND_MADE), s.realServersAndEnable(3));
        }
    }

    // ---- helpers

    private Scenario scenario(String namespace, int... vsIndexes) throws Exception {
        namespaces.add(namespace);
        return new Scenario(cluster, dir, namespace, token, vsIndexes);
    }

    /** Registers node-N, InternalIP 192.168.50.(10+N), pod network 10.244.N.0/24; removed after the test. */
    private void addNode(String name, int n) {
        addedNodes.add(name);
        cluster.nodes.addNode(new StandInNodes.Node(name, "10.244." + n + ".", "192.168.50." + (10 + n)));
    }

    /** Sets or removes ({@code null}) a label of a node, as an administrator would. */
    private static void labelNode(String name, String key, String value) {
        Map<String, Object> labels = new HashMap<>();
        labels.put(key, value);
        cluster.admin.patch("/api/v1/nodes/" + name, Map.of("metadata", Map.of("labels", labels)));
    }

    /** {@code kubectl cordon} / {@code uncordon}. */
    private static void cordon(String name, boolean on) {
        Map<String, Object> spec = new HashMap<>();
        spec.put("unschedulable", on ? true : null);
        cluster.admin.patch("/api/v1/nodes/" + name, Map.of("spec", spec));
    }

    /** A NodePort Service of the app's pods, port http 80 → target port http, on this nodePort. */
    private static void nodePortService(
            Scenario s, String name, int nodePort, String trafficPolicy, Map<String, String> annotations) {
        Scenario.labelledService(
                s.admin,
                s.namespace,
                name,
                annotations,
                Map.of(
                        "type",
                        "NodePort",
                        "externalTrafficPolicy",
                        trafficPolicy,
                        "selector",
                        Map.of("app", name),
                        "ports",
                        List.of(Map.of("name", "http", "port", 80, "targetPort", "http", "nodePort", nodePort))));
    }

    /** The node-N Real Server on this port: {@code 192.168.50.(10+N):port}. */
    private static String node(int n, int port) {
        return "192.168.50." + (10 + n) + ":" + port;
    }

    /** Real Servers: each Integer a node (see {@link #node}), each String as it is. */
    private static List<String> nodes(int port, Object... members) {
        List<String> all = new ArrayList<>();
        for (Object m : members) {
            all.add(m instanceof Integer n ? node(n, port) : (String) m);
        }
        return all;
    }

    /** The name of the app's pod on this node. */
    private static String podOn(Scenario s, String app, String node) {
        var list = s.admin.get("/api/v1/namespaces/" + s.namespace + "/pods?labelSelector=app%3D" + app);
        for (var item : list.getAsJsonArray("items")) {
            var pod = item.getAsJsonObject();
            if (node.equals(pod.getAsJsonObject("spec").get("nodeName").getAsString())) {
                return pod.getAsJsonObject("metadata").get("name").getAsString();
            }
        }
        throw new AssertionError("no pod of " + app + " on " + node + ": " + s.podNodes(app));
    }

    /** Waits until exactly {@code count} pods of the app are left (none terminating); returns their nodes. */
    private static List<String> awaitPodNodes(Scenario s, String app, int count) throws InterruptedException {
        s.agent()
                .await(
                        () -> count + " pods of " + app + " (on " + s.podNodes(app) + ", pods " + s.pods(app) + ")",
                        () -> s.pods(app).size() == count,
                        Scenario.CONVERGE);
        return s.podNodes(app);
    }

    /** Waits until VS 3 holds the endpoints on 8080 and VS 7 those on 8443, enabled, each with HAND_MADE. */
    private static void awaitBothPorts(Scenario s, List<String> endpoints) throws InterruptedException {
        s.awaitRealServers(3, Scenario.plus(only(endpoints, ":8080"), HAND_MADE), List.of());
        s.awaitRealServers(7, Scenario.plus(only(endpoints, ":8443"), HAND_MADE), List.of());
    }

    private static List<String> only(List<String> endpoints, String portSuffix) {
        return endpoints.stream().filter(e -> e.endsWith(portSuffix)).toList();
    }

    /** The endpoints on this port and the extra ones, all enabled, as {@link Scenario#realServersAndEnable}. */
    private static List<String> expected(List<String> endpoints, String portSuffix, String... more) {
        return Scenario.plus(only(endpoints, portSuffix), more).stream()
                .map(rs -> rs + " Enable=Y")
                .sorted()
                .toList();
    }

    /**
     * Waits until the agent has logged, since {@code mark}, for each RS: disabled, and later removed (its two-step
     * removal).
     */
    private static void awaitDisabledThenRemoved(AgentProcess agent, int mark, int vs, String service, String... rs)
            throws InterruptedException {
        for (String member : rs) {
            String disabled = "] disabled RS " + member + " in VS " + vs + " (" + service + ")";
            String removed = "] removed RS " + member + " from VS " + vs + " (" + service + ")";
            agent.await(
                    () -> "the agent to log that it disabled, then removed, RS " + member + " of VS " + vs,
                    () -> {
                        List<String> lines = agent.linesSince(mark);
                        int d = indexOf(lines, disabled);
                        int r = indexOf(lines, removed);
                        return d >= 0 && r > d;
                    },
                    Scenario.CONVERGE);
        }
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    /** A hand-written EndpointSlice of the Service (the controllers leave it alone), port http 8080. */
    private static void endpointSlice(
            Scenario s, String name, String service, String addressType, Map<String, Boolean> readiness) {
        s.admin.post(
                "/apis/discovery.k8s.io/v1beta1/namespaces/" + s.namespace + "/endpointslices",
                Map.of(
                        "metadata",
                        Map.of(
                                "name",
                                name,
                                "labels",
                                Map.of(
                                        "kubernetes.io/service-name",
                                        service,
                                        "endpointslice.kubernetes.io/managed-by",
                                        MANAGED_BY)),
                        "addressType",
                        addressType,
                        "ports",
                        List.of(Map.of("name", "http", "port", 8080, "protocol", "TCP")),
                        "endpoints",
                        endpoints(readiness)));
    }

    private static List<Map<String, Object>> endpoints(Map<String, Boolean> readiness) {
        List<Map<String, Object>> endpoints = new ArrayList<>();
        readiness.forEach((address, ready) ->
                endpoints.add(Map.of("addresses", List.of(address), "conditions", Map.of("ready", ready))));
        return endpoints;
    }
}
