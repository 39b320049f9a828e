package kubelmagent.kube;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kubelmagent.http.Backoff;
import kubelmagent.secret.Secret;
import kubelmagent.tls.TlsSettings;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;

/**
 * A Kubernetes API server on MockWebServer that answers by route: the URL path, plus the Services
 * an EndpointSlice list selects ({@code kubernetes.io/service-name in (...)}, or {@code *} for every
 * slice of a Service) and the {@code continue} token for later pages. Each route answers its
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

    private static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    private static final String ANY_SERVICE = "*";
    private static final Pattern SERVICES_NAMED =
            Pattern.compile(Pattern.quote(SERVICE_NAME_LABEL) + "\\s+in\\s*\\((.*)\\)");

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

    /**
     * The list of the {@code discovery.k8s.io/v1} EndpointSlices of these Services of a namespace, selected
     * by {@code kubernetes.io/service-name in (...)} (in any order: the agent sends the names sorted).
     */
    static String endpointSlices(String namespace, String... services) {
        return endpointSlicesIn("v1", namespace, services);
    }

    static String endpointSlicesIn(String version, String namespace, String... services) {
        return "/apis/discovery.k8s.io/" + version + "/namespaces/" + namespace + "/endpointslices?service="
                + String.join(",", new TreeSet<>(List.of(services)));
    }

    /** The list of every EndpointSlice of a namespace that belongs to a Service (the existence selector). */
    static String everyEndpointSlice(String namespace) {
        return endpointSlicesIn("v1", namespace, ANY_SERVICE);
    }

    /** The list of the core/v1 Endpoints of a namespace. */
    static String endpoints(String namespace) {
        return "/api/v1/namespaces/" + namespace + "/endpoints";
    }

    /** The route of a later page of a list. */
    static String page(String route, String continueToken) {
        return route + "&continue=" + continueToken;
    }

    private static String routeOf(HttpUrl url) {
        StringBuilder route = new StringBuilder(url.encodedPath());
        String selector = url.queryParameter("labelSelector");
        Matcher named = SERVICES_NAMED.matcher(selector == null ? "" : selector);
        if (named.matches()) {
            route.append("?service=")
                    .append(String.join(
                            ",",
                            new TreeSet<>(Arrays.stream(named.group(1).split(","))
                                    .map(String::strip)
                                    .toList())));
        } else if (SERVICE_NAME_LABEL.equals(selector)) {
            route.append("?service=").append(ANY_SERVICE);
        } else if (selector != null && selector.startsWith(SERVICE_NAME_LABEL)) {
            throw new IllegalArgumentException("the fake does not route the selector " + selector);
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

    /** One list of the items of these list fixtures, e.g. the EndpointSlices of two Services. */
    static MockResponse merged(String... fixtures) {
        JsonObject list = JsonParser.parseString(fixture(fixtures[0])).getAsJsonObject();
        for (int i = 1; i < fixtures.length; i++) {
            list.getAsJsonArray("items")
                    .addAll(JsonParser.parseString(fixture(fixtures[i]))
                            .getAsJsonObject()
                            .getAsJsonArray("items"));
        }
        return json(200, list.toString());
    }

    /** An {@code EndpointsList} holding these core/v1 Endpoints fixtures. */
    static MockResponse endpointsList(String... fixtures) {
        JsonArray items = new JsonArray();
        for (String f : fixtures) {
            items.add(JsonParser.parseString(fixture(f)));
        }
        JsonObject list = new JsonObject();
        list.addProperty("kind", "EndpointsList");
        list.addProperty("apiVersion", "v1");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("resourceVersion", "98771");
        list.add("metadata", metadata);
        list.add("items", items);
        return json(200, list.toString());
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
