package kubelmagent.kube.wire;

import java.util.List;

/** {@code GET /api/v1/services}: a {@code ServiceList}. */
public record ServiceList(ListMeta metadata, List<Service> items) implements ListPage<ServiceList.Service> {

    public ServiceList {
        items = items == null ? List.of() : items;
    }

    /** A {@code Service}. */
    public record Service(ObjectMeta metadata, Spec spec) {

        public Service {
            metadata = metadata == null ? new ObjectMeta(null, null, null, null) : metadata;
            spec = spec == null ? new Spec(null, null) : spec;
        }
    }

    /**
     * {@code spec}: {@code type} is null for the default, ClusterIP; {@code externalTrafficPolicy} is {@code Cluster}
     * or {@code Local} for NodePort and LoadBalancer Services, null otherwise.
     */
    public record Spec(String type, List<Port> ports, String externalTrafficPolicy) {

        public Spec {
            ports = ports == null ? List.of() : ports;
        }

        public Spec(String type, List<Port> ports) {
            this(type, ports, null);
        }
    }

    /**
     * {@code spec.ports[]}; {@code targetPort} is not needed: endpoints carry the resolved port. {@code nodePort}
     * is set for NodePort and LoadBalancer Services (unless {@code allocateLoadBalancerNodePorts} is false).
     */
    public record Port(String name, Integer port, String protocol, Integer nodePort) {

        public Port(String name, Integer port, String protocol) {
            this(name, port, protocol, null);
        }
    }
}
