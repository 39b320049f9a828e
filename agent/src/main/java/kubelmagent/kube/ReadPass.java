package kubelmagent.kube;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import kubelmagent.kube.wire.ApiGroup;
import kubelmagent.kube.wire.NodeList;
import kubelmagent.kube.wire.NodeList.Node;
import kubelmagent.kube.wire.ServiceList;
import kubelmagent.kube.wire.ServiceList.Service;
import kubelmagent.model.Backends;
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
 * their annotations ({@code vsid}, or {@code kube-lm-agent/vsids}, and {@code kube-lm-agent/mode}), list the nodes
 * if a Service is in NodePort mode, and read the ready and draining endpoints of each with one list per namespace
 * that holds bound Services ({@link NamespaceEndpoints}): besides discovery and the Service list, a pass
 * makes one request per such namespace (more only for long lists, page by page), however many Services
 * they hold, and one node list for all Services in NodePort mode.
 */
final class ReadPass {

    static final String API_SUBJECT = "Kubernetes API";

    private final KubernetesApi api;
    private final Secret token;
    private final List<String> namespaces;
    private final Selector selector;
    private final int pageSize;
    private final EndpointsApi known;
    private final NodeModeSettings modes;

    private final List<DesiredService> services = new ArrayList<>();
    private final List<SkippedService> skipped = new ArrayList<>();
    private EndpointsApi endpointsApi;
    /** The namespace whose endpoints could not be read because the server stopped answering, if any. */
    private String unreachableAt;
    /** Whether an endpoint list answered 404: the API discovery found is no longer served. */
    private boolean endpointsApiGone;
    /** The cluster's nodes, read when a Service is in NodePort mode; null until then, or if they could not be. */
    private List<Node> nodes;
    /** Whether a Service of the pass is in NodePort mode. */
    private boolean nodesWanted;
    /** Problems of the read as a whole: nodes that serve but cannot be reached. */
    private final List<Problem> readProblems = new ArrayList<>();

    /**
     * @param token      bearer token, or null for none
     * @param namespaces namespaces to list Services in; empty for all
     * @param known      where endpoints live, as an earlier pass discovered it; null to discover it now
     * @param modes      how Services are served unless they say otherwise, and how nodes are reached
     */
    ReadPass(
            KubernetesApi api,
            Secret token,
            List<String> namespaces,
            Selector selector,
            int pageSize,
            EndpointsApi known,
            NodeModeSettings modes) {
        this.api = api;
        this.token = token;
        this.namespaces = namespaces;
        this.selector = selector;
        this.pageSize = pageSize;
        this.known = known;
        this.modes = modes;
    }

    DesiredState run() {
        List<Service> labelled;
        try {
            endpointsApi = known != null ? known : discoverEndpointsApi();
            labelled = listLabelledServices();
        } catch (KubernetesApiException e) {
            return DesiredState.unknown(new Problem(API_SUBJECT, e.getMessage()));
        }
        List<Bound> bound = new ArrayList<>();
        for (Service service : labelled) {
            if (service.metadata().name() != null && service.metadata().namespace() != null) {
                bound.addAll(bind(service));
            }
        }
        if (bound.stream().anyMatch(b -> b.backends() == Backends.NODE_PORTS)) {
            readNodes(bound);
        }
        Map<String, List<Bound>> byNamespace = new LinkedHashMap<>();
        for (Bound b : bound) {
            byNamespace
                    .computeIfAbsent(b.ref().namespace(), n -> new ArrayList<>())
                    .add(b);
        }
        byNamespace.forEach(this::readEndpoints);
        return new DesiredState(true, services, skipped, readProblems);
    }

    /** What the pass read of each node ({@link NodePorts#state}), by name; null if it did not read them. */
    Map<String, String> nodesRead() {
        if (nodes == null) {
            return null;
        }
        Map<String, String> states = new HashMap<>();
        for (Node node : nodes) {
            if (node.metadata().name() != null) {
                states.put(node.metadata().name(), NodePorts.state(node));
            }
        }
        return states;
    }

