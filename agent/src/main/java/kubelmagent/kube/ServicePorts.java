package kubelmagent.kube;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import kubelmagent.kube.wire.EndpointSliceList.Conditions;
import kubelmagent.kube.wire.EndpointSliceList.Endpoint;
import kubelmagent.kube.wire.EndpointSliceList.EndpointSlice;
import kubelmagent.kube.wire.Endpoints;
import kubelmagent.kube.wire.ServiceList;
import kubelmagent.model.Member;
import kubelmagent.model.ServicePort;

/**
 * Works out the ready and draining members behind each port of a Service from its EndpointSlices or its
 * core/v1 Endpoints. A Service port and an endpoint port belong together when their names and protocols are
 * equal; the member port is the endpoint's port, which is the Service's {@code targetPort} as
 * Kubernetes resolved it for those pods (so named target ports work, and may differ between slices).
 */
final class ServicePorts {

    private static final String DEFAULT_PROTOCOL = "TCP";

    private ServicePorts() {}

    /**
     * From EndpointSlices: an endpoint that is not terminating is a member when its {@code ready} is true
     * or unset; one that is terminating but still {@code serving} is draining; other endpoints and FQDN
     * slices are left out. An address that is ready in one slice and draining in another is a member.
     */
    static List<ServicePort> fromEndpointSlices(List<ServiceList.Port> servicePorts, List<EndpointSlice> slices) {
        return pods(endpointSlices(servicePorts, slices));
    }

    /**
     * One Service port and what is behind it: its pods, and the nodes they run on (as the endpoints name them),
     * for NodePort mode with {@code externalTrafficPolicy: Local}. A node with a ready endpoint is never also in
     * {@code drainingNodes}.
     */
    record PortEndpoints(ServiceList.Port spec, ServicePort pods, Set<String> readyNodes, Set<String> drainingNodes) {

        PortEndpoints {
            readyNodes = Set.copyOf(readyNodes);
            Set<String> onlyDraining = new HashSet<>(drainingNodes);
            onlyDraining.removeAll(readyNodes);
            drainingNodes = Set.copyOf(onlyDraining);
        }
    }

    static List<ServicePort> pods(List<PortEndpoints> ports) {
        return ports.stream().map(PortEndpoints::pods).toList();
    }

    /** As {@link #fromEndpointSlices}, with the nodes. */
    static List<PortEndpoints> endpointSlices(List<ServiceList.Port> servicePorts, List<EndpointSlice> slices) {
        List<PortEndpoints> result = new ArrayList<>();
        for (ServiceList.Port servicePort : usable(servicePorts)) {
            Set<Member> members = new HashSet<>();
            Set<Member> draining = new HashSet<>();
            Set<String> readyNodes = new HashSet<>();
            Set<String> drainingNodes = new HashSet<>();
            for (EndpointSlice slice : slices) {
                if ("FQDN".equalsIgnoreCase(slice.addressType())) {
                    continue;
                }
                for (var slicePort : slice.ports()) {
                    if (matches(servicePort.name(), servicePort.protocol(), slicePort.name(), slicePort.protocol())
                            && isPort(slicePort.port())) {
                        addEndpoints(members, draining, readyNodes, drainingNodes, slice.endpoints(), slicePort.port());
                    }
                }
            }
            result.add(new PortEndpoints(
                    servicePort, servicePort(servicePort, members, draining), readyNodes, drainingNodes));
        }
        return result;
    }

    /**
     * From core/v1 Endpoints; {@code notReadyAddresses} are left out. Endpoints say nothing of terminating
     * pods, so nothing is draining.
     */
    static List<ServicePort> fromEndpoints(List<ServiceList.Port> servicePorts, List<Endpoints.Subset> subsets) {
        return pods(endpoints(servicePorts, subsets));
    }

