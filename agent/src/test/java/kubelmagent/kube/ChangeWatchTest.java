package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import kubelmagent.http.ApiObserver;
import kubelmagent.http.Backoff;
import kubelmagent.log.LogCapture;
import kubelmagent.model.ServiceRef;
import kubelmagent.secret.Secret;
import kubelmagent.tls.TlsSettings;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watch's protocol, against a server whose watch answers the test writes event by event: what rings
 * the bell, where a watch resumes, what a 410 does, and how failures are logged and retried. The watch
 * against the stand-in API server, changes and all, is in {@code ChangeWatchStandInTest}.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChangeWatchTest {

    private static final String SERVICES = "/api/v1/services";
    private static final String SLICES = "/apis/discovery.k8s.io/v1/endpointslices";
    private static final String ENDPOINTS = "/api/v1/endpoints";
    private static final Backoff QUICK = new Backoff(Integer.MAX_VALUE, Duration.ofMillis(1), Duration.ofMillis(5));

    /**
     * A watch answer whose events the test writes, one chunk each (chunked transfer encoding, as the API server
     * sends a watch); it ends when the test says so, or breaks.
     */
    static final class Stream implements MockResponseBody {
        static final String END = "\u0000end";
        static final String BREAK = "\u0000break";
        /** Every stream made, so that the test can end those still open. */
        static final List<Stream> ALL = new CopyOnWriteArrayList<>();

        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Stream() {
            ALL.add(this);
        }

        Stream send(String... events) {
            lines.addAll(List.of(events));
            return this;
        }

        @Override
        public long getContentLength() {
            return -1;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            try {
                while (true) {
                    String line = lines.poll(20, TimeUnit.SECONDS);
                    if (line == null || line.equals(END)) {
                        sink.writeUtf8("0\r\n\r\n").flush(); // the last chunk
                        return;
                    }
                    if (line.equals(BREAK)) {
                        sink.close(); // in the middle of the chunked body: the client reads a premature end
                        return;
                    }
                    byte[] event = (line + "\n").getBytes(StandardCharsets.UTF_8);
                    sink.writeUtf8(Integer.toHexString(event.length) + "\r\n")
                            .write(event)
                            .writeUtf8("\r\n")
                            .flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final MockWebServer server = new MockWebServer();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    /** Per path, the watch answers still to give; with none left, a watch waits without an event. */
    private final Map<String, BlockingQueue<MockResponse>> watches = new ConcurrentHashMap<>();

    private final List<String> rings = new CopyOnWriteArrayList<>();
    private int listVersion = 100;
    private ChangeWatch watch;

    @BeforeEach
    void start() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                requests.add(request);
                String path = request.getUrl().encodedPath();
                if ("true".equals(request.getUrl().queryParameter("watch"))) {
                    MockResponse next = queue(path).poll();
                    return next != null ? next : watchOf(new Stream());
                }
                return FakeApiServer.json(
                        200,
                        "{\"kind\":\"List\",\"metadata\":{\"resourceVersion\":\"" + listVersion + "\"},\"items\":[]}");
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (watch != null) {
            watch.close();
        }
        Stream.ALL.forEach(stream -> stream.send(Stream.END));
        Stream.ALL.clear();
        server.close();
    }

    private BlockingQueue<MockResponse> queue(String path) {
        return watches.computeIfAbsent(path, p -> new LinkedBlockingQueue<>());
    }

    private static MockResponse watchOf(Stream stream) {
        return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .body(stream)
                .removeHeader("Content-Length")
                .addHeader("Transfer-Encoding", "chunked")
                .build();
    }

    private Stream answerWatch(String path) {
        Stream stream = new Stream();
        queue(path).add(watchOf(stream));
        return stream;
    }

    private ChangeWatch watch(Backoff retries) {
        KubernetesConnection connection = new KubernetesConnection(
                URI.create(server.url("/").toString()),
                TlsSettings.systemTrust(),
                null,
                Secret.of(FakeApiServer.TOKEN),
                Duration.ofSeconds(5));
        watch = new ChangeWatch(
                connection,
                List.of(),
                Selector.KEMP_DEFAULT,
                rings::add,
                ApiObserver.NONE,
                Duration.ofMinutes(5),
                retries);
        return watch;
    }

    private static String slice(String type, String namespace, String service, int version) {
        return "{\"type\":\"" + type
                + "\",\"object\":{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","
                + "\"metadata\":{\"name\":\"" + service + "-x7k2p\",\"namespace\":\"" + namespace
                + "\",\"resourceVersion\":\"" + version + "\",\"labels\":{\"kubernetes.io/service-name\":\"" + service
                + "\"}},\"endpoints\":[]}}";
    }

    private static String bookmark(int version) {
        return "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","
                + "\"metadata\":{\"resourceVersion\":\"" + version + "\"}}}";
    }

    private List<RecordedRequest> requestsTo(String path) {
        return requests.stream()
                .filter(r -> r.getUrl().encodedPath().equals(path))
                .toList();
    }

    private List<RecordedRequest> watchesOf(String path) {
        return requestsTo(path).stream()
                .filter(r -> "true".equals(r.getUrl().queryParameter("watch")))
                .toList();
    }

    private List<String> ringsAbout(String text) {
        return rings.stream().filter(r -> r.contains(text)).toList();
    }

    @Test
    void ringsForTheEndpointsOfFollowedServicesOnly() {
        Stream slices = answerWatch(SLICES);
        watch(QUICK).follow(EndpointsApi.ENDPOINT_SLICES_V1, Set.of(new ServiceRef("shop", "web")), false, null);
        assertTrue(waitUntil(() -> !ringsAbout("EndpointSlices").isEmpty()), "rings once it watches: " + rings);

        slices.send(
                slice("MODIFIED", "shop", "other", 101),
                slice("MODIFIED", "blog", "web", 102),
                bookmark(103),
                slice("DELETED", "shop", "web", 104));

        assertTrue(waitUntil(() -> !ringsAbout("shop/web").isEmpty()), "rings: " + rings);
        assertEquals(List.of("EndpointSlice shop/web-x7k2p DELETED"), ringsAbout("EndpointSlice "), "rings: " + rings);
        RecordedRequest first = watchesOf(SLICES).get(0);
        assertEquals("100", first.getUrl().queryParameter("resourceVersion"), "from the list's version");
        assertEquals("kubernetes.io/service-name", first.getUrl().queryParameter("labelSelector"));
        assertEquals("true", first.getUrl().queryParameter("allowWatchBookmarks"));
        long timeout = Long.parseLong(first.getUrl().queryParameter("timeoutSeconds"));
        assertTrue(timeout >= 300 && timeout <= 600, "5 to 10 minutes: " + timeout);
        assertEquals("Bearer " + FakeApiServer.TOKEN, first.getHeaders().get("Authorization"));
    }

    @Test
    void aWatchTheServerEndsIsResumedFromTheLastVersionSeenWithoutARing() {
        Stream first = answerWatch(SLICES);
        Stream second = answerWatch(SLICES);
        watch(QUICK).follow(EndpointsApi.ENDPOINT_SLICES_V1, Set.of(new ServiceRef("shop", "web")), false, null);
        first.send(slice("MODIFIED", "shop", "other", 101), bookmark(105), Stream.END);

        assertTrue(waitUntil(() -> watchesOf(SLICES).size() == 2), "watched again");
        second.send(slice("MODIFIED", "shop", "web", 106));
        assertTrue(waitUntil(() -> !ringsAbout("shop/web").isEmpty()));

        assertEquals("105", watchesOf(SLICES).get(1).getUrl().queryParameter("resourceVersion"), "from the bookmark");
        assertEquals(1, requestsTo(SLICES).size() - watchesOf(SLICES).size(), "listed once");
        assertEquals(1, ringsAbout("EndpointSlices").size(), "no ring for a resumed watch: " + rings);
    }

    @Test
    void aVersionTooOldIsListedAgainAndRings() {
        Stream first = answerWatch(SLICES);
        answerWatch(SLICES);
        watch(QUICK).follow(EndpointsApi.ENDPOINT_SLICES_V1, Set.of(new ServiceRef("shop", "web")), false, null);
        listVersion = 200;
        first.send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                + "\"message\":\"too old resource version: 100 (150)\",\"reason\":\"Expired\",\"code\":410}}");

        assertTrue(waitUntil(() -> watchesOf(SLICES).size() == 2), "watched again");

        assertEquals("200", watchesOf(SLICES).get(1).getUrl().queryParameter("resourceVersion"), "from a new list");
        assertEquals(2, requestsTo(SLICES).size() - watchesOf(SLICES).size(), "listed again");
        assertTrue(waitUntil(() -> ringsAbout("EndpointSlices").size() == 2), "rang again: " + rings);
    }

    @Test
    void aRefusedWatchWarnsOnceIsRetriedAndSaysWhenItWorksAgain() {
        for (int i = 0; i < 3; i++) {
            queue(SLICES).add(FakeApiServer.status(403, "status-403-endpointslices.json"));
        }
        Stream works = answerWatch(SLICES);
        try (LogCapture log = new LogCapture(ChangeWatch.class)) {
            watch(QUICK).follow(EndpointsApi.ENDPOINT_SLICES_V1, Set.of(new ServiceRef("shop", "web")), false, null);
            assertTrue(waitUntil(() -> watchesOf(SLICES).size() == 4), "tried again until it worked");
            works.send(slice("ADDED", "shop", "web", 101));
            assertTrue(waitUntil(() -> !ringsAbout("shop/web").isEmpty()));

            List<String> warnings =
                    log.lines().stream().filter(l -> l.startsWith("WARNING")).toList();
            assertEquals(1, warnings.size(), "one warning for the outage: " + log.lines());
            String warning = warnings.get(0);
            assertTrue(
                    warning.contains("watching discovery.k8s.io/v1 EndpointSlices failed (passes go on as scheduled;"
                            + " the watch is tried again with backoff, up to every 0 s): Kubernetes API answered 403"),
                    warning);
            assertTrue(warning.contains("verbs: [\"watch\"]"), "names the missing rule: " + warning);
            assertEquals(
                    1,
                    log.lines().stream().filter(l -> l.contains("works again")).count(),
                    "says it works again: " + log.lines());
            assertFalse(String.join("\n", log.lines()).contains(FakeApiServer.TOKEN), "no token in the log");
        }
    }

    @Test
    void aBrokenConnectionIsWatchedAgainFromTheLastVersionAndRings() {
        Stream first = answerWatch(SLICES);
        answerWatch(SLICES);
        watch(QUICK).follow(EndpointsApi.ENDPOINT_SLICES_V1, Set.of(new ServiceRef("shop", "web")), false, null);
        first.send(slice("MODIFIED", "shop", "other", 101), Stream.BREAK);

        assertTrue(waitUntil(() -> watchesOf(SLICES).size() == 2), "watched again");

        assertEquals("101", watchesOf(SLICES).get(1).getUrl().queryParameter("resourceVersion"));
        assertTrue(waitUntil(() -> ringsAbout("EndpointSlices").size() == 2), "changes may have been missed: " + rings);
    }

    @Test
    void anotherEndpointsApiMovesTheWatch() {
        answerWatch(SLICES);
        Stream endpoints = answerWatch(ENDPOINTS);
        ChangeWatch w = watch(QUICK);
        w.follow(EndpointsApi.ENDPOINT_SLICES_V1, Set.of(new ServiceRef("shop", "web")), false, null);
        assertTrue(waitUntil(() -> watchesOf(SLICES).size() == 1));

        w.follow(EndpointsApi.CORE_ENDPOINTS, Set.of(new ServiceRef("shop", "web")), false, null);
        assertTrue(waitUntil(() -> watchesOf(ENDPOINTS).size() == 1));
        endpoints.send("{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"web\","
                + "\"namespace\":\"shop\",\"resourceVersion\":\"120\"}}}");

        assertTrue(waitUntil(() -> !ringsAbout("Endpoints shop/web MODIFIED").isEmpty()), "rings: " + rings);
        assertTrue(waitUntil(
                () -> watchesOf(SLICES).size() == 1 && requestsTo(SERVICES).size() >= 2));
    }

    @Test
    void watchesTheLabelledServicesFromTheStart() {
        LogCapture dbg = new LogCapture(ChangeWatch.class);
        Stream services = answerWatch(SERVICES);
        watch(QUICK);
        assertTrue(waitUntil(() -> watchesOf(SERVICES).size() == 1));
        services.send("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"name\":\"cart\","
                + "\"namespace\":\"shop\",\"resourceVersion\":\"101\"}}}");

        assertTrue(
                waitUntil(() -> !ringsAbout("Service shop/cart ADDED").isEmpty()),
                "rings: " + rings + dbg.lines() + requests);
        assertEquals("kempLB=Enabled", watchesOf(SERVICES).get(0).getUrl().queryParameter("labelSelector"));
        assertTrue(watchesOf(SLICES).isEmpty(), "endpoints are watched once a pass has read where they are");
    }

    @Test
    void closeEndsWatchesThatAreWaitingForEvents() {
        answerWatch(SERVICES);
        ChangeWatch w = watch(QUICK);
        w.follow(EndpointsApi.ENDPOINT_SLICES_V1, Set.of(), false, null);
        assertTrue(waitUntil(
                () -> watchesOf(SERVICES).size() == 1 && watchesOf(SLICES).size() == 1));

        long started = System.nanoTime();
        w.close();

        long took = System.nanoTime() - started;
        assertTrue(took < Duration.ofSeconds(3).toNanos(), "close took " + took / 1_000_000 + " ms");
        int seen = requests.size();
        assertFalse(waitUntil(() -> requests.size() > seen, 300), "nothing sent after close");
    }

    private static boolean waitUntil(BooleanSupplier condition) {
        return waitUntil(condition, 10_000);
    }

    private static boolean waitUntil(BooleanSupplier condition, long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
