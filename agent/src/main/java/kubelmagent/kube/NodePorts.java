package kubelmagent.kube;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import kubelmagent.kube.ServicePorts.PortEndpoints;
import kubelmagent.kube.wire.NodeList.Address;
import kubelmagent.kube.wire.NodeList.Condition;
import kubelmagent.kube.wire.NodeList.Node;
import kubelmagent.model.IpAddress;
import kubelmagent.model.Member;
import kubelmagent.model.ServicePort;

/**
 * NodePort mode: a Service's Real Servers are its cluster's nodes, each on the Service port's {@code nodePort}.
 * Pure: nodes and endpoints in, the Service's ports with their node members out.
 *
 * <p>A node serves when its {@code Ready} condition is {@code True} and it does not carry the label {@value
 * #EXCLUDE_LABEL} (which Kubernetes' own load-balancer controllers honour). With {@code externalTrafficPolicy:
 * Local} a node serves a port only while it holds a ready endpoint of it, since kube-proxy drops (or, for a
 * client, would have to forward and lose the source address of) traffic on a node without one. A node that is
 * cordoned ({@code spec.unschedulable}), or under {@code Local} holds only terminating endpoints that still serve,
 * is draining: its Real Server is disabled first and removed when it leaves, as a terminating pod's is.
 *
 * <p>A node is reached at its first {@code InternalIP} of each address family; with {@code kubernetes.nodeAddress:
 * external}, at its first {@code ExternalIP} of a family in which it has no {@code InternalIP}. Each Virtual
 * Service then takes the addresses of its own family.
 */
final class NodePorts {

    static final String EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";
    private static final String HOSTNAME_LABEL = "kubernetes.io/hostname";

    private NodePorts() {}

    /**
     * @param ports            the Service's ports (only those the binding uses) and the endpoints behind them
     * @param local            {@code externalTrafficPolicy: Local}
     * @param externalAddress  {@code kubernetes.nodeAddress: external}
     * @return the ports with node members; a port without a {@code nodePort} has none
     */
    static List<ServicePort> of(List<PortEndpoints> ports, boolean local, List<Node> nodes, boolean externalAddress) {
        List<ServicePort> result = new ArrayList<>();
        for (PortEndpoints port : ports) {
            Integer nodePort = port.spec().nodePort();
            Set<Member> members = new TreeSet<>();
            Set<Member> draining = new TreeSet<>();
            if (nodePort != null && nodePort >= 1 && nodePort <= 65535) {
                for (Node node : nodes) {
                    if (!serves(node)) {
                        continue;
                    }
                    boolean holdsReady = holds(node, port.readyNodes());
                    boolean holdsDraining = holds(node, port.drainingNodes());
                    if (local && !holdsReady && !holdsDraining) {
                        continue;
                    }
                    boolean drains = cordoned(node) || (local && !holdsReady);
                    for (String address : addresses(node, externalAddress)) {
                        (drains ? draining : members).add(new Member(address, nodePort));
                    }
                }
            }
            ServicePort pods = port.pods();
            result.add(new ServicePort(pods.name(), pods.port(), pods.protocol(), members, draining));
        }
        return result;
    }

    /**
     * What NodePort mode reads of a node, as one string: whether it serves, whether it is cordoned, its host name
     * label and its addresses. Two readings of a node that give the same state are the same to every pass.
     */
    static String state(Node node) {
        return serves(node)
                + "|" + node.spec().unschedulable()
                + "|" + node.metadata().labels().get(HOSTNAME_LABEL)
                + "|" + node.status().addresses();
    }

    /**
     * Whether the ports have ready or draining endpoints none of which says what node it runs on (a Service without
     * selector, whose EndpointSlices someone wrote by hand): with {@code externalTrafficPolicy: Local} the nodes that
     * serve it are then unknown, and none can be taken out for not holding one.
     */
    static boolean nodesUnknown(List<PortEndpoints> ports) {
        for (PortEndpoints port : ports) {
            boolean endpoints =
                    !port.pods().members().isEmpty() || !port.pods().draining().isEmpty();
            if (endpoints && port.readyNodes().isEmpty() && port.drainingNodes().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Ready, and not excluded from load balancers. */
    static boolean serves(Node node) {
        return ready(node) && !node.metadata().labels().containsKey(EXCLUDE_LABEL);
    }

    private static boolean ready(Node node) {
        for (Condition c : node.status().conditions()) {
            if ("Ready".equals(c.type())) {
                return "True".equals(c.status());
            }
        }
        return false;
    }

    private static boolean cordoned(Node node) {
        return Boolean.TRUE.equals(node.spec().unschedulable());
    }

    /** Whether one of {@code nodeNames} (from endpoints: node names, or v1beta1 host names) is this node. */
    private static boolean holds(Node node, Set<String> nodeNames) {
        if (nodeNames.isEmpty()) {
            return false;
        }
        Map<String, String> labels = node.metadata().labels();
        return nodeNames.contains(node.metadata().name())
                || (labels.containsKey(HOSTNAME_LABEL) && nodeNames.contains(labels.get(HOSTNAME_LABEL)));
    }

    /**
     * The node's address in each family, IPv4 first: its first InternalIP of the family, else (with {@code
     * external}) its first ExternalIP of it. Canonical; none for a node that has neither.
     */
    static List<String> addresses(Node node, boolean external) {
        List<String> addresses = new ArrayList<>();
        for (int length : new int[] {4, 16}) {
            String address = first(node, "InternalIP", length);
            if (address == null && external) {
                address = first(node, "ExternalIP", length);
            }
            if (address != null) {
                addresses.add(address);
            }
        }
        return addresses;
    }

    private static String first(Node node, String type, int length) {
        for (Address a : node.status().addresses()) {
            byte[] bytes = type.equals(a.type()) ? IpAddress.parse(a.address()) : null;
            if (bytes != null && bytes.length == length) {
                return IpAddress.canonical(a.address());
            }
        }
        return null;
    }
}
