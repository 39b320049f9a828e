package kubelmagent.kube;

import static kubelmagent.kube.KubernetesSourceTest.members;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import kubelmagent.kube.wire.EndpointSliceList;
import kubelmagent.kube.wire.EndpointSliceList.Conditions;
import kubelmagent.kube.wire.EndpointSliceList.Endpoint;
import kubelmagent.kube.wire.EndpointSliceList.EndpointSlice;
import kubelmagent.kube.wire.Endpoints;
import kubelmagent.kube.wire.ServiceList;
import kubelmagent.model.ServicePort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The matching rules of {@link ServicePorts}, on hand-made objects. */
class ServicePortsTest {

    private static EndpointSlice slice(List<EndpointSliceList.Port> ports, Endpoint... endpoints) {
        return new EndpointSlice(null, "IPv4", Arrays.asList(endpoints), ports);
    }

    private static Endpoint ready(String... addresses) {
        return new Endpoint(List.of(addresses), new Conditions(true, true, false), "worker-1");
    }

    @Test
    void treatsAnAbsentPortNameAsTheEmptyNameAndAnAbsentProtocolAsTcp() {
        var service = List.of(new ServiceList.Port(null, 80, null));
        var slice = slice(List.of(new EndpointSliceList.Port("", 8080, "TCP")), ready("10.0.0.1"));
        var sliceWithNulls = slice(List.of(new EndpointSliceList.Port(null, 8081, null)), ready("10.0.0.2"));

        assertEquals(
                List.of(new ServicePort("", 80, "TCP", members("10.0.0.1:8080", "10.0.0.2:8081"))),
                ServicePorts.fromEndpointSlices(service, List.of(slice, sliceWithNulls)));
    }

    @Test
    void countsEndpointsWithoutAReadyConditionAndLeavesOutReadyFalse() {
        var service = List.of(new ServiceList.Port("http", 80, "TCP"));
        var ports = List.of(new EndpointSliceList.Port("http", 8080, "TCP"));
        var noConditions = new Endpoint(List.of("10.0.0.1"), null, null);
        var readyNull = new Endpoint(List.of("10.0.0.2"), new Conditions(null, null, null), null);
        var notReady = new Endpoint(List.of("10.0.0.3"), new Conditions(false, true, true), null);

        assertEquals(
                members("10.0.0.1:8080", "10.0.0.2:8080"),
                ServicePorts.fromEndpointSlices(service, List.of(slice(ports, noConditions, readyNull, notReady)))
                        .get(0)
                        .members());
    }

    @ParameterizedTest(name = "ready={0} serving={1} terminating={2}: {3}")
    @CsvSource(
            nullValues = "unset",
            value = {
                "true,  true,  false, member",
                "unset, unset, unset, member",
                "false, false, false, neither",
                "false, true,  true,  draining",
                "true,  true,  true,  draining",
                "false, false, true,  neither",
                "false, unset, true,  neither",
                "unset, unset, true,  neither",
            })
    void sortsAnEndpointByItsConditions(Boolean ready, Boolean serving, Boolean terminating, String expected) {
        var service = List.of(new ServiceList.Port("http", 80, "TCP"));
        var endpoint = new Endpoint(List.of("10.0.0.1"), new Conditions(ready, serving, terminating), null);

        ServicePort port = ServicePorts.fromEndpointSlices(
                        service, List.of(slice(List.of(new EndpointSliceList.Port("http", 8080, "TCP")), endpoint)))
                .get(0);

        assertEquals(expected.equals("member") ? members("10.0.0.1:8080") : members(), port.members());
        assertEquals(expected.equals("draining") ? members("10.0.0.1:8080") : members(), port.draining());
    }

    @Test
    void keepsAnAddressThatIsReadyInOneSliceAndDrainingInAnotherAsAMemberOnly() {
        var service = List.of(new ServiceList.Port("http", 80, "TCP"));
        var ports = List.of(new EndpointSliceList.Port("http", 8080, "TCP"));
        var draining = new Endpoint(List.of("10.0.0.1", "10.0.0.2"), new Conditions(false, true, true), null);

        ServicePort port = ServicePorts.fromEndpointSlices(
                        service, List.of(slice(ports, draining), slice(ports, ready("10.0.0.1"))))
                .get(0);

        assertEquals(members("10.0.0.1:8080"), port.members());
        assertEquals(members("10.0.0.2:8080"), port.draining());
    }

    @Test
    void skipsSlicePortsWithoutAPortNumber() {
        var service = List.of(new ServiceList.Port("http", 80, "TCP"));
        var slice = slice(List.of(new EndpointSliceList.Port("http", null, "TCP")), ready("10.0.0.1"));

        assertEquals(
                members(),
                ServicePorts.fromEndpointSlices(service, List.of(slice)).get(0).members());
    }

    @Test
    void takesEveryReadyAddressOfCoreEndpointsTimesItsMatchingPort() {
        var service = List.of(new ServiceList.Port("http", 80, "TCP"), new ServiceList.Port("dns", 53, "UDP"));
        var subset = new Endpoints.Subset(
                List.of(new Endpoints.Address("10.0.0.1", "n1"), new Endpoints.Address("10.0.0.2", "n2")),
                List.of(new Endpoints.Address("10.0.0.3", "n3")),
                List.of(new Endpoints.Port("http", 8080, "TCP"), new Endpoints.Port("dns", 5353, "TCP")));

        assertEquals(
                List.of(
                        new ServicePort("http", 80, "TCP", members("10.0.0.1:8080", "10.0.0.2:8080")),
                        new ServicePort("dns", 53, "UDP", members())),
                ServicePorts.fromEndpoints(service, List.of(subset)));
    }
}