    /** As {@link #fromEndpoints}, with the nodes. */
    static List<PortEndpoints> endpoints(List<ServiceList.Port> servicePorts, List<Endpoints.Subset> subsets) {
        List<PortEndpoints> result = new ArrayList<>();
        for (ServiceList.Port servicePort : usable(servicePorts)) {
            Set<Member> members = new HashSet<>();
            Set<String> nodes = new HashSet<>();
            for (Endpoints.Subset subset : subsets) {
                for (Endpoints.Port endpointPort : subset.ports()) {
                    if (matches(
                                    servicePort.name(),
                                    servicePort.protocol(),
                                    endpointPort.name(),
                                    endpointPort.protocol())
                            && isPort(endpointPort.port())) {
                        for (Endpoints.Address address : subset.addresses()) {
                            if (addMember(members, address.ip(), endpointPort.port()) && address.nodeName() != null) {
                                nodes.add(address.nodeName());
                            }
                        }
                    }
                }
            }
            result.add(new PortEndpoints(servicePort, servicePort(servicePort, members, Set.of()), nodes, Set.of()));
        }
        return result;
    }

    private static List<ServiceList.Port> usable(List<ServiceList.Port> servicePorts) {
        return servicePorts.stream().filter(p -> p != null && isPort(p.port())).toList();
    }

    private static void addEndpoints(
            Set<Member> members,
            Set<Member> draining,
            Set<String> readyNodes,
            Set<String> drainingNodes,
            List<Endpoint> endpoints,
            int port) {
        for (Endpoint endpoint : endpoints) {
            EndpointState state = state(endpoint.conditions());
            if (state != EndpointState.LEFT_OUT) {
                boolean added = false;
                for (String address : endpoint.addresses()) {
                    added |= addMember(state == EndpointState.READY ? members : draining, address, port);
                }
                if (added && endpoint.node() != null) {
                    (state == EndpointState.READY ? readyNodes : drainingNodes).add(endpoint.node());
                }
            }
        }
    }

    /** What an EndpointSlice endpoint is to the agent. */
    private enum EndpointState {
        READY,
        DRAINING,
        LEFT_OUT
    }

    /**
     * Kubernetes: a nil {@code ready} is to be read as ready; {@code serving} and {@code terminating} are
     * set from 1.22 on, and in 1.20 and 1.21 only with the feature gate EndpointSliceTerminatingCondition.
     */
    private static EndpointState state(Conditions conditions) {
        if (conditions == null) {
            return EndpointState.READY;
        }
        if (Boolean.TRUE.equals(conditions.terminating())) {
            return Boolean.TRUE.equals(conditions.serving()) ? EndpointState.DRAINING : EndpointState.LEFT_OUT;
        }
        return conditions.ready() == null || conditions.ready() ? EndpointState.READY : EndpointState.LEFT_OUT;
    }

    /** Whether {@code ip} is an address (not blank): then it is among {@code members} now. */
    private static boolean addMember(Set<Member> members, String ip, int port) {
        if (ip == null || ip.isBlank()) {
            return false;
        }
        members.add(new Member(ip, port));
        return true;
    }

    private static boolean matches(
            String serviceName, String serviceProtocol, String endpointName, String endpointProtocol) {
        return Objects.equals(orEmpty(serviceName), orEmpty(endpointName))
                && Objects.equals(protocol(serviceProtocol), protocol(endpointProtocol));
    }

    private static ServicePort servicePort(ServiceList.Port spec, Set<Member> members, Set<Member> draining) {
        return new ServicePort(orEmpty(spec.name()), spec.port(), protocol(spec.protocol()), members, draining);
    }

    private static boolean isPort(Integer port) {
        return port != null && port >= 1 && port <= 65535;
    }

    private static String orEmpty(String name) {
        return name == null ? "" : name;
    }

    private static String protocol(String protocol) {
        return protocol == null || protocol.isEmpty() ? DEFAULT_PROTOCOL : protocol;
    }
}
