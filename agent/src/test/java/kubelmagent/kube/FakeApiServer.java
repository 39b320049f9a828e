package kubelmagent.kube;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import kubelmagent.http.Backoff;
import kubelmagent.secret.Secret;
import kubelmagent.tls.TlsSettings;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;

/**
 * A Kubernetes API server on MockWebServer that answers by route: the URL path, plus the Service
 * for EndpointSlice lists and the {@code continue} token for later pages. Each route answers its
 * responses in turn and then keeps repeating the last one. Unrouted paths get a 404 Status, as the
 * real API server gives for paths it does not serve.
 */
final class FakeApiServer implements AutoCloseable {

    /** Looks like a service-account JWT; tests check it never shows up in a message. */
    static final String TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6Im1vY2sifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6"
            + "a3ViZS1sbS1hZ2VudDprdWJlLWxtLWFnZW50In0.bW9jay1zaWduYXR1cmUtbm90LXJlYWw";

    /** Three attempts at each read, with no waits between them: tests retry without waiting. */
    static final Backoff NO_WAIT = new Backoff(3, Duration.ZERO, Duration.ZERO);

    static final String DISCOVERY = "/apis/discovery.k8s.io";
    static final String ALL_SERVICES = "/api/v1/services";

    final MockWebServer server = new MockWebServer();
    private final Map<String, Deque<MockResponse>> routes = new ConcurrentHashMap<>();
    private final List<RecordedRequest> requests = new ArrayList<>();
    private final List<Long> arrivalNanos = new ArrayList<>();

    FakeApiServer() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                synchronized (requests) {
                    requests.add(request);
                    arrivalNanos.add(System.nanoTime());
                }
                Deque<MockResponse> answers = routes.get(routeOf(request.getUrl()));
                if (answers == null) {
                    return status(404, "status-404.json");
                }
                synchronized (answers) {
                    return answers.size() > 1 ? answers.poll() : answers.peek();
                }
            }
        });
    }

    void start() throws IOException {
        server.start();
    }

    URI url() {
        return URI.create(server.url("/").toString());
    }

    /** A connection with a fixed token and a generous timeout. */
    KubernetesConnection connection() {
        return connection(Duration.ofSeconds(10));
    }

    KubernetesConnection connection(Duration timeout) {
        return new KubernetesConnection(url(), TlsSettings.systemTrust(), null, Secret.of(TOKEN), timeout);
    }

    KubernetesConnection connection(Path tokenFile) {
        return new KubernetesConnection(url(), TlsSettings.systemTrust(), tokenFile, null, Duration.ofSeconds(10));
    }

    // --- routes ---------------------------------------------------------------------------------

    /** Sets what {@code route} answers, in turn; the last answer repeats. Replaces earlier answers. */
    FakeApiServer on(String route, MockResponse... answers) {
        routes.put(route, new ArrayDeque<>(List.of(answers)));
        return this;
    }

    static String services(String namespace) {
        return "/api/v1/namespaces/" + namespace + "/services";
    }

    static String endpointSlices(String version, String namespace, String service) {
        return "/apis/discovery.k8s.io/" + version + "/namespaces/" + namespace + "/endpointslices?service=" + service;
    }

    static String endpointSlices(String namespace, String service) {
        return endpointSlices("v1", namespace, service);
    }

    static String endpoints(String namespace, String service) {
        return "/api/v1/namespaces/" + namespace + "/endpoints/" + service;
    }

    /** The route of a later page of a list. */
    static String page(String route, String continueToken) {
        return route + "&continue=" + continueToken;
    }

    private static String routeOf(HttpUrl url) {
        StringBuilder route = new StringBuilder(url.encodedPath());
        String selector = url.queryParameter("labelSelector");
        String serviceLabel = "kubernetes.io/service-name=";
        if (selector != null && selector.startsWith(serviceLabel)) {
            route.append("?service=").append(selector.substring(serviceLabel.length()));
        }
        String continueToken = url.queryParameter("continue");
        if (continueToken != null && !continueToken.isEmpty()) {
            route.append("&continue=").append(continueToken);
        }
        return route.toString();
    }

    // --- answers --------------------------------------------------------------------------------

    static MockResponse json(String fixture) {
        return json(200, fixture(fixture));
    }

    static MockResponse status(int code, String fixture) {
        return json(code, fixture(fixture));
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder()
                .code(code)
                .addHeader("Content-Type", "application/json")
                .addHeader("Audit-Id", "0b0e4c4e-1e3a-4f43-9a52-0c8f0d2d9f11")
                .body(body)
                .build();
    }

    /** An error Status with a {@code Retry-After} header, as the API server sends with a 429. */
    static MockResponse retryAfter(int code, String fixture, int seconds) {
        return status(code, fixture)
                .newBuilder()
                .addHeader("Retry-After", Integer.toString(seconds))
                .build();
    }

    static MockResponse delayed(String fixture, Duration delay) {
        return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .body(fixture(fixture))
                .headersDelay(delay.toMillis(), TimeUnit.MILLISECONDS)
                .build();
    }

    static String fixture(String name) {
        try (InputStream in = FakeApiServer.class.getResourceAsStream("/kube/api/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- what was asked -------------------------------------------------------------------------

    List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** How long after {@code earlier} arrived {@code later} did. */
    Duration between(RecordedRequest earlier, RecordedRequest later) {
        synchronized (requests) {
            return Duration.ofNanos(
                    arrivalNanos.get(requests.indexOf(later)) - arrivalNanos.get(requests.indexOf(earlier)));
        }
    }

    List<String> paths() {
        return requests().stream().map(r -> r.getUrl().encodedPath()).toList();
    }

    /** The requests whose path is {@code path}, in order. */
    List<RecordedRequest> requestsTo(String path) {
        return requests().stream()
                .filter(r -> r.getUrl().encodedPath().equals(path))
                .toList();
    }

    @Override
    public void close() {
        server.close();
    }
}
