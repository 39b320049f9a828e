package kubelmagent.kube.wire;

import java.util.List;
import java.util.Map;

/**
 * {@code GET /apis/discovery.k8s.io/v1/.../endpointslices}: an {@code EndpointSliceList}. The fields
 * read here are the same in {@code discovery.k8s.io/v1beta1}.
 */
public record EndpointSliceList(ListMeta metadata, List<EndpointSlice> items)
        implements ListPage<EndpointSliceList.EndpointSlice> {

    public EndpointSliceList {
        items = items == null ? List.of() : items;
    }

    /** An {@code EndpointSlice}; {@code addressType} is {@code IPv4}, {@code IPv6} or {@code FQDN}. */
    public record EndpointSlice(ObjectMeta metadata, String addressType, List<Endpoint> endpoints, List<Port> ports) {

        public EndpointSlice {
            endpoints = endpoints == null ? List.of() : endpoints;
            ports = ports == null ? List.of() : ports;
        }
    }

    /** {@code endpoints[]}: one backend (pod) with one or more addresses. */
    public record Endpoint(
            List<String> addresses, Conditions conditions, String nodeName, Map<String, String> topology) {

        public Endpoint {
            addresses = addresses == null ? List.of() : addresses;
            topology = topology == null ? Map.of() : topology;
        }

        public Endpoint(List<String> addresses, Conditions conditions, String nodeName) {
            this(addresses, conditions, nodeName, null);
        }

        /**
         * The node the endpoint runs on: {@code nodeName} (v1; v1beta1 from Kubernetes 1.20 with a feature gate),
         * else the {@code kubernetes.io/hostname} of v1beta1's {@code topology}; null if neither is set.
         */
        public String node() {
            return nodeName != null ? nodeName : topology.get("kubernetes.io/hostname");
        }
    }

    /** {@code endpoints[].conditions}; null means unknown, which Kubernetes says to treat as true for ready. */
    public record Conditions(Boolean ready, Boolean serving, Boolean terminating) {}

    /** {@code ports[]}: {@code port} is the resolved target port; {@code name} matches the Service port's. */
    public record Port(String name, Integer port, String protocol) {}
}
