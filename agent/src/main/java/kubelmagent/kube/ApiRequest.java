package kubelmagent.kube;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One request to the Kubernetes API, with what it is in RBAC terms so that a 403 can say which rule
 * is missing. Reads are GETs; the only writes are those of a single object (a Lease, a ConfigMap) for HA.
 *
 * @param verb      the RBAC verb: {@code get}, {@code list} or {@code watch}; {@code create} (POST) or
 *                  {@code update} (PUT)
 * @param apiGroup  the API group, {@code ""} for core; for a discovery document, the group it describes
 * @param resource  the resource, e.g. {@code services}; null for a non-resource URL (discovery)
 * @param namespace the namespace, or null for a cluster-wide request
 * @param path      the URL path below the server URL, e.g. {@code /api/v1/services}
 * @param query     query parameters, unencoded, in order
 */
record ApiRequest(
        String verb, String apiGroup, String resource, String namespace, String path, Map<String, String> query) {

    static final String DISCOVERY_GROUP = "discovery.k8s.io";

    ApiRequest {
        query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
    }

    /** {@code GET /apis/{group}}: which versions of an API group the server offers. */
    static ApiRequest discovery(String group) {
        return new ApiRequest("get", group, null, null, "/apis/" + group, Map.of());
    }

    /** {@code GET /api/v1/services} or {@code /api/v1/namespaces/{ns}/services}, selected by label. */
    static ApiRequest listServices(String namespace, String labelSelector) {
        String path = namespace == null ? "/api/v1/services" : "/api/v1/namespaces/" + segment(namespace) + "/services";
        return new ApiRequest("list", "", "services", namespace, path, Map.of("labelSelector", labelSelector));
    }

    /** {@code GET /api/v1/nodes}: every node of the cluster, for Services in NodePort mode. */
    static ApiRequest listNodes() {
        return new ApiRequest("list", "", "nodes", null, "/api/v1/nodes", Map.of());
    }

    /**
     * One namespaced object, {@code name} in {@code namespace}, for {@code verb} {@code get} or {@code update};
     * with {@code create} (and no name), the collection it is created in.
     *
     * @param apiVersion {@code v1} for the core group, or {@code group/version} ({@code coordination.k8s.io/v1})
     */
    static ApiRequest object(String verb, String apiVersion, String resource, String namespace, String name) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String collection =
                (slash < 0 ? "/api/" : "/apis/") + apiVersion + "/namespaces/" + segment(namespace) + "/" + resource;
        String path = verb.equals("create") ? collection : collection + "/" + segment(name);
        return new ApiRequest(verb, group, resource, namespace, path, Map.of());
    }

    /** The label the EndpointSlice controller puts on each slice: the name of the Service it belongs to. */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /**
     * At most this many Service names in one {@code in (...)} selector. The API server has no limit of its
     * own below its 1 MiB of headers, but every name is one more set entry it matches each slice of the
     * namespace against, and the URL ends up in audit logs and access logs.
     */
    static final int MAX_NAMES_IN_SELECTOR = 100;

    /**
     * At most this many characters of URL-encoded selector: with the path and the other parameters the
     * request line stays well under 8 KiB, the smallest common limit on the way to an API server (nginx's
     * {@code large_client_header_buffers}, Apache's {@code LimitRequestLine}), so an authenticating proxy in
     * front of it does not refuse the list with a 414.
     */
    static final int MAX_SELECTOR_CHARS = 4096;

    /**
     * The EndpointSlices of some Services of one namespace, in {@code discovery.k8s.io/{version}}: selected
     * by {@code kubernetes.io/service-name in (a,b)} when the names fit ({@link #MAX_NAMES_IN_SELECTOR},
     * {@link #MAX_SELECTOR_CHARS}), else every slice that belongs to a Service ({@code
     * kubernetes.io/service-name}), which the caller narrows down to the Services it wants.
     *
     * @param services the Services' names; sent sorted, as the server would sort them anyway
     */
    static ApiRequest listEndpointSlices(String version, String namespace, Collection<String> services) {
        String path =
                "/apis/" + DISCOVERY_GROUP + "/" + version + "/namespaces/" + segment(namespace) + "/endpointslices";
        String named = SERVICE_NAME_LABEL + " in (" + String.join(",", new TreeSet<>(services)) + ")";
        boolean fits = services.size() <= MAX_NAMES_IN_SELECTOR && encode(named).length() <= MAX_SELECTOR_CHARS;
        return new ApiRequest(
                "list",
                DISCOVERY_GROUP,
                "endpointslices",
                namespace,
                path,
                Map.of("labelSelector", fits ? named : SERVICE_NAME_LABEL));
    }

    /** The core/v1 Endpoints of one namespace (they carry no label to select them by). */
    static ApiRequest listEndpoints(String namespace) {
        return new ApiRequest(
                "list",
                "",
                "endpoints",
                namespace,
                "/api/v1/namespaces/" + segment(namespace) + "/endpoints",
                Map.of());
    }

    /**
     * Where the endpoints of every Service are listed, in one namespace or (null) in all: EndpointSlices
     * that belong to a Service, or core/v1 Endpoints. What the change watch lists and watches.
     */
    static ApiRequest listAllEndpoints(EndpointsApi from, String namespace) {
        String scope = namespace == null ? "" : "/namespaces/" + segment(namespace);
        if (from == EndpointsApi.CORE_ENDPOINTS) {
            return new ApiRequest("list", "", "endpoints", namespace, "/api/v1" + scope + "/endpoints", Map.of());
        }
        return new ApiRequest(
                "list",
                DISCOVERY_GROUP,
                "endpointslices",
                namespace,
                "/apis/" + DISCOVERY_GROUP + "/" + from.sliceVersion() + scope + "/endpointslices",
                Map.of("labelSelector", SERVICE_NAME_LABEL));
    }

    /**
     * The watch of this list from {@code resourceVersion}: bookmarks on, ended by the server after {@code
     * timeoutSeconds}.
     */
    ApiRequest watch(String resourceVersion, long timeoutSeconds) {
        return new ApiRequest("watch", apiGroup, resource, namespace, path, query)
                .with("watch", "true")
                .with("resourceVersion", resourceVersion)
                .with("allowWatchBookmarks", "true")
                .with("timeoutSeconds", Long.toString(timeoutSeconds));
    }

    /** The same request with one more query parameter (or a new value for it). */
    ApiRequest with(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(query);
        more.put(name, value);
        return new ApiRequest(verb, apiGroup, resource, namespace, path, more);
    }

    boolean isContinuation() {
        String token = query.get("continue");
        return token != null && !token.isEmpty();
    }

    /** Path and encoded query, e.g. {@code /api/v1/services?labelSelector=kempLB%3DEnabled&limit=500}. */
    String target() {
        if (query.isEmpty()) {
            return path;
        }
        return path + "?"
                + query.entrySet().stream()
                        .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                        .collect(Collectors.joining("&"));
    }

    /** For messages: {@code GET /api/v1/services} (the query is left out). */
    String describe() {
        return method() + " " + path;
    }

    /** The HTTP method of the verb. */
    String method() {
        return switch (verb) {
            case "create" -> "POST";
            case "update" -> "PUT";
            default -> "GET";
        };
    }

    /** {@code services} or {@code endpointslices.discovery.k8s.io}, as kubectl and RBAC errors name them. */
    String qualifiedResource() {
        return apiGroup.isEmpty() ? resource : resource + "." + apiGroup;
    }

    private static String segment(String s) {
        return encode(s);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