    /** Whether a Service of this pass is in NodePort mode: then the nodes matter to it. */
    boolean readsNodes() {
        return nodesWanted;
    }

    /**
     * Lists the nodes, once for every Service in NodePort mode. If they cannot be read, each of those Services is
     * skipped as unread, and keeps its Real Servers.
     */
    private void readNodes(List<Bound> bound) {
        nodesWanted = true;
        try {
            nodes = api.listAll(ApiRequest.listNodes(), token, pageSize, NodeList.class);
        } catch (KubernetesApiException e) {
            for (var it = bound.iterator(); it.hasNext(); ) {
                Bound b = it.next();
                if (b.backends() == Backends.NODE_PORTS) {
                    it.remove();
                    skipped.add(new SkippedService(
                            b.ref(), b.vs(), ServiceProblems.nodesUnreadable(b.ref(), b.vs(), e), true));
                }
            }
            return;
        }
        for (Node node : nodes) {
            if (NodePorts.serves(node)
                    && NodePorts.addresses(node, modes.externalNodeAddress()).isEmpty()) {
                String name = node.metadata().name();
                readProblems.add(new Problem(
                        "node " + name,
                        "node " + name + " is Ready but has no InternalIP"
                                + (modes.externalNodeAddress() ? " or ExternalIP" : "")
                                + " address, so it is no Real Server of Services in NodePort mode"
                                + (modes.externalNodeAddress()
                                        ? ""
                                        : "; if the LoadMaster reaches it at its ExternalIP, set kubernetes.nodeAddress:"
                                                + " external")));
            }
        }
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

    /**
     * A Service bound to a Virtual Service, whose endpoints are still to be read.
     *
     * @param ports the Service ports that may feed the VS: all of them, or the one {@code kube-lm-agent/vsids} names
     */
    private record Bound(
            ServiceRef ref, VirtualServiceId vs, Service service, List<ServiceList.Port> ports, Backends backends) {}

    /**
     * The Virtual Services the Service is bound to: the one {@code vsid} names, or one per entry of {@code
     * kube-lm-agent/vsids}. What is wrong is recorded as a skipped Service: the whole Service when it is wrong in
     * itself, or one binding when only that entry is.
     */
    private List<Bound> bind(Service service) {
        ServiceRef ref = new ServiceRef(
                service.metadata().namespace(), service.metadata().name());
        Map<String, String> annotations = service.metadata().annotations();
        if ("ExternalName".equals(service.spec().type())) {
            skip(ServiceProblems.externalName(ref, selector));
            return List.of();
        }
        ServiceAnnotations.Parsed<Backends> mode =
                ServiceAnnotations.mode(annotations.get(ServiceAnnotations.MODE), modes.defaultMode());
        if (mode.problem() != null) {
            skip(ServiceProblems.annotation(ref, mode.problem()));
            return List.of();
        }
        Backends backends = mode.value();
        String type = service.spec().type();
        if (backends == Backends.NODE_PORTS && !"NodePort".equals(type) && !"LoadBalancer".equals(type)) {
            skip(ServiceProblems.notNodePortType(ref, type));
            return List.of();
        }
        String vsid = annotations.get(selector.vsidAnnotation());
        String vsids = annotations.get(ServiceAnnotations.VSIDS);
        if (vsid != null && vsids != null) {
            skip(ServiceProblems.vsidAndVsids(ref, selector));
            return List.of();
        }
        List<ServiceList.Port> all = service.spec().ports();
        if (vsids == null) {
            if (vsid == null) {
                skip(ServiceProblems.missingVsid(ref, selector));
                return List.of();
            }
            Optional<VirtualServiceId> vs = VsidAnnotation.parse(vsid);
            if (vs.isEmpty()) {
                skip(ServiceProblems.invalidVsid(ref, selector, vsid));
                return List.of();
            }
            return withNodePorts(new Bound(ref, vs.get(), service, all, backends)).stream()
                    .toList();
        }
        ServiceAnnotations.Parsed<List<ServiceAnnotations.PortBinding>> entries = ServiceAnnotations.vsids(vsids);
        if (entries.problem() != null) {
            skip(ServiceProblems.annotation(ref, entries.problem()));
            return List.of();
        }
        List<Bound> bound = new ArrayList<>();
        for (ServiceAnnotations.PortBinding entry : entries.value()) {
            Optional<ServiceList.Port> port = all.stream()
                    .filter(p -> p != null && names(p, entry.port()))
                    .findFirst();
            if (port.isEmpty()) {
                skipped.add(SkippedService.invalid(
                        ref, entry.vs(), ServiceProblems.noSuchPort(ref, entry.port(), entry.vs(), all)));
            } else {
                withNodePorts(new Bound(ref, entry.vs(), service, List.of(port.get()), backends))
                        .ifPresent(bound::add);
            }
        }
        return bound;
    }

    /** Whether {@code key} of {@code kube-lm-agent/vsids} names the port: its name, or its number if it has none. */
    private static boolean names(ServiceList.Port port, String key) {
        boolean unnamed = port.name() == null || port.name().isEmpty();
        return unnamed ? key.equals(String.valueOf(port.port())) : key.equals(port.name());
    }

    /** The binding, unless it is in NodePort mode and one of its ports has no nodePort (then it is skipped). */
    private Optional<Bound> withNodePorts(Bound b) {
        if (b.backends() == Backends.NODE_PORTS) {
            List<ServiceList.Port> without = b.ports().stream()
                    .filter(p -> p != null && p.nodePort() == null)
                    .toList();
            if (!without.isEmpty()) {
                skipped.add(
                        SkippedService.invalid(b.ref(), b.vs(), ServiceProblems.noNodePort(b.ref(), b.vs(), without)));
                return Optional.empty();
            }
        }
        return Optional.of(b);
    }

    /**
     * Reads the endpoints of the Services bound in one namespace, all with one list. If that list is not
     * read whole, every one of them is skipped as unread, so that each keeps its Real Servers.
     */
    private void readEndpoints(String namespace, List<Bound> bound) {
        if (unreachableAt != null) {
            bound.forEach(b -> skipped.add(new SkippedService(
                    b.ref(), b.vs(), ServiceProblems.notReadAfterUnreachable(b.ref(), b.vs(), unreachableAt), true)));
            return;
        }
        Map<String, List<ServiceList.Port>> specs = new LinkedHashMap<>();
        bound.forEach(b -> specs.put(b.ref().name(), b.service().spec().ports()));
        try {
            Map<String, List<ServicePorts.PortEndpoints>> ports =
                    NamespaceEndpoints.read(api, token, pageSize, endpointsApi, namespace, specs);
            for (Bound b : bound) {
                List<ServicePorts.PortEndpoints> used = ports.get(b.ref().name()).stream()
                        .filter(p -> b.ports().contains(p.spec()))
                        .toList();
                boolean local = "Local".equals(b.service().spec().externalTrafficPolicy());
                if (b.backends() == Backends.NODE_PORTS && local && NodePorts.nodesUnknown(used)) {
                    skipped.add(SkippedService.invalid(
                            b.ref(), b.vs(), ServiceProblems.endpointNodesUnknown(b.ref(), b.vs())));
                    continue;
                }
                List<ServicePort> members = b.backends() == Backends.PODS
                        ? ServicePorts.pods(used)
                        : NodePorts.of(used, local, nodes, modes.externalNodeAddress());
                services.add(new DesiredService(b.ref(), b.vs(), members, b.backends()));
            }
        } catch (KubernetesApiException e) {
            bound.forEach(b -> skipped.add(new SkippedService(
                    b.ref(), b.vs(), ServiceProblems.endpointsUnreadable(b.ref(), b.vs(), e), true)));
            if (e.serverUnreachable()) {
                unreachableAt = namespace;
            }
            if (e.status() == 404) {
                endpointsApiGone = true;
            }
        }
    }

    /** A Service that is wrong in itself: it keeps its Real Servers, whichever VS they are on. */
    private void skip(Problem problem) {
        skipped.add(SkippedService.invalid(problem.service(), null, problem));
    }
}
