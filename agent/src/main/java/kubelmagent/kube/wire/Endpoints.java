package kubelmagent.kube.wire;

import java.util.List;

/** A core/v1 {@code Endpoints}, an item of an {@link EndpointsList}; named as its Service is. */
public record Endpoints(ObjectMeta metadata, List<Subset> subsets) {

    public Endpoints {
        subsets = subsets == null ? List.of() : subsets;
    }

    /** {@code subsets[]}: every address in it serves every port in it. */
    public record Subset(List<Address> addresses, List<Address> notReadyAddresses, List<Port> ports) {

        public Subset {
            addresses = addresses == null ? List.of() : addresses;
            notReadyAddresses = notReadyAddresses == null ? List.of() : notReadyAddresses;
            ports = ports == null ? List.of() : ports;
        }
    }

    /** {@code subsets[].addresses[]}. */
    public record Address(String ip, String nodeName) {}

    /** {@code subsets[].ports[]}. */
    public record Port(String name, Integer port, String protocol) {}
}
