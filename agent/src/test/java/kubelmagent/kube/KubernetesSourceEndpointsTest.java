package kubelmagent.kube;

import static kubelmagent.kube.FakeApiServer.ALL_SERVICES;
import static kubelmagent.kube.FakeApiServer.DISCOVERY;
import static kubelmagent.kube.FakeApiServer.endpointSlices;
import static kubelmagent.kube.FakeApiServer.endpointSlicesIn;
import static kubelmagent.kube.FakeApiServer.endpoints;
import static kubelmagent.kube.FakeApiServer.endpointsList;
import static kubelmagent.kube.FakeApiServer.json;
import static kubelmagent.kube.FakeApiServer.merged;
import static kubelmagent.kube.FakeApiServer.status;
import static kubelmagent.kube.KubernetesSourceTest.byRef;
import static kubelmagent.kube.KubernetesSourceTest.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import kubelmagent.model.DesiredState;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How {@link KubernetesSource} turns EndpointSlices into ready and draining members per Service port. */
class KubernetesSourceEndpointsTest {

    private static final ServiceRef WEB = new ServiceRef("shop", "web");

    private FakeApiServer api;

    @BeforeEach
    void startServer() throws IOException {
        api = new FakeApiServer();
        api.start();
        api.on(DISCOVERY, json("discovery-v1.json")).on(ALL_SERVICES, json("services-shop.json"));
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    /** Web's slices come in one list with those of api, the other Service of its namespace. */
    private List<ServicePort> webPortsFrom(String slicesFixture) {
        api.on(endpointSlices("shop", "web", "api"), merged(slicesFixture, "endpointslices-api.json"));
        return webPorts();
    }

    /** As a Kubernetes 1.20 server offers them: discovery.k8s.io/v1beta1 only. */
    private List<ServicePort> webPortsFromV1beta1(String slicesFixture) {
        api.on(DISCOVERY, json("discovery-v1beta1.json"))
                .on(
                        endpointSlicesIn("v1beta1", "shop", "web", "api"),
                        merged(slicesFixture, "endpointslices-api.json"));
        return webPorts();
    }

    private List<ServicePort> webPorts() {
        DesiredState state;
        try (KubernetesSource source = new KubernetesSource(api.connection(), List.of(), Selector.KEMP_DEFAULT)) {
            state = source.read();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertTrue(state.complete(), () -> "problems: " + state.problems());
        return byRef(state).get(WEB).ports();
    }

    @Test
    void countsEndpointsWhoseReadyConditionIsAbsentAndLeavesOutThoseNotReady() {
        // 10.244.2.11 is ready=false (terminating); 10.244.3.12 has no ready condition at all
        List<ServicePort> ports = webPortsFrom("endpointslices-web.json");

        assertEquals(
                members("10.244.1.10:8080", "10.244.3.12:8080"), ports.get(0).members());
    }

    @Test
    void drainsEndpointsThatAreTerminatingButStillServingOnTheirResolvedPorts() {
        // slice 1 (http on 8080): 10.244.1.10 ready; 10.244.2.11 draining; 10.244.2.12 terminating, not serving;
        //   10.244.2.13 terminating without a serving condition; 10.244.3.14 neither ready nor terminating
        // slice 2 (http on 9090, the named port of newer pods): 10.244.5.20 ready; 10.244.5.21 draining
        // slice 3 (http on 8080): 10.244.1.10 draining, a stale copy of the ready one in slice 1
        List<ServicePort> ports = webPortsFrom("endpointslices-web-draining.json");

        assertEquals(
                List.of(
                        new ServicePort(
                                "http",
                                80,
                                "TCP",
                                members("10.244.1.10:8080", "10.244.5.20:9090"),
                                members("10.244.2.11:8080", "10.244.5.21:9090")),
                        new ServicePort(
                                "https",
                                443,
                                "TCP",
                                members("10.244.1.10:8443", "10.244.5.20:9443"),
                                members("10.244.2.11:8443", "10.244.5.21:9443"))),
                ports);
    }

    @Test
    void drainsFromV1beta1SlicesOfKubernetes120WithTheTerminatingConditionGate() {
        List<ServicePort> ports = webPortsFromV1beta1("endpointslices-v1beta1-web-draining.json");

        assertEquals(
                List.of(
                        new ServicePort(
                                "http",
                                80,
                                "TCP",
                                members("10.244.1.10:8080", "10.244.3.12:8080"),
                                members("10.244.2.11:8080")),
                        new ServicePort(
                                "https",
                                443,
                                "TCP",
                                members("10.244.1.10:8443", "10.244.3.12:8443"),
                                members("10.244.2.11:8443"))),
                ports);
    }

    @Test
    void drainsNothingFromV1beta1SlicesWithoutTheTerminatingCondition() {
        // Kubernetes 1.20 without the gate: a terminating pod is only ready=false
        List<ServicePort> ports = webPortsFromV1beta1("endpointslices-v1beta1-web.json");

        assertEquals(
                members("10.244.1.10:8080", "10.244.3.12:8080"), ports.get(0).members());
        assertEquals(members(), ports.get(0).draining());
    }

    @Test
    void drainsNothingFromCoreEndpointsWhichSayNothingOfTerminatingPods() {
        api.on(DISCOVERY, status(404, "status-404.json")).on(endpoints("shop"), endpointsList("endpoints-web.json"));

        List<ServicePort> ports = webPorts();

        assertEquals(
                members("10.244.1.10:8080", "10.244.3.12:8080"), ports.get(0).members());
        assertEquals(members(), ports.get(0).draining(), "10.244.2.11 is among notReadyAddresses");
    }

    @Test
    void deduplicatesAnEndpointThatAppearsInTwoSlices() {
        List<ServicePort> ports = webPortsFrom("endpointslices-web.json");

        assertEquals(2, ports.get(1).members().size(), ports.get(1).members()::toString);
    }

    @Test
    void skipsFqdnSlices() {
        List<ServicePort> ports = webPortsFrom("endpointslices-web.json");

        assertTrue(
                ports.stream().flatMap(p -> p.members().stream()).noneMatch(m -> m.ip().contains("svc")),
                ports::toString);
    }

    @Test
    void resolvesANamedTargetPortPerSlice() {
        // the Service says targetPort: http; old pods serve it on 8080, new pods on 9090;
        // a slice without ports contributes no members
        List<ServicePort> ports = webPortsFrom("endpointslices-web-rollout.json");

        assertEquals(
                List.of(
                        new ServicePort("http", 80, "TCP", members("10.244.1.10:8080", "10.244.5.20:9090")),
                        new ServicePort("https", 443, "TCP", members("10.244.1.10:8443", "10.244.5.20:9443"))),
                ports);
    }

    @Test
    void keepsServicePortsInSpecOrderEvenWithoutEndpoints() {
        List<ServicePort> ports = webPortsFrom("endpointslices-empty.json");

        assertEquals(
                List.of(new ServicePort("http", 80, "TCP", members()), new ServicePort("https", 443, "TCP", members())),
                ports);
    }

    @Test
    void matchesPortsByNameAndProtocolAndTakesEveryAddressOfAnEndpoint() throws IOException {
        api.close();
        api = new FakeApiServer();
        api.start();
        api.on(DISCOVERY, json("discovery-v1.json"))
                .on(ALL_SERVICES, json("services-page2.json"))
                .on(endpointSlices("shop", "metrics"), json("endpointslices-metrics.json"));

        DesiredState state;
        try (KubernetesSource source = new KubernetesSource(api.connection(), List.of(), Selector.KEMP_DEFAULT)) {
            state = source.read();
        }

        // the slice also has syslog 6514/TCP, which must not match the Service's syslog 514/UDP
        assertEquals(
                List.of(
                        new ServicePort(
                                "metrics",
                                9100,
                                "TCP",
                                members("10.244.1.30:9100", "10.244.2.31:9100", "10.244.2.32:9100")),
                        new ServicePort(
                                "syslog",
                                514,
                                "UDP",
                                members("10.244.1.30:5514", "10.244.2.31:5514", "10.244.2.32:5514"))),
                byRef(state).get(new ServiceRef("shop", "metrics")).ports());
    }
}
