package kubelmagent.kube;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import kubelmagent.kube.wire.ApiGroup;
import kubelmagent.kube.wire.EndpointSliceList;
import kubelmagent.kube.wire.Endpoints;
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
 * One read of the desired state: find out where endpoints live, list the labelled Services, check
 * their {@code vsid}, and read the ready and draining endpoints of each.
 */
final class ReadPass {

    static final String API_SUBJECT = "Kubernetes API";

    private final KubernetesApi api;
    private final Secret token;
    private final List<String> namespaces;
    private final Selector selector;
    private final int pageSize;

    private final List<DesiredService> services = new ArrayList<>();
    private final List<SkippedService> skipped = new ArrayList<>();
    private EndpointsApi endpointsApi;
    private ServiceRef unreachableAt;

    /**
     * @param token      bearer token, or null for none
     * @param namespaces namespaces to list Services in; empty for all
     */
    ReadPass(KubernetesApi api, Secret token, List<String> namespaces, Selector selector, int pageSize) {
        this.api = api;
        this.token = token;
        this.namespaces = namespaces;
        this.selector = selector;
        this.pageSize = pageSize;
    }

    DesiredState run() {
        List<Service> labelled;
        try {
            endpointsApi = discoverEndpointsApi();
            labelled = listLabelledServices();
        } catch (KubernetesApiException e) {
            return DesiredState.unknown(new Problem(API_SUBJECT, e.getMessage()));
        }
        for (Service service : labelled) {
            if (service.metadata().name() != null && service.metadata().namespace() != null) {
                add(service);
            }
        }
        return new DesiredState(true, services, skipped, List.of());
    }

    /** Where endpoints were read from; null if discovery failed. */
    EndpointsApi endpointsApi() {
        return endpointsApi;
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

    private void add(Service service) {
        ServiceRef ref = new ServiceRef(
                service.metadata().namespace(), service.metadata().name());
        Optional<VirtualServiceId> vs = virtualService(ref, service);
        if (vs.isEmpty()) {
            return;
        }
        if (unreachableAt != null) {
            skipped.add(new SkippedService(
                    ref, vs.get(), ServiceProblems.notReadAfterUnreachable(ref, unreachableAt), true));
            return;
        }
        try {
            services.add(new DesiredService(
                    ref, vs.get(), readPorts(ref, service.spec().ports())));
        } catch (KubernetesApiException e) {
            skipped.add(new SkippedService(ref, vs.get(), ServiceProblems.endpointsUnreadable(ref, e), true));
            if (e.serverUnreachable()) {
                unreachableAt = ref;
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

    private List<ServicePort> readPorts(ServiceRef ref, List<ServiceList.Port> ports) throws KubernetesApiException {
        if (endpointsApi == EndpointsApi.CORE_ENDPOINTS) {
            List<Endpoints.Subset> subsets = api.getIfExists(
                            ApiRequest.getEndpoints(ref.namespace(), ref.name()), token, Endpoints.class)
                    .map(Endpoints::subsets)
                    .orElse(List.of());
            return ServicePorts.fromEndpoints(ports, subsets);
        }
        ApiRequest request = ApiRequest.listEndpointSlices(endpointsApi.sliceVersion(), ref.namespace(), ref.name());
        return ServicePorts.fromEndpointSlices(ports, api.listAll(request, token, pageSize, EndpointSliceList.class));
    }
}
