package kubelmagent.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The networks a Real Server's address must lie in ({@code kubernetes.podCidrs} and {@code
 * kubernetes.nodeCidrs}): a pod address outside the pod networks, or a node address outside the node networks,
 * never becomes a Real Server, and {@code --adopt} takes over only Real Servers inside them. An empty list
 * means that kind of address is not checked.
 *
 * @param pods  the pod networks, for Services in pod mode
 * @param nodes the node networks, for Services in NodePort mode
 */
public record Networks(List<Cidr> pods, List<Cidr> nodes) {

    /** No address is checked. */
    public static final Networks ANY = new Networks(List.of(), List.of());

    public Networks {
        pods = List.copyOf(pods);
        nodes = List.copyOf(nodes);
    }

    /** Only pod addresses are checked. */
    public static Networks pods(List<Cidr> pods) {
        return new Networks(pods, List.of());
    }

    /** The networks for Services whose Real Servers are {@code backends}. */
    public List<Cidr> of(Backends backends) {
        return backends == Backends.PODS ? pods : nodes;
    }

    /** Whether {@code ip} may be a Real Server of a Service whose Real Servers are {@code backends}. */
    public boolean allows(String ip, Backends backends) {
        List<Cidr> cidrs = of(backends);
        return cidrs.isEmpty() || cidrs.stream().anyMatch(cidr -> cidr.contains(ip));
    }

    /** {@code kubernetes.podCidrs} or {@code kubernetes.nodeCidrs}: where the operator sets them. */
    public static String key(Backends backends) {
        return backends == Backends.PODS ? "kubernetes.podCidrs" : "kubernetes.nodeCidrs";
    }

    /** {@code 10.244.0.0/16, fd00:10:244::/56}. */
    public String describe(Backends backends) {
        return of(backends).stream().map(Object::toString).collect(Collectors.joining(", "));
    }
}
