package kubelmagent.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.gson.Gson;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A Kubernetes API server over HTTPS that serves discovery, labelled Services and their v1
 * EndpointSlices from a model the test edits. Responses have the shape of the real API server's.
 */
final class FakeKubernetesApi implements AutoCloseable {

    static final String TOKEN = "fake-sa-token-7f3e9c";

    /** One Service: its vsid annotation, one port 80 -> targetPort 8080, and ready pod IPs. */
    record Service(String namespace, String name, String vsid, List<String> podIps) {}

    final MockWebServer server = new MockWebServer();
    private final Map<String, Service> services = new TreeMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int failServiceListWith;
    private final Gson gson = new Gson();

    FakeKubernetesApi() throws IOException {
        server.setServerSocketFactory(TestTls.noDelay());
        server.useHttps(TestTls.serverSocketFactory());
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                requests.incrementAndGet();
                return answer(request);
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    String url() {
        return "https://127.0.0.1:" + server.getPort();
    }

    synchronized FakeKubernetesApi put(String namespace, String name, String vsid, List<String> podIps) {
        services.put(namespace + "/" + name, new Service(namespace, name, vsid, List.copyOf(podIps)));
        return this;
    }

    synchronized FakeKubernetesApi remove(String namespace, String name) {
        services.remove(namespace + "/" + name);
        return this;
    }

    /** The Service list answers with this HTTP status (0: normally). */
    FakeKubernetesApi failServiceList(int status) {
        failServiceListWith = status;
        return this;
    }

    int requests() {
        return requests.get();
    }

    private synchronized MockResponse answer(RecordedRequest request) {
        String auth = request.getHeaders().get("Authorization");
        if (!("Bearer " + TOKEN).equals(auth)) {
            return json(401, status(401, "Unauthorized", "Unauthorized"));
        }
        String path = request.getUrl().encodedPath();
        if (path.equals("/apis/discovery.k8s.io")) {
            return json(200, Map.of("kind", "APIGroup", "apiVersion", "v1", "name", "discovery.k8s.io",
                    "versions", List.of(Map.of("groupVersion", "discovery.k8s.io/v1", "version", "v1")),
                    "preferredVersion", Map.of("groupVersion", "discovery.k8s.io/v1", "version", "v1")));
        }
        if (path.equals("/api/v1/services")) {
            if (failServiceListWith != 0) {
                return json(failServiceListWith, failServiceListWith == 401
                        ? status(401, "Unauthorized", "Unauthorized")
                        : status(failServiceListWith, "InternalError", "etcdserver: request timed out"));
            }
            List<Object> items = new ArrayList<>();
            for (Service s : services.values()) {
                items.add(Map.of(
                        "metadata", Map.of("name", s.name(), "namespace", s.namespace(),
                                "uid", "uid-" + s.name(), "resourceVersion", "1001",
                                "labels", Map.of("kempLB", "Enabled", "app", s.name()),
                                "annotations", Map.of("vsid", s.vsid())),
                        "spec", Map.of("type", "ClusterIP", "clusterIP", "10.96.0.10", "selector", Map.of("app", s.name()),
                                "ports", List.of(Map.of("name", "http", "protocol", "TCP", "port", 80, "targetPort", 8080)))));
            }
            return json(200, Map.of("kind", "ServiceList", "apiVersion", "v1",
                    "metadata", Map.of("resourceVersion", "1001"), "items", items));
        }
        String prefix = "/apis/discovery.k8s.io/v1/namespaces/";
        if (path.startsWith(prefix) && path.endsWith("/endpointslices")) {
            String namespace = path.substring(prefix.length(), path.length() - "/endpointslices".length());
            String selector = request.getUrl().queryParameter("labelSelector");
            String name = selector == null ? "" : selector.substring("kubernetes.io/service-name=".length());
            Service s = services.get(namespace + "/" + name);
            List<Object> endpoints = new ArrayList<>();
            if (s != null) {
                for (String ip : s.podIps()) {
                    endpoints.add(Map.of("addresses", List.of(ip),
                            "conditions", Map.of("ready", true, "serving", true, "terminating", false),
                            "nodeName", "node-1",
                            "targetRef", Map.of("kind", "Pod", "namespace", namespace, "name", name + "-" + ip)));
                }
            }
            List<Object> slices = s == null ? List.of() : List.of(Map.of(
                    "metadata", Map.of("name", name + "-abcde", "namespace", namespace,
                            "labels", Map.of("kubernetes.io/service-name", name,
                                    "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")),
                    "addressType", "IPv4",
                    "endpoints", endpoints,
                    "ports", List.of(Map.of("name", "http", "protocol", "TCP", "port", 8080))));
            return json(200, Map.of("kind", "EndpointSliceList", "apiVersion", "discovery.k8s.io/v1",
                    "metadata", Map.of("resourceVersion", "1001"), "items", slices));
        }
        return json(404, status(404, "NotFound", "the server could not find the requested resource"));
    }

    private static Map<String, Object> status(int code, String reason, String message) {
        return Map.of("kind", "Status", "apiVersion", "v1", "metadata", Map.of(), "status", "Failure",
                "message", message, "reason", reason, "code", code);
    }

    private MockResponse json(int code, Object body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(gson.toJson(body)).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
