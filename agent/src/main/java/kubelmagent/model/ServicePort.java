package kubelmagent.model;

import java.util.Set;
import java.util.TreeSet;

/**
 * One port of a Service ({@code spec.ports[]}) and the ready endpoints behind it. Each member's port
 * is the endpoint port Kubernetes resolved from the Service's {@code targetPort} (named ports
 * included), so it may differ from {@link #port()}.
 *
 * @param name     the port's name; empty for a Service's single unnamed port
 * @param port     the Service port ({@code spec.ports[].port})
 * @param protocol {@code TCP}, {@code UDP} or {@code SCTP}
 * @param members  ready endpoints, deduplicated, sorted
 * @param draining endpoints that are terminating but still serving (EndpointSlice conditions
 *                 {@code terminating: true}, {@code serving: true}); never also in {@code members}; sorted
 */
public record ServicePort(String name, int port, String protocol, Set<Member> members, Set<Member> draining) {

    public ServicePort {
        name = name == null ? "" : name;
        protocol = protocol == null ? "TCP" : protocol;
        members = Sorted.set(members);
        TreeSet<Member> onlyDraining = new TreeSet<>(draining);
        onlyDraining.removeAll(members);
        draining = Sorted.set(onlyDraining);
    }

    /** A port with no terminating endpoints. */
    public ServicePort(String name, int port, String protocol, Set<Member> members) {
        this(name, port, protocol, members, Set.of());
    }

    /** {@code http (80/TCP)} or {@code 80/TCP} for an unnamed port. */
    public String describe() {
        return describe(name, port, protocol);
    }

    /** {@code http (80/TCP)}, {@code 80/TCP} for an unnamed port; a null name or protocol is none, or TCP. */
    public static String describe(String name, Integer port, String protocol) {
        String numbered = port + "/" + (protocol == null || protocol.isEmpty() ? "TCP" : protocol);
        return name == null || name.isEmpty() ? numbered : name + " (" + numbered + ")";
    }
}
