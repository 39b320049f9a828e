package kubelmagent.kube;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import kubelmagent.kube.wire.EndpointSliceList;
import kubelmagent.kube.wire.EndpointSliceList.EndpointSlice;
import kubelmagent.kube.wire.Endpoints;
import kubelmagent.kube.wire.EndpointsList;
import kubelmagent.kube.wire.ObjectMeta;
import kubelmagent.kube.wire.ServiceList;
import kubelmagent.secret.Secret;

/**
 * Reads the endpoints of some Services of one namespace with one list, however many Services there are:
 * their EndpointSlices ({@link ApiRequest#listEndpointSlices}), grouped by the {@code
 * kubernetes.io/service-name} label, or, where the server has none, every core/v1 Endpoints of the namespace,
 * matched by name. Each Service's ports are then worked out from its own share as {@link ServicePorts} always
 * did; a Service with nothing in the list has no endpoints.
 */
final class NamespaceEndpoints {

    private NamespaceEndpoints() {}

    /**
     * @param services the Services' {@code spec.ports}, by name
     * @return the ports of each of {@code services} and what is behind them, by name, in the same order
     * @throws KubernetesApiException if the list was not read whole; then nothing was read for any of them
     */
    static Map<String, List<ServicePorts.PortEndpoints>> read(
            KubernetesApi api,
            Secret token,
            int pageSize,
            EndpointsApi from,
            String namespace,
            Map<String, List<ServiceList.Port>> services)
            throws KubernetesApiException {
        Map<String, List<ServicePorts.PortEndpoints>> ports = new LinkedHashMap<>();
        if (from == EndpointsApi.CORE_ENDPOINTS) {
            List<Endpoints> all =
                    api.listAll(ApiRequest.listEndpoints(namespace), token, pageSize, EndpointsList.class);
            Map<String, List<Endpoints>> byService = byService(
                    all, e -> e.metadata() == null ? null : e.metadata().name(), services.keySet());
            services.forEach((name, spec) -> ports.put(
                    name,
                    ServicePorts.endpoints(
                            spec,
                            byService.getOrDefault(name, List.of()).stream()
                                    .flatMap(e -> e.subsets().stream())
                                    .toList())));
        } else {
            ApiRequest request = ApiRequest.listEndpointSlices(from.sliceVersion(), namespace, services.keySet());
            List<EndpointSlice> all = api.listAll(request, token, pageSize, EndpointSliceList.class);
            Map<String, List<EndpointSlice>> byService =
                    byService(all, NamespaceEndpoints::serviceOf, services.keySet());
            services.forEach((name, spec) ->
                    ports.put(name, ServicePorts.endpointSlices(spec, byService.getOrDefault(name, List.of()))));
        }
        return ports;
    }

    /** The items that belong to one of {@code wanted}, by the Service they belong to; others are dropped. */
    private static <T> Map<String, List<T>> byService(
            List<T> items, Function<T, String> serviceOf, Set<String> wanted) {
        Map<String, List<T>> grouped = new HashMap<>();
        for (T item : items) {
            String service = serviceOf.apply(item);
            if (service != null && wanted.contains(service)) {
                grouped.computeIfAbsent(service, s -> new ArrayList<>()).add(item);
            }
        }
        return grouped;
    }

    private static String serviceOf(EndpointSlice slice) {
        ObjectMeta meta = slice.metadata();
        return meta == null ? null : meta.labels().get(ApiRequest.SERVICE_NAME_LABEL);
    }
}
