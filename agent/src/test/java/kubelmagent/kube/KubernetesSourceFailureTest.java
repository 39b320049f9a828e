package kubelmagent.kube;

import static kubelmagent.kube.FakeApiServer.ALL_SERVICES;
import static kubelmagent.kube.FakeApiServer.DISCOVERY;
import static kubelmagent.kube.FakeApiServer.TOKEN;
import static kubelmagent.kube.FakeApiServer.delayed;
import static kubelmagent.kube.FakeApiServer.endpointSlices;
import static kubelmagent.kube.FakeApiServer.endpoints;
import static kubelmagent.kube.FakeApiServer.endpointsList;
import static kubelmagent.kube.FakeApiServer.fixture;
import static kubelmagent.kube.FakeApiServer.json;
import static kubelmagent.kube.FakeApiServer.merged;
import static kubelmagent.kube.FakeApiServer.page;
import static kubelmagent.kube.FakeApiServer.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Problem;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualServiceId;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failed or partial read is reported as incomplete, with a message that says what to do. */
class KubernetesSourceFailureTest {

    private static final String CONTINUE_SLICES =
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6OTg3NzAsInN0YXJ0Ijoic2hvcC93ZWItOXF2NGRcdTAwMDAifQ";
    private static final String CONTINUE_SERVICES =
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzNDU2LCJzdGFydCI6InNob3Avd2ViXHUwMDAwIn0";

    private FakeApiServer api;

    @TempDir
    Path dir;

