package kubelmagent.model;

import java.util.List;

/**
 * A labelled Service with a valid {@code vsid} annotation: the Virtual Service it is bound to and
 * what its ports have behind them.
 */
public record DesiredService(ServiceRef service, VirtualServiceId vs, List<ServicePort> ports) {

    public DesiredService {
        ports = List.copyOf(ports);
    }
}
