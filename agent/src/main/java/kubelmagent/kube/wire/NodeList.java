package kubelmagent.kube.wire;

import java.util.List;

/** {@code GET /api/v1/nodes}: a {@code NodeList}, with only what NodePort mode needs of each node. */
public record NodeList(ListMeta metadata, List<Node> items) implements ListPage<NodeList.Node> {

    public NodeList {
        items = items == null ? List.of() : items;
    }

    /** A {@code Node}. */
    public record Node(ObjectMeta metadata, Spec spec, Status status) {

        public Node {
            metadata = metadata == null ? new ObjectMeta(null, null, null, null) : metadata;
            spec = spec == null ? new Spec(null) : spec;
            status = status == null ? new Status(null, null) : status;
        }
    }

    /** {@code spec}: {@code unschedulable} is true for a cordoned node, absent otherwise. */
    public record Spec(Boolean unschedulable) {}

    /** {@code status}: the node's conditions ({@code Ready} among them) and addresses. */
    public record Status(List<Condition> conditions, List<Address> addresses) {

        public Status {
            conditions = conditions == null ? List.of() : conditions;
            addresses = addresses == null ? List.of() : addresses;
        }
    }

    /** {@code status.conditions[]}: {@code type} such as {@code Ready}, {@code status} True, False or Unknown. */
    public record Condition(String type, String status) {}

    /** {@code status.addresses[]}: {@code type} InternalIP, ExternalIP, Hostname, InternalDNS or ExternalDNS. */
    public record Address(String type, String address) {}
}
