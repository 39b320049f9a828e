package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.demo.StandInKubernetesApi.Endpoint;
import kubelmagent.demo.StandInKubernetesApi.Node;
import kubelmagent.demo.StandInKubernetesApi.Port;
import kubelmagent.http.ApiObserver;
import kubelmagent.model.Backends;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Member;
import kubelmagent.model.Problem;
import kubelmagent.model.ServicePort;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes read beyond Kemp's Service Mode, against the stand-in API server: Services in NodePort mode (nodes
 * and their addresses, {@code externalTrafficPolicy}), IPv6 and dual-stack endpoints, and one Service bound to
 * several Virtual Services by {@code kube-lm-agent/vsids}; and what each of them gets wrong.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KubernetesSourceModesTest {

    private static final String TOKEN = "stand-in-token";
    private static final Map<String, String> LABELLED = Map.of("kempLB", "Enabled");
    private static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    private static final VirtualServiceId VS7 = VirtualServiceId.of(7);

    @TempDir
    Path dir;

    private StandInKubernetesApi cluster;
    private KubernetesSource source;
    private final List<String> rings = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cluster = StandInKubernetesApi.start(dir, TOKEN);
        cluster.node(Node.of("node-1", "192.168.50.11"))
                .node(Node.of("node-2", "192.168.50.12"))
                .node(Node.of("node-3", "192.168.50.13"));
    }

    @AfterEach
    void stop() throws Exception {
        if (source != null) {
            source.close();
        }
        cluster.close();
    }

    private KubernetesSource source(NodeModeSettings modes) throws Exception {
        KubernetesConnection connection = StandInConnection.to(cluster, TOKEN, Duration.ofSeconds(5));
        source = new KubernetesSource(connection, List.of(), Selector.KEMP_DEFAULT, modes, ApiObserver.NONE);
        return source;
    }

    private DesiredState read() throws Exception {
        return (source == null ? source(NodeModeSettings.DEFAULT) : source).read();
    }

    /** A NodePort Service web in shop with port http 80 → 8080 on nodePort 30080, pods on nodes 1 and 2. */
    private void nodePortService(Map<String, String> annotations, String trafficPolicy) {
        cluster.service("shop", "web", LABELLED, annotations, List.of(Port.tcp("http", 80, 8080, 30080)))
                .serviceType("shop", "web", "NodePort", trafficPolicy)
                .endpoints(
                        "shop",
                        "web",
                        List.of(
                                Endpoint.ready("10.244.1.5").on("node-1"),
                                Endpoint.ready("10.244.2.5").on("node-2")));
    }

    private static Set<Member> members(String... addresses) {
        Set<Member> set = new TreeSet<>();
        for (String a : addresses) {
            int colon = a.lastIndexOf(':');
            set.add(new Member(
                    a.substring(0, colon).replace("[", "").replace("]", ""), Integer.parseInt(a.substring(colon + 1))));
        }
        return set;
    }

    private static ServicePort only(DesiredState state) {
        assertEquals(1, state.services().size(), "services: " + state.services() + ", problems: " + state.problems());
        List<ServicePort> ports = state.services().get(0).ports();
        assertEquals(1, ports.size());
        return ports.get(0);
    }

    // ---- NodePort mode --------------------------------------------------------------------------------------

    @Test
    void aNodePortServiceIsServedByEveryReadyNodeOnItsNodePort() throws Exception {
        nodePortService(Map.of("vsid", "3", "kube-lm-agent/mode", "nodeport"), "Cluster");

        DesiredState state = read();

        DesiredService web = state.services().get(0);
        assertEquals(Backends.NODE_PORTS, web.backends());
        assertEquals(80, only(state).port(), "the Service port, for the port choice rule");
        assertEquals(
                members("192.168.50.11:30080", "192.168.50.12:30080", "192.168.50.13:30080"),
                only(state).members());
        assertEquals(List.of(), state.problems());
    }

    @Test
    void withLocalTrafficOnlyNodesHoldingAReadyEndpointServeAndOnesWithOnlyTerminatingEndpointsDrain()
            throws Exception {
        nodePortService(Map.of("vsid", "3", "kube-lm-agent/mode", "nodeport"), "Local");
        cluster.endpoints(
                "shop",
                "web",
                List.of(
                        Endpoint.ready("10.244.1.5").on("node-1"),
                        Endpoint.terminating("10.244.2.5").on("node-2")));

        ServicePort port = only(read());

        assertEquals(members("192.168.50.11:30080"), port.members());
        assertEquals(members("192.168.50.12:30080"), port.draining());
    }

    @Test
    void withLocalTrafficAndEndpointsThatNameNoNodeTheBindingIsSkippedAndKeepsItsRealServers() throws Exception {
        nodePortService(Map.of("vsid", "3", "kube-lm-agent/mode", "nodeport"), "Local");
        cluster.scale("shop", "web", "10.244.1.5", "10.244.2.5");

        DesiredState state = read();

        assertEquals(List.of(), state.services());
        assertEquals(VS3, state.skipped().get(0).vs());
        assertEquals(
                "shop/web: has externalTrafficPolicy: Local, but none of its endpoints says which node it runs on"
                        + " (nodeName), so the nodes that serve it are unknown and VS 3 is left as it is; set"
                        + " externalTrafficPolicy: Cluster, or give the endpoints their nodeName",
                state.skipped().get(0).problem().message());
    }

    @Test
    void notReadyExcludedAndCordonedNodesAreLeftOutOrDrained() throws Exception {
        nodePortService(Map.of("vsid", "3", "kube-lm-agent/mode", "nodeport"), "Cluster");
        cluster.node(Node.of("node-1", "192.168.50.11").notReady())
                .node(Node.of("node-2", "192.168.50.12").excludedFromExternalLoadBalancers())
                .node(Node.of("node-3", "192.168.50.13").cordoned())
                .node(Node.of("node-4", "192.168.50.14"));

        ServicePort port = only(read());

        assertEquals(members("192.168.50.14:30080"), port.members());
        assertEquals(members("192.168.50.13:30080"), port.draining());
    }

    @Test
    void theDefaultModeComesFromTheSettingsAndTheAnnotationOverridesIt() throws Exception {
        nodePortService(Map.of("vsid", "3"), "Cluster");
        source(new NodeModeSettings(Backends.NODE_PORTS, false));
        assertEquals(Backends.NODE_PORTS, read().services().get(0).backends());

        cluster.service(
                "shop",
                "web",
                LABELLED,
                Map.of("vsid", "3", "kube-lm-agent/mode", "pods"),
                List.of(Port.tcp("http", 80, 8080, 30080)));
        ServicePort port = only(read());
        assertEquals(members("10.244.1.5:8080", "10.244.2.5:8080"), port.members());
    }

    @Test
    void aClusterIpServiceInNodePortModeIsSkippedWithTheFix() throws Exception {
        cluster.service(
                        "shop",
                        "web",
                        LABELLED,
                        Map.of("vsid", "3", "kube-lm-agent/mode", "nodeport"),
                        List.of(Port.tcp("http", 80, 8080)))
                .scale("shop", "web", "10.244.1.5");

        DesiredState state = read();

        assertEquals(List.of(), state.services());
        SkippedService skipped = state.skipped().get(0);
        assertFalse(skipped.unread());
        assertEquals(
                "shop/web: is in NodePort mode (kube-lm-agent/mode, or kubernetes.defaultMode) but is of type ClusterIP,"
                        + " which opens no port on the nodes; make it type NodePort or LoadBalancer, or set"
                        + " kube-lm-agent/mode: pods",
                skipped.problem().message());
    }

    @Test
    void nodesThatCannotBeReadSkipOnlyTheServicesInNodePortModeAsUnread() throws Exception {
        nodePortService(Map.of("vsid", "3", "kube-lm-agent/mode", "nodeport"), "Cluster");
        cluster.service("shop", "cart", LABELLED, Map.of("vsid", "4"), List.of(Port.tcp("http", 80, 8080)))
                .scale("shop", "cart", "10.244.3.5");
        cluster.failNext("/api/v1/nodes", 10, 403);

        DesiredState state = read();

        assertEquals(
                List.of("shop/cart"),
                state.services().stream().map(s -> s.service().toString()).toList());
        SkippedService web = state.skipped().get(0);
        assertTrue(web.unread(), "the nodes were not read: web keeps its Real Servers");
        assertEquals(VS3, web.vs());
        assertTrue(
                web.problem()
                        .message()
                        .startsWith("shop/web: left out of this pass because it is in NodePort mode and"
                                + " the nodes could not be read: "),
                web.problem().message());
        assertTrue(web.problem().message().contains("nodes"), web.problem().message());
        assertFalse(state.everythingRead());
    }

    @Test
    void nodesAreListedOnceForAllServicesInNodePortModeAndNotAtAllWithout() throws Exception {
        cluster.service("shop", "cart", LABELLED, Map.of("vsid", "4"), List.of(Port.tcp("http", 80, 8080)))
                .scale("shop", "cart", "10.244.3.5");
        read();
        int before = cluster.requests();
        read();
        int podModeOnly = cluster.requests() - before;

        for (String name : List.of("a", "b", "c")) {
            cluster.service(
                            "shop",
                            name,
                            LABELLED,
                            Map.of("vsid", String.valueOf(10 + name.charAt(0)), "kube-lm-agent/mode", "nodeport"),
                            List.of(Port.tcp("http", 80, 8080, 30000 + name.charAt(0))))
                    .serviceType("shop", name, "NodePort", "Cluster");
        }
        read();
        before = cluster.requests();
        DesiredState state = read();

        assertEquals(2, podModeOnly, "the Service list and one slice list");
        assertEquals(3, cluster.requests() - before, "and one node list for the three Services in NodePort mode");
        assertEquals(4, state.services().size());
    }

    @Test
    void aReadyNodeWithoutAnInternalAddressIsNamedAndReachedAtItsExternalOneOnlyWhenAllowed() throws Exception {
        nodePortService(Map.of("vsid", "3", "kube-lm-agent/mode", "nodeport"), "Cluster");
        cluster.node(Node.of("node-3", "192.168.50.13")
                .withAddresses(Node.Address.externalIp("203.0.113.13"), Node.Address.hostname("node-3")));

        DesiredState internalOnly = read();
        source.close();
        source = null;
        source(new NodeModeSettings(Backends.PODS, true));
        DesiredState external = read();

        assertEquals(
                members("192.168.50.11:30080", "192.168.50.12:30080"),
                only(internalOnly).members());
        assertEquals(
                List.of("node node-3 is Ready but has no InternalIP address, so it is no Real Server of Services in"
                        + " NodePort mode; if the LoadMaster reaches it at its ExternalIP, set kubernetes.nodeAddress:"
                        + " external"),
                internalOnly.problems().stream().map(Problem::message).toList());
        assertEquals(
                members("192.168.50.11:30080", "192.168.50.12:30080", "203.0.113.13:30080"),
                only(external).members());
        assertTrue(internalOnly.everythingRead(), "a node without an address does not make the read incomplete");
    }

    // ---- IPv6 and dual-stack --------------------------------------------------------------------------------

    @Test
    void ipv6AndDualStackEndpointsBecomeMembersInCanonicalForm() throws Exception {
        cluster.service("shop", "web", LABELLED, Map.of("vsid", "3"), List.of(Port.tcp("http", 80, 8080)))
                .ipFamilies("shop", "web", "IPv4", "IPv6")
                .endpoints(
                        "shop",
                        "web",
                        List.of(
                                Endpoint.ready("10.244.1.5"),
                                Endpoint.ready("FD00:10:244:1:0:0:0:5"),
                                Endpoint.terminating("fd00:10:244:2::5")));

        ServicePort port = only(read());

        assertEquals(members("10.244.1.5:8080", "[fd00:10:244:1::5]:8080"), port.members());
        assertEquals(members("[fd00:10:244:2::5]:8080"), port.draining());
    }

    // ---- several Virtual Services -----------------------------------------------------------------------------

    @Test
    void eachPortNamedInVsidsFeedsItsOwnVirtualService() throws Exception {
        cluster.service(
                        "shop",
                        "web",
                        LABELLED,
                        Map.of("kube-lm-agent/vsids", "http=3, https=7"),
                        List.of(Port.tcp("http", 80, 8080), Port.tcp("https", 443, 8443)))
                .scale("shop", "web", "10.244.1.5");

        DesiredState state = read();

        List<String> bindings = state.services().stream()
                .map(s -> s.vs() + " "
                        + s.ports().stream()
                                .map(p -> p.name() + "=" + p.members())
                                .collect(Collectors.joining()))
                .toList();
        assertEquals(List.of("3 http=[10.244.1.5:8080]", "7 https=[10.244.1.5:8443]"), bindings);
        assertEquals(List.of(), state.problems());
    }

    @Test
    void anUnnamedPortIsNamedByItsNumber() throws Exception {
        cluster.service("shop", "web", LABELLED, Map.of("kube-lm-agent/vsids", "80=3"), List.of(Port.tcp("", 80, 8080)))
                .scale("shop", "web", "10.244.1.5");

        assertEquals(members("10.244.1.5:8080"), only(read()).members());
    }

    @Test
    void aPortTheServiceLacksSkipsThatBindingOnlyAndKeepsItsVirtualService() throws Exception {
        cluster.service(
                        "shop",
                        "web",
                        LABELLED,
                        Map.of("kube-lm-agent/vsids", "http=3,htps=7"),
                        List.of(Port.tcp("http", 80, 8080), Port.tcp("https", 443, 8443)))
                .scale("shop", "web", "10.244.1.5");

        DesiredState state = read();

        assertEquals(
                List.of(VS3), state.services().stream().map(DesiredService::vs).toList());
        SkippedService skipped = state.skipped().get(0);
        assertEquals(VS7, skipped.vs(), "VS 7 is held as a skipped Service's");
        assertEquals(
                "shop/web: kube-lm-agent/vsids binds VS 7 to port \"htps\", which the Service does not have (its"
                        + " ports: http (80/TCP), https (443/TCP)); name one of them, or its number if it has no name; VS 7"
                        + " is left as it is",
                skipped.problem().message());
    }

    @Test
    void vsidAndVsidsTogetherSkipTheWholeService() throws Exception {
        cluster.service(
                        "shop",
                        "web",
                        LABELLED,
                        Map.of("vsid", "3", "kube-lm-agent/vsids", "http=7"),
                        List.of(Port.tcp("http", 80, 8080)))
                .scale("shop", "web", "10.244.1.5");

        DesiredState state = read();

        assertEquals(List.of(), state.services());
        assertEquals(
                List.of("shop/web: has both the vsid and the kube-lm-agent/vsids annotation; keep vsid to bind the"
                        + " Service to one Virtual Service, or kube-lm-agent/vsids to bind its ports to several, not"
                        + " both"),
                state.problems().stream().map(Problem::message).toList());
        assertEquals(null, state.skipped().get(0).vs(), "every Real Server the agent holds for it stays");
    }

    // ---- the change watch and nodes -----------------------------------------------------------------------------

    @Test
    void aNodeChangeThatMattersRingsAndOneThatDoesNotStaysQuiet() throws Exception {
        nodePortService(Map.of("vsid", "3", "kube-lm-agent/mode", "nodeport"), "Cluster");
        source(NodeModeSettings.DEFAULT).watchChanges(rings::add);
        read();
        assertTrue(waitUntil(() -> cluster.openWatches() == 3), "Services, EndpointSlices and nodes");
        assertTrue(waitUntil(
                () -> rings.stream().filter(r -> r.contains("(re)started")).count() == 3));
        rings.clear();

        cluster.node(Node.of("node-2", "192.168.50.12").withLabel("team", "blue"));
        cluster.node(Node.of("node-3", "192.168.50.13").notReady());

        assertTrue(waitUntil(() -> rings.stream().anyMatch(r -> r.contains("node-3"))), "rings: " + rings);
        assertEquals(
                List.of(),
                new ArrayList<>(rings)
                        .stream().filter(r -> r.contains("node-2")).toList());
    }

    @Test
    void withoutAServiceInNodePortModeTheNodesAreNotWatched() throws Exception {
        cluster.service("shop", "web", LABELLED, Map.of("vsid", "3"), List.of(Port.tcp("http", 80, 8080)))
                .scale("shop", "web", "10.244.1.5");
        source(NodeModeSettings.DEFAULT).watchChanges(rings::add);
        read();

        assertTrue(waitUntil(() -> cluster.openWatches() == 2));
        Thread.sleep(300);
        assertEquals(2, cluster.openWatches());
    }

    private static boolean waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
