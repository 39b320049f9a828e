package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kubelmagent.kube.ServicePorts.PortEndpoints;
import kubelmagent.kube.wire.NodeList;
import kubelmagent.kube.wire.NodeList.Address;
import kubelmagent.kube.wire.NodeList.Condition;
import kubelmagent.kube.wire.NodeList.Node;
import kubelmagent.kube.wire.ObjectMeta;
import kubelmagent.kube.wire.ServiceList;
import kubelmagent.model.Member;
import kubelmagent.model.ServicePort;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table tests for NodePort mode's members. Nodes are written {@code name:state}, state one of {@code ready},
 * {@code notready}, {@code unknown}, {@code excluded}, {@code cordoned}; node {@code nX} has InternalIP
 * 192.168.50.X. Endpoints are written by the node they run on; members and draining by node number.
 */
class NodePortsTest {

    static Stream<Arguments> table() {
        return Stream.of(
                // name, nodes, Local?, nodes with ready endpoints, with draining ones, members, draining
                row("Cluster: every ready node", "n1:ready n2:ready n3:ready", false, "n1", "", "1 2 3", ""),
                row("a node that is not Ready is left out", "n1:ready n2:notready n3:unknown", false, "", "", "1", ""),
                row("a node labelled for exclusion is left out", "n1:ready n2:excluded", false, "n1 n2", "", "1", ""),
                row("Cluster: a cordoned node drains", "n1:ready n2:cordoned", false, "", "", "1", "2"),
                row(
                        "Local: only nodes with a ready endpoint",
                        "n1:ready n2:ready n3:ready",
                        true,
                        "n1 n3",
                        "",
                        "1 3",
                        ""),
                row("Local: no endpoint, no node", "n1:ready n2:ready", true, "", "", "", ""),
                row(
                        "Local: a node whose endpoints all terminate drains",
                        "n1:ready n2:ready",
                        true,
                        "n1",
                        "n2",
                        "1",
                        "2"),
                row(
                        "Local: a node with a ready and a terminating endpoint serves",
                        "n1:ready n2:ready",
                        true,
                        "n1 n2",
                        "n2",
                        "1 2",
                        ""),
                row(
                        "Local: a cordoned node with ready endpoints drains",
                        "n1:ready n2:cordoned",
                        true,
                        "n1 n2",
                        "",
                        "1",
                        "2"),
                row(
                        "Local: a not-Ready node with endpoints is left out",
                        "n1:ready n2:notready",
                        true,
                        "n1 n2",
                        "",
                        "1",
                        ""),
                row(
                        "Local: endpoints name a node by its host name label (v1beta1 topology)",
                        "n1:ready n2:ready",
                        true,
                        "host-n2",
                        "",
                        "2",
                        ""));
    }

    static Arguments row(
            String name, String nodes, boolean local, String ready, String draining, String members, String drains) {
        return Arguments.of(name, nodes, local, ready, draining, members, drains);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void choosesTheNodes(
            String name,
            String nodes,
            boolean local,
            String readyNodes,
            String drainingNodes,
            String members,
            String draining) {
        ServicePort port = NodePorts.of(
                        List.of(endpoints(30080, readyNodes, drainingNodes)), local, nodes(nodes), false)
                .get(0);

        assertEquals(addresses(members, 30080), port.members());
        assertEquals(addresses(draining, 30080), port.draining());
        assertEquals(80, port.port(), "the Service port, which the port choice rule compares with the VS port");
    }

    @org.junit.jupiter.api.Test
    void aPortWithoutANodePortHasNoMembers() {
        ServicePort port = NodePorts.of(List.of(endpoints(null, "n1", "")), false, nodes("n1:ready"), false)
                .get(0);
        assertEquals(Set.of(), port.members());
    }

    @org.junit.jupiter.api.Test
    void aNodeIsReachedAtItsInternalAddressOfEachFamilyAndAtItsExternalOneOnlyWhenAllowed() {
        Node dualStack = node(
                "n1",
                Map.of(),
                "True",
                null,
                List.of(
                        new Address("Hostname", "n1"),
                        new Address("InternalIP", "FD00:50:0::11"),
                        new Address("InternalIP", "192.168.50.11"),
                        new Address("InternalIP", "192.168.50.99"),
                        new Address("ExternalIP", "203.0.113.11")));
        Node externalOnly = node("n2", Map.of(), "True", null, List.of(new Address("ExternalIP", "203.0.113.12")));

        assertEquals(List.of("192.168.50.11", "fd00:50::11"), NodePorts.addresses(dualStack, false));
        assertEquals(List.of("192.168.50.11", "fd00:50::11"), NodePorts.addresses(dualStack, true));
        assertEquals(List.of(), NodePorts.addresses(externalOnly, false));
        assertEquals(List.of("203.0.113.12"), NodePorts.addresses(externalOnly, true));

        ServicePort port = NodePorts.of(
                        List.of(endpoints(30080, "", "")), false, List.of(dualStack, externalOnly), true)
                .get(0);
        assertEquals(
                Set.of(
                        new Member("192.168.50.11", 30080),
                        new Member("fd00:50::11", 30080),
                        new Member("203.0.113.12", 30080)),
                port.members());
    }

    // ---- notation ---------------------------------------------------------------------------------------------

    static PortEndpoints endpoints(Integer nodePort, String readyNodes, String drainingNodes) {
        ServiceList.Port spec = new ServiceList.Port("http", 80, "TCP", nodePort);
        return new PortEndpoints(
                spec, new ServicePort("http", 80, "TCP", Set.of()), words(readyNodes), words(drainingNodes));
    }

    static Set<String> words(String s) {
        return Stream.of(s.split(" ")).filter(w -> !w.isBlank()).collect(Collectors.toSet());
    }

    static Set<Member> addresses(String numbers, int port) {
        return words(numbers).stream()
                .map(n -> new Member("192.168.50." + n, port))
                .collect(Collectors.toSet());
    }

    static List<Node> nodes(String spec) {
        List<Node> nodes = new ArrayList<>();
        for (String entry : spec.split(" ")) {
            String[] parts = entry.split(":");
            String name = parts[0];
            Map<String, String> labels = new HashMap<>();
            labels.put("kubernetes.io/hostname", "host-" + name);
            String ready = "True";
            Boolean unschedulable = null;
            switch (parts[1]) {
                case "notready" -> ready = "False";
                case "unknown" -> ready = "Unknown";
                case "excluded" -> labels.put(NodePorts.EXCLUDE_LABEL, "");
                case "cordoned" -> unschedulable = true;
                default -> {}
            }
            nodes.add(node(
                    name,
                    labels,
                    ready,
                    unschedulable,
                    List.of(new Address("InternalIP", "192.168.50." + name.substring(1)))));
        }
        return nodes;
    }

    static Node node(
            String name, Map<String, String> labels, String ready, Boolean unschedulable, List<Address> addresses) {
        return new Node(
                new ObjectMeta(name, null, labels, null),
                new NodeList.Spec(unschedulable),
                new NodeList.Status(List.of(new Condition("Ready", ready)), addresses));
    }
}
