package kubelmagent.kube;

import static kubelmagent.kube.FakeApiServer.ALL_SERVICES;
import static kubelmagent.kube.FakeApiServer.DISCOVERY;
import static kubelmagent.kube.FakeApiServer.NO_WAIT;
import static kubelmagent.kube.FakeApiServer.delayed;
import static kubelmagent.kube.FakeApiServer.endpointSlices;
import static kubelmagent.kube.FakeApiServer.fixture;
import static kubelmagent.kube.FakeApiServer.json;
import static kubelmagent.kube.FakeApiServer.merged;
import static kubelmagent.kube.FakeApiServer.page;
import static kubelmagent.kube.FakeApiServer.retryAfter;
import static kubelmagent.kube.FakeApiServer.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import kubelmagent.http.Backoff;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reads that fail in a way worth retrying are sent again within the pass; lists that expire are restarted once. */
class KubernetesSourceRetryTest {

    private static final String CONTINUE_SERVICES =
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzNDU2LCJzdGFydCI6InNob3Avd2ViXHUwMDAwIn0";

    private FakeApiServer api;

    @BeforeEach
    void startServer() throws IOException {
        api = new FakeApiServer();
        api.start();
        api.on(DISCOVERY, json("discovery-v1.json"))
                .on(ALL_SERVICES, json("services-shop.json"))
                .on(endpointSlices("shop", "web", "api"), merged("endpointslices-web.json", "endpointslices-api.json"));
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    private DesiredState read(KubernetesConnection connection, int pageSize, Backoff backoff) {
        try (KubernetesSource source =
                new KubernetesSource(connection, List.of(), Selector.KEMP_DEFAULT, pageSize, backoff)) {
            return source.read();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private DesiredState read() {
        return read(api.connection(), KubernetesSource.DEFAULT_PAGE_SIZE, NO_WAIT);
    }

    private static List<String> services(DesiredState state) {
        return state.services().stream()
                .map(DesiredService::service)
                .map(Object::toString)
                .toList();
    }

    @Test
    void sendsAGetAgainAfterServerErrorsAndThrottlingAndReadsCompletely() {
        api.on(DISCOVERY, status(503, "status-500.json"), json("discovery-v1.json"))
                .on(
                        ALL_SERVICES,
                        status(500, "status-500.json"),
                        status(429, "status-429.json"),
                        json("services-shop.json"))
                .on(
                        endpointSlices("shop", "web", "api"),
                        status(504, "status-500.json"),
                        merged("endpointslices-web.json", "endpointslices-api.json"));

        DesiredState state = read();

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(List.of("shop/web", "shop/api"), services(state));
        assertEquals(2, api.requestsTo(DISCOVERY).size());
        assertEquals(3, api.requestsTo(ALL_SERVICES).size());
    }

    @Test
    void sendsAGetAgainAfterAnAnswerCutShortAndAfterATimeout() {
        api.on(
                        ALL_SERVICES,
                        new MockResponse.Builder()
                                .addHeader("Content-Type", "application/json")
                                .body(fixture("services-shop.json"))
                                .throttleBody(512, 10, TimeUnit.MILLISECONDS)
                                .onResponseBody(new SocketEffect.CloseSocket())
                                .build(),
                        json("services-shop.json"))
                .on(
                        endpointSlices("shop", "web", "api"),
                        delayed("endpointslices-web.json", Duration.ofSeconds(3)),
                        merged("endpointslices-web.json", "endpointslices-api.json"));

        DesiredState state = read(api.connection(Duration.ofMillis(250)), KubernetesSource.DEFAULT_PAGE_SIZE, NO_WAIT);

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(List.of("shop/web", "shop/api"), services(state));
        assertEquals(2, api.requestsTo(ALL_SERVICES).size());
    }

    @ParameterizedTest
    @CsvSource({
        "400, status-400-selector.json",
        "401, status-401.json",
        "403, status-403-services.json",
        "404, status-404.json",
        "410, status-410-expired.json",
    })
    void neverSendsAGetAgainAfterAnAnswerThatWouldNotChange(int code, String body) {
        api.on(ALL_SERVICES, status(code, body), json("services-shop.json"));

        DesiredState state = read();

        assertFalse(state.complete());
        assertEquals(List.of(), state.services());
        assertTrue(
                state.problems().get(0).message().startsWith("Kubernetes API answered " + code + " "),
                state.problems()::toString);
        assertEquals(1, api.requestsTo(ALL_SERVICES).size());
    }

    @Test
    void waitsAsLongAsRetryAfterAsksUpToTheBackoffCap() {
        api.on(ALL_SERVICES, retryAfter(429, "status-429.json", 5), json("services-shop.json"));
        Backoff noWaitOfItsOwn = new Backoff(3, Duration.ZERO, Duration.ofMillis(200));

        DesiredState state = read(api.connection(), KubernetesSource.DEFAULT_PAGE_SIZE, noWaitOfItsOwn);

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        List<RecordedRequest> lists = api.requestsTo(ALL_SERVICES);
        Duration waited = api.between(lists.get(0), lists.get(1));
        assertTrue(waited.compareTo(Duration.ofMillis(200)) >= 0, () -> "waited only " + waited);
        assertTrue(
                waited.compareTo(Duration.ofSeconds(3)) < 0, () -> "Retry-After: 5 was not capped: waited " + waited);
    }

    @Test
    void aWaitInterruptedBecauseTheAgentStopsEndsTheReadWithoutTryingAgain() throws InterruptedException {
        api.on(DISCOVERY, retryAfter(429, "status-429.json", 5));
        Thread reader = Thread.currentThread();
        Thread stopper = new Thread(() -> {
            try {
                if (api.server.takeRequest(10, TimeUnit.SECONDS) != null) { // the first 429 has been asked for
                    reader.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stopper.start();

        DesiredState state;
        try {
            state = read(
                    api.connection(),
                    KubernetesSource.DEFAULT_PAGE_SIZE,
                    new Backoff(3, Duration.ZERO, Duration.ofSeconds(5)));
        } finally {
            stopper.join();
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
        }

        assertFalse(state.complete());
        assertEquals(
                List.of("reading Kubernetes was interrupted while GET /apis/discovery.k8s.io waited to be sent"
                        + " again (the agent is stopping)"),
                state.problems().stream().map(p -> p.message()).toList());
        assertEquals(List.of(DISCOVERY), api.paths());
    }

    @Test
    void restartsAListFromItsFirstPageWhenItsContinueTokenHasExpired() {
        api.on(ALL_SERVICES, json("services-page1.json"))
                .on(
                        page(ALL_SERVICES, CONTINUE_SERVICES),
                        status(410, "status-410-expired.json"),
                        json("services-page2.json"))
                .on(
                        endpointSlices("shop", "api", "web", "metrics"),
                        merged("endpointslices-web.json", "endpointslices-api.json", "endpointslices-metrics.json"));

        DesiredState state = read(api.connection(), 2, NO_WAIT);

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(List.of("shop/api", "shop/web", "shop/metrics"), services(state), "each Service once");
        assertEquals(
                Arrays.asList(null, CONTINUE_SERVICES, null, CONTINUE_SERVICES),
                api.requestsTo(ALL_SERVICES).stream()
                        .map(r -> r.getUrl().queryParameter("continue"))
                        .toList());
    }
}
