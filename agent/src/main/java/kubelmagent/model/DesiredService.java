package kubelmagent.model;

import java.util.List;

/**
 * A labelled Service bound to one Virtual Service (by {@code vsid}, or one entry of {@code kube-lm-agent/vsids}),
 * and what its ports have behind them. A Service bound to several Virtual Services is one of these per VS.
 *
 * @param ports    the Service's ports; for a binding by {@code kube-lm-agent/vsids}, only the port it names
 * @param backends what the members are: pod endpoints, or node addresses with the ports' {@code nodePort}s
 */
public record DesiredService(ServiceRef service, VirtualServiceId vs, List<ServicePort> ports, Backends backends) {

    public DesiredService {
        ports = List.copyOf(ports);
        if (backends == null) {
            throw new IllegalArgumentException("backends must be set");
        }
    }

    /** A Service in pod mode. */
    public DesiredService(ServiceRef service, VirtualServiceId vs, List<ServicePort> ports) {
        this(service, vs, ports, Backends.PODS);
    }
}
