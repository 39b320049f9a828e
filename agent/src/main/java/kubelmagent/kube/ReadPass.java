package kubelmagent.kube;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import kubelmagent.kube.wire.ApiGroup;
import kubelmagent.kube.wire.ServiceList;
import kubelmagent.kube.wire.ServiceList.Service;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Problem;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.secret.Secret;

/**
 * One read of the desired state: find out where endpoints live (unless an earlier pass has), list the labelled Services, check
 * their {@code vsid}, and read the ready and draining endpoints of each with one list per namespace
 * that holds bound Services ({@link NamespaceEndpoints}): besides discovery and the Service list, a pass
 * makes one request per such namespace (more only for long lists, page by page), however many Services
 * they hold.
 */
final class ReadPass {

    static final String API_SUBJECT = "Kubernetes API";

    private final KubernetesApi api;
    private final Secret token;
    private final List<String> namespaces;
    private final Selector selector;
    private final int pageSize;
    private final EndpointsApi known;

    private final List<DesiredService> services = new ArrayList<>();
    private final List<SkippedService> skipped = new ArrayList<>();
    private EndpointsApi endpointsApi;
    /** The namespace whose endpoints could not be read because the server stopped answering, if any. */
    private String unreachableAt;
    /** Whether an endpoint list answered 404: the API discovery found is no longer served. */
    private boolean endpointsApiGone;

    /**
     * @param token      bearer token, or null for none
     * @param namespaces namespaces to list Services in; empty for all
     * @param known      where endpoints live, as an earlier pass discovered it; null to discover it now
     */
    ReadPass(
            KubernetesApi api,
            Secret token,
            List<String> namespaces,
            Selector selector,
            int pageSize,
            EndpointsApi known) {
        this.api = api;
        this.token = token;
        this.namespaces = namespaces;
        this.selector = selector;
        this.pageSize = pageSize;
        this.known = known;
    }

    DesiredState run() {
        List<Service> labelled;
        try {
            endpointsApi = known != null ? known : discoverEndpointsApi();
            labelled = listLabelledServices();
        } catch (KubernetesApiException e) {
            return DesiredState.unknown(new Problem(API_SUBJECT, e.getMessage()));
        }
        Map<String, List<Bound>> byNamespace = new LinkedHashMap<>();
        for (Service service : labelled) {
            if (service.metadata().name() != null && service.metadata().namespace() != null) {
                bind(service)
                        .ifPresent(b -> byNamespace
                                .computeIfAbsent(b.ref().namespace(), n -> new ArrayList<>())
                                .add(b));
            }
        }
        byNamespace.forEach(this::readEndpoints);
        return new DesiredState(true, services, skipped, List.of());
    }

    /** Where endpoints were read from; null if discovery failed. */
    EndpointsApi endpointsApi() {
        return endpointsApi;
    }

    /**
     * Whether an endpoint list answered 404 Not Found: the API the pass read endpoints from is no longer
     * served (say v1beta1 EndpointSlices after an upgrade to Kubernetes 1.25), so the next pass must
     * discover again. The Services it covered were skipped and keep their Real Servers.
     */
    boolean endpointsApiGone() {
        return endpointsApiGone;
    }

    private EndpointsApi discoverEndpointsApi() throws KubernetesApiException {
        Optional<ApiGroup> group =
                api.getIfExists(ApiRequest.discovery(ApiRequest.DISCOVERY_GROUP), token, ApiGroup.class);
        if (group.isEmpty()) {
            return EndpointsApi.CORE_ENDPOINTS;
        }
        if (group.get().serves("v1")) {
            return EndpointsApi.ENDPOINT_SLICES_V1;
        }
        if (group.get().serves("v1beta1")) {
            return EndpointsApi.ENDPOINT_SLICES_V1BETA1;
        }
        return EndpointsApi.CORE_ENDPOINTS;
    }

    private List<Service> listLabelledServices() throws KubernetesApiException {
        String labelSelector = selector.labelSelector();
        if (namespaces.isEmpty()) {
            return api.listAll(ApiRequest.listServices(null, labelSelector), token, pageSize, ServiceList.class);
        }
        List<Service> all = new ArrayList<>();
        for (String namespace : namespaces) {
            all.addAll(
                    api.listAll(ApiRequest.listServices(namespace, labelSelector), token, pageSize, ServiceList.class));
        }
        return all;
    }

    /** A Service bound to a Virtual Service, whose endpoints are still to be read. */
    private record Bound(ServiceRef ref, VirtualServiceId vs, List<ServiceList.Port> ports) {}

    private Optional<Bound> bind(Service service) {
        ServiceRef ref = new ServiceRef(
                service.metadata().namespace(), service.metadata().name());
        return virtualService(ref, service)
                .map(vs -> new Bound(ref, vs, service.spec().ports()));
    }

    /**
     * Reads the endpoints of the Services bound in one namespace, all with one list. If that list is not
     * read whole, every one of them is skipped as unread, so that each keeps its Real Servers.
     */
    private void readEndpoints(String namespace, List<Bound> bound) {
        if (unreachableAt != null) {
            bound.forEach(b -> skipped.add(new SkippedService(
                    b.ref(), b.vs(), ServiceProblems.notReadAfterUnreachable(b.ref(), unreachableAt), true)));
            return;
        }
        Map<String, List<ServiceList.Port>> specs = new LinkedHashMap<>();
        bound.forEach(b -> specs.put(b.ref().name(), b.ports()));
        try {
            Map<String, List<ServicePort>> ports =
                    NamespaceEndpoints.read(api, token, pageSize, endpointsApi, namespace, specs);
            bound.forEach(b -> services.add(
                    new DesiredService(b.ref(), b.vs(), ports.get(b.ref().name()))));
        } catch (KubernetesApiException e) {
            bound.forEach(b -> skipped.add(
                    new SkippedService(b.ref(), b.vs(), ServiceProblems.endpointsUnreadable(b.ref(), e), true)));
            if (e.serverUnreachable()) {
                unreachableAt = namespace;
            }
            if (e.status() == 404) {
                endpointsApiGone = true;
            }
        }
    }

    /** The Virtual Service the Service is bound to; empty, with a Problem recorded, if it cannot be. */
    private Optional<VirtualServiceId> virtualService(ServiceRef ref, Service service) {
        if ("ExternalName".equals(service.spec().type())) {
            skip(ServiceProblems.externalName(ref, selector));
            return Optional.empty();
        }
        String value = service.metadata().annotations().get(selector.vsidAnnotation());
        if (value == null) {
            skip(ServiceProblems.missingVsid(ref, selector));
            return Optional.empty();
        }
        Optional<VirtualServiceId> vs = VsidAnnotation.parse(value);
        if (vs.isEmpty()) {
            skip(ServiceProblems.invalidVsid(ref, selector, value));
        }
        return vs;
    }

    /** A Service that is wrong in itself: it keeps its Real Servers, whichever VS they are on. */
    private void skip(Problem problem) {
        skipped.add(SkippedService.invalid(problem.service(), null, problem));
    }
}