    @BeforeEach
    void startServer() throws IOException {
        api = new FakeApiServer();
        api.start();
        api.on(DISCOVERY, json("discovery-v1.json"));
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    private DesiredState read(KubernetesConnection connection) {
        try (KubernetesSource source =
                new KubernetesSource(connection, List.of(), Selector.KEMP_DEFAULT, 2, FakeApiServer.NO_WAIT)) {
            return source.read();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private DesiredState read() {
        return read(api.connection());
    }

    /** An unknown read: nothing listed, one Problem about the API, never the token. */
    private static String unknownReadMessage(DesiredState state) {
        assertFalse(state.complete());
        assertEquals(List.of(), state.services());
        assertEquals(1, state.problems().size(), state.problems()::toString);
        assertEquals("Kubernetes API", state.problems().get(0).subject());
        assertNoToken(state);
        return state.problems().get(0).message();
    }

    private static void assertNoToken(DesiredState state) {
        for (Problem problem : state.problems()) {
            assertFalse(problem.message().contains(TOKEN), problem::message);
            assertFalse(problem.message().contains("Bearer"), problem::message);
        }
    }

    private static void assertStartsWith(String prefix, String message) {
        assertTrue(message.startsWith(prefix), () -> "expected to start with\n  " + prefix + "\nbut was\n  " + message);
    }

    private static void assertContains(String part, String message) {
        assertTrue(message.contains(part), () -> "expected to contain\n  " + part + "\nbut was\n  " + message);
    }

    @Test
    void unauthorizedNamesTheTokenFileAndHowToRenewIt() throws IOException {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        api.on(ALL_SERVICES, status(401, "status-401.json"));

        String message = unknownReadMessage(read(api.connection(tokenFile)));

        assertEquals(
                "Kubernetes API answered 401 Unauthorized to GET /api/v1/services: the token in " + tokenFile
                        + " was rejected; it may have expired — create a new one (kubectl create token <service-account>"
                        + " -n <namespace>) and write it to that file; Kubernetes said: \"Unauthorized\"",
                message);
    }

    @Test
    void unauthorizedWithAStaticTokenSaysTheConfiguredTokenWasRejected() {
        api.on(ALL_SERVICES, status(401, "status-401.json"));

        String message = unknownReadMessage(read());

        assertStartsWith(
                "Kubernetes API answered 401 Unauthorized to GET /api/v1/services: the configured token was"
                        + " rejected; it may have expired or been revoked",
                message);
    }

    @Test
    void forbiddenServiceListNamesTheMissingRbacRule() {
        api.on(ALL_SERVICES, status(403, "status-403-services.json"));

        String message = unknownReadMessage(read());

        assertEquals(
                "Kubernetes API answered 403 Forbidden to GET /api/v1/services: the account may not list services"
                        + " in all namespaces; add the RBAC rule {apiGroups: [\"\"], resources: [\"services\"], verbs:"
                        + " [\"list\"]} to the agent's ClusterRole and bind it with a ClusterRoleBinding, or name the"
                        + " namespaces to watch in the agent's configuration; Kubernetes said: \"services is forbidden: User"
                        + " \"system:serviceaccount:kube-lm-agent:kube-lm-agent\" cannot list resource \"services\" in API"
                        + " group \"\" at the cluster scope\"",
                message);
    }

    /** Services web and api in shop, blog in blog: one endpoint list per namespace. */
    private void twoNamespaces() {
        api.on(ALL_SERVICES, merged("services-shop.json", "services-blog.json"))
                .on(endpointSlices("blog", "blog"), json("endpointslices-empty.json"));
    }

    private static List<String> names(DesiredState state) {
        return state.services().stream().map(s -> s.service().toString()).toList();
    }

    private static List<String> unread(DesiredState state) {
        return state.skipped().stream()
                .filter(SkippedService::unread)
                .map(s -> s.service().toString())
                .toList();
    }

    @Test
    void forbiddenEndpointSlicesLeaveThatNamespaceOutAndKeepTheOthers() {
        twoNamespaces();
        api.on(endpointSlices("shop", "web", "api"), status(403, "status-403-endpointslices.json"));

        DesiredState state = read();

        assertTrue(state.complete(), "the Service list was read");
        assertFalse(state.everythingRead());
        assertEquals(List.of("blog/blog"), names(state));
        assertEquals(List.of("shop/web", "shop/api"), unread(state), "each keeps its Real Servers");
        assertEquals(
                List.of(VirtualServiceId.of(3), VirtualServiceId.of(4)),
                state.skipped().stream().map(SkippedService::vs).toList());
        assertEquals(
                List.of("shop/web", "shop/api"),
                state.problems().stream().map(Problem::subject).toList());
        for (Problem problem : state.problems()) {
            assertStartsWith(
                    problem.subject() + ": left out of this pass because its endpoints could not be read: Kubernetes"
                            + " API answered 403 Forbidden to GET /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices:"
                            + " the account may not list endpointslices.discovery.k8s.io in namespace shop; add the RBAC"
                            + " rule {apiGroups: [\"discovery.k8s.io\"], resources: [\"endpointslices\"], verbs:"
                            + " [\"list\"]} to the agent's Role in that namespace (or bind a ClusterRole that has it"
                            + " there); Kubernetes said: \"endpointslices",
                    problem.message());
        }
        assertNoToken(state);
    }

    @Test
    void forbiddenCoreEndpointsNameTheListRule() {
        api.on(DISCOVERY, status(404, "status-404.json"))
                .on(ALL_SERVICES, json("services-page2.json"))
                .on(endpoints("shop"), status(403, "status-403-services.json"));

        DesiredState state = read();

        assertTrue(state.complete(), "the Service list was read");
        assertFalse(state.everythingRead());
        assertEquals(List.of("shop/metrics"), unread(state));
        assertContains(
                "403 Forbidden to GET /api/v1/namespaces/shop/endpoints: the account may not list"
                        + " endpoints in namespace shop; add the RBAC rule {apiGroups: [\"\"], resources: [\"endpoints\"],"
                        + " verbs: [\"list\"]}",
                state.problems().get(0).message());
    }

    @Test
    void aFailedEndpointListSkipsItsNamespaceAndReadsTheOthers() {
        twoNamespaces();
        api.on(endpointSlices("shop", "web", "api"), status(500, "status-500.json"));

        DesiredState state = read();

        assertTrue(state.complete(), "the Service list was read");
        assertFalse(state.everythingRead());
        assertEquals(List.of("blog/blog"), names(state));
        assertEquals(List.of("shop/web", "shop/api"), unread(state));
        assertEquals(
                "shop/api: left out of this pass because its endpoints could not be read: Kubernetes API answered"
                        + " 500 Internal Server Error to GET /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices: the API"
                        + " server could not answer; the next pass retries — if this persists, check the API server's health"
                        + " (kubectl get --raw='/readyz?verbose'); Kubernetes said: \"Internal error occurred: etcdserver:"
                        + " request timed out\"",
                state.problems().get(1).message());
    }

    @Test
    void aFailedCoreEndpointsListSkipsItsNamespaceAndReadsTheOthers() {
        api.on(DISCOVERY, status(404, "status-404.json"));
        twoNamespaces();
        api.on(endpoints("shop"), status(500, "status-500.json")).on(endpoints("blog"), endpointsList());

        DesiredState state = read();

        assertEquals(List.of("blog/blog"), names(state));
        assertEquals(List.of("shop/web", "shop/api"), unread(state));
        assertContains(
                "500 Internal Server Error to GET /api/v1/namespaces/shop/endpoints:",
                state.problems().get(0).message());
    }

    @Test
    void anEndpointListThatExpiresMidwayIsReadAgainFromItsFirstPage() {
        api.on(ALL_SERVICES, json("services-shop.json"))
                .on(endpointSlices("shop", "web", "api"), json("endpointslices-web-page1.json"))
                .on(
                        page(endpointSlices("shop", "web", "api"), CONTINUE_SLICES),
                        status(410, "status-410-expired.json"),
                        merged("endpointslices-web-page2.json", "endpointslices-api.json"));

        DesiredState state = read();

        assertTrue(state.everythingRead(), () -> "problems: " + state.problems());
        assertEquals(List.of("shop/web", "shop/api"), names(state));
        assertEquals(
                Arrays.asList(null, CONTINUE_SLICES, null, CONTINUE_SLICES),
                api.requestsTo("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices").stream()
                        .map(r -> r.getUrl().queryParameter("continue"))
                        .toList(),
                "first page, 410, first page again, second page");
    }

    @Test
    void anEndpointListThatExpiresAgainAfterARestartSkipsItsNamespace() {
        twoNamespaces();
        api.on(endpointSlices("shop", "web", "api"), json("endpointslices-web-page1.json"))
                .on(
                        page(endpointSlices("shop", "web", "api"), CONTINUE_SLICES),
                        status(410, "status-410-expired.json"));

        DesiredState state = read();

        assertEquals(List.of("blog/blog"), names(state), "nothing of shop's first page is used");
        assertEquals(List.of("shop/web", "shop/api"), unread(state));
        assertContains(
                "410 Gone to GET /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices: the list expired while it"
                        + " was being read page by page",
                state.problems().get(0).message());
    }

    @Test
    void anEndpointListThatRepeatsItsContinueTokenSkipsItsNamespace() {
        twoNamespaces();
        api.on(endpointSlices("shop", "web", "api"), json("endpointslices-web-page1.json"))
                .on(page(endpointSlices("shop", "web", "api"), CONTINUE_SLICES), json("endpointslices-web-page1.json"));

        DesiredState state = read();

        assertEquals(List.of("blog/blog"), names(state));
        assertEquals(List.of("shop/web", "shop/api"), unread(state));
        assertContains(
                "with the same continue token twice", state.problems().get(0).message());
    }

    @Test
    void aContinueTokenThatExpiresAgainAfterARestartMakesTheReadUnknown() {
        api.on(ALL_SERVICES, json("services-page1.json"))
                .on(page(ALL_SERVICES, CONTINUE_SERVICES), status(410, "status-410-expired.json"));

        String message = unknownReadMessage(read());

        assertStartsWith(
                "Kubernetes API answered 410 Gone to GET /api/v1/services: the list expired while it was being"
                        + " read page by page (its continue token is too old); the next pass starts the list again; Kubernetes"
                        + " said: \"The provided continue parameter is too old",
                message);
        assertTrue(message.endsWith("…\""), message);
        assertTrue(message.length() < 500, message);
        assertEquals(
                Arrays.asList(null, CONTINUE_SERVICES, null, CONTINUE_SERVICES),
                api.requestsTo(ALL_SERVICES).stream()
                        .map(r -> r.getUrl().queryParameter("continue"))
                        .toList(),
                "one restart from the first page");
    }

    @Test
    void serverErrorsOnEveryAttemptAtTheServiceListMakeTheReadUnknown() {
        api.on(ALL_SERVICES, status(500, "status-500.json"));

        String message = unknownReadMessage(read());

        assertEquals(3, api.requestsTo(ALL_SERVICES).size());
        assertStartsWith(
                "Kubernetes API answered 500 Internal Server Error to GET /api/v1/services: the API server could"
                        + " not answer; the next pass retries",
                message);
        assertContains("Kubernetes said: \"Internal error occurred: etcdserver: request timed out\"", message);
    }

    @Test
    void throttlingOnEveryAttemptMakesTheReadUnknown() {
        api.on(ALL_SERVICES, status(429, "status-429.json"));

        String message = unknownReadMessage(read());

        assertEquals(3, api.requestsTo(ALL_SERVICES).size());
        assertStartsWith(
                "Kubernetes API answered 429 Too Many Requests to GET /api/v1/services: the API server is"
                        + " limiting this client's requests (API Priority and Fairness); the next pass retries",
                message);
        assertContains("Kubernetes said: \"Too many requests, please try again later.\"", message);
    }

    @Test
    void notFoundOnTheServiceListPointsAtTheServerUrl() {
        api.on(ALL_SERVICES, status(404, "status-404.json"));

        String message = unknownReadMessage(read());

        assertStartsWith(
                "Kubernetes API answered 404 Not Found to GET /api/v1/services: the server does not serve this"
                        + " path; check that the server URL " + api.url()
                        + " points at the Kubernetes API server itself",
                message);
    }

    @Test
    void aFailedDiscoveryMakesTheReadUnknown() {
        api.on(DISCOVERY, status(503, "status-500.json"));

        String message = unknownReadMessage(read());

        assertStartsWith("Kubernetes API answered 503 Service Unavailable to GET /apis/discovery.k8s.io: ", message);
        assertEquals(List.of(DISCOVERY, DISCOVERY, DISCOVERY), api.paths(), "three attempts, then nothing else");
    }

    @Test
    void anErrorWithoutAStatusBodyIsReportedWithoutAQuote() {
        api.on(
                ALL_SERVICES,
                new MockResponse.Builder()
                        .code(502)
                        .addHeader("Content-Type", "text/html")
                        .body("<html><body><h1>502 Bad Gateway</h1></body></html>")
                        .build());

        String message = unknownReadMessage(read());

        assertStartsWith(
                "Kubernetes API answered 502 Bad Gateway to GET /api/v1/services: the API server could not" + " answer",
                message);
        assertFalse(message.contains("Kubernetes said"), message);
    }

    @Test
    void truncatedJsonMakesTheReadUnknown() {
        String services = fixture("services-shop.json");
        api.on(ALL_SERVICES, json(200, services.substring(0, services.length() / 2)));

        String message = unknownReadMessage(read());

        assertStartsWith("Kubernetes API answered GET /api/v1/services with JSON that could not be read (", message);
        assertContains(
                "the answer may have been cut short by a proxy or a dropped connection; the next pass retries",
                message);
        assertFalse(message.contains("\n"), message);
        assertFalse(message.contains("Troubleshooting"), message);
    }

    @Test
    void aBodyCutShortByTheConnectionMakesTheReadUnknown() {
        api.on(
                ALL_SERVICES,
                new MockResponse.Builder()
                        .addHeader("Content-Type", "application/json")
                        .body(fixture("services-shop.json"))
                        .throttleBody(512, 10, TimeUnit.MILLISECONDS)
                        .onResponseBody(new SocketEffect.CloseSocket())
                        .build());

        String message = unknownReadMessage(read());

        assertEquals(3, api.requestsTo(ALL_SERVICES).size());
        assertStartsWith("Kubernetes API at " + api.url() + " broke off its answer to GET /api/v1/services (", message);
        assertContains("; the next pass retries", message);
    }

    @Test
    void aBodyThatIsNotJsonMakesTheReadUnknown() {
        String page = "<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>";
        api.on(
                ALL_SERVICES,
                new MockResponse.Builder()
                        .code(200)
                        .addHeader("Content-Type", "text/html; charset=utf-8")
                        .body(page)
                        .build());

        String message = unknownReadMessage(read());

        assertStartsWith(
                "Kubernetes API answered GET /api/v1/services with a body that is not JSON (Content-Type"
                        + " text/html; charset=utf-8, " + page.length() + " characters); check that the server URL "
                        + api.url()
                        + " points at the Kubernetes API server and not at a proxy or login page",
                message);
    }

    @Test
    void anEmptyBodyMakesTheReadUnknown() {
        api.on(ALL_SERVICES, json(200, ""));

        String message = unknownReadMessage(read());

        assertEquals("Kubernetes API answered GET /api/v1/services with an empty body; the next pass retries", message);
    }

    @Test
    void aRepeatedContinueTokenEndsTheListInsteadOfLooping() {
        api.on(ALL_SERVICES, json("services-page1.json"))
                .on(page(ALL_SERVICES, CONTINUE_SERVICES), json("services-page1.json"));

        String message = unknownReadMessage(read());

        assertEquals(
                "Kubernetes API answered GET /api/v1/services with the same continue token twice; the list was"
                        + " abandoned and the next pass retries",
                message);
    }

    @Test
    void aRefusedConnectionMakesTheReadUnknown() {
        KubernetesConnection connection = api.connection();
        api.close();

        String message = unknownReadMessage(read(connection));

        assertStartsWith(
                "Kubernetes API at " + api.url() + " could not be reached for GET /apis/discovery.k8s.io ("
                        + "HttpHostConnectException: Connect to ",
                message);
        assertContains("Connection refused", message);
        assertContains("check the server URL and that the API server is up and reachable from this host", message);
    }

    @Test
    void slowAnswersToEveryAttemptTimeOutAndMakeTheReadUnknown() {
        api.on(DISCOVERY, delayed("discovery-v1.json", Duration.ofSeconds(3)));

        long started = System.nanoTime();
        String message = unknownReadMessage(read(api.connection(Duration.ofMillis(250))));

        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMillis(2500)) < 0);
        assertEquals(List.of(DISCOVERY, DISCOVERY, DISCOVERY), api.paths());
        assertStartsWith(
                "Kubernetes API at " + api.url() + " did not answer GET /apis/discovery.k8s.io within 250ms"
                        + " (SocketTimeoutException: Read timed out); the next pass retries",
                message);
    }

    @Test
    void afterATimeoutOnEndpointsTheRemainingNamespacesAreNotTried() {
        api.on(ALL_SERVICES, merged("services-shop.json", "services-blog.json"))
                .on(endpointSlices("shop", "web", "api"), delayed("endpointslices-web.json", Duration.ofSeconds(3)))
                .on(endpointSlices("blog", "blog"), json("endpointslices-empty.json"));

        DesiredState state = read(api.connection(Duration.ofMillis(250)));

        assertTrue(state.complete(), "the Service list was read");
        assertFalse(state.everythingRead());
        assertEquals(List.of(), state.services());
        assertEquals(
                List.of("shop/web", "shop/api", "blog/blog"),
                state.problems().stream().map(Problem::subject).toList());
        assertEquals(
                List.of(VirtualServiceId.of(3), VirtualServiceId.of(4), VirtualServiceId.of(12)),
                state.skipped().stream().map(SkippedService::vs).toList(),
                "each skipped Service names its VS, whose Real Servers it keeps");
        assertTrue(state.skipped().stream().allMatch(SkippedService::unread));
        assertStartsWith(
                "shop/api: left out of this pass because its endpoints could not be read: Kubernetes API at ",
                state.problems().get(1).message());
        assertEquals(
                "blog/blog: left out of this pass because the Kubernetes API stopped answering while the endpoints"
                        + " in namespace shop were read (see the problems of its Services)",
                state.problems().get(2).message());
        assertEquals(2 + 3, api.requests().size(), "discovery, the Service list, three attempts at shop's list");
    }

    @Test
    void neverRepeatsTheTokenEvenWhenTheServerEchoesIt() {
        api.on(
                ALL_SERVICES,
                json(
                        401,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                + "\"message\":\"invalid bearer token " + TOKEN
                                + "\",\"reason\":\"Unauthorized\",\"code\":401}"));

        String message = unknownReadMessage(read());

        assertContains("Kubernetes said: \"invalid bearer token (token)\"", message);
    }
}
