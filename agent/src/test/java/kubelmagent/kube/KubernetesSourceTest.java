package kubelmagent.kube;

import static kubelmagent.kube.FakeApiServer.ALL_SERVICES;
import static kubelmagent.kube.FakeApiServer.DISCOVERY;
import static kubelmagent.kube.FakeApiServer.endpointSlices;
import static kubelmagent.kube.FakeApiServer.endpointSlicesIn;
import static kubelmagent.kube.FakeApiServer.endpoints;
import static kubelmagent.kube.FakeApiServer.endpointsList;
import static kubelmagent.kube.FakeApiServer.json;
import static kubelmagent.kube.FakeApiServer.merged;
import static kubelmagent.kube.FakeApiServer.page;
import static kubelmagent.kube.FakeApiServer.services;
import static kubelmagent.kube.FakeApiServer.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Member;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.secret.Secret;
import kubelmagent.tls.TlsSettings;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery, listing, pagination and authentication of {@link KubernetesSource}. */
class KubernetesSourceTest {

    private static final String CONTINUE_SERVICES =
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzNDU2LCJzdGFydCI6InNob3Avd2ViXHUwMDAwIn0";
    private static final String CONTINUE_SLICES =
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6OTg3NzAsInN0YXJ0Ijoic2hvcC93ZWItOXF2NGRcdTAwMDAifQ";

    private FakeApiServer api;

    @TempDir
    Path dir;

    @BeforeEach
    void startServer() throws IOException {
        api = new FakeApiServer();
        api.start();
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    private DesiredState read(List<String> namespaces, int pageSize) {
        try (KubernetesSource source = new KubernetesSource(
                api.connection(), namespaces, Selector.KEMP_DEFAULT, pageSize, FakeApiServer.NO_WAIT)) {
            return source.read();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private DesiredState read() {
        return read(List.of(), KubernetesSource.DEFAULT_PAGE_SIZE);
    }

    private void shopServesWebAndApi() {
        api.on(DISCOVERY, json("discovery-v1.json"))
                .on(ALL_SERVICES, json("services-shop.json"))
                .on(endpointSlices("shop", "web", "api"), merged("endpointslices-web.json", "endpointslices-api.json"));
    }

    static Map<ServiceRef, DesiredService> byRef(DesiredState state) {
        return state.services().stream().collect(Collectors.toMap(DesiredService::service, Function.identity()));
    }

    static Set<Member> members(String... ipPorts) {
        return Arrays.stream(ipPorts)
                .map(s -> new Member(
                        s.substring(0, s.lastIndexOf(':')), Integer.parseInt(s.substring(s.lastIndexOf(':') + 1))))
                .collect(Collectors.toSet());
    }

    @Test
    void readsLabelledServicesWithTheirReadyAndDrainingEndpointsPerPort() {
        shopServesWebAndApi();

        DesiredState state = read();

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(List.of(), state.problems());
        assertEquals(
                List.of(
                        new DesiredService(
                                new ServiceRef("shop", "web"),
                                VirtualServiceId.of(3),
                                List.of(
                                        new ServicePort(
                                                "http",
                                                80,
                                                "TCP",
                                                members("10.244.1.10:8080", "10.244.3.12:8080"),
                                                members("10.244.2.11:8080")),
                                        new ServicePort(
                                                "https",
                                                443,
                                                "TCP",
                                                members("10.244.1.10:8443", "10.244.3.12:8443"),
                                                members("10.244.2.11:8443")))),
                        new DesiredService(
                                new ServiceRef("shop", "api"),
                                VirtualServiceId.of(4),
                                List.of(new ServicePort(
                                        "", 8080, "TCP", members("10.244.1.20:8080", "10.244.2.21:8080"))))),
                state.services());
    }

    @Test
    void asksForTheLabelSelectorAndAPageLimitAsJsonWithTheBearerToken() {
        shopServesWebAndApi();

        read();

        RecordedRequest list = api.requestsTo(ALL_SERVICES).get(0);
        assertEquals("kempLB=Enabled", list.getUrl().queryParameter("labelSelector"));
        assertTrue(list.getTarget().contains("labelSelector=kempLB%3DEnabled"), list.getTarget());
        assertEquals("500", list.getUrl().queryParameter("limit"));
        assertNull(list.getUrl().queryParameter("continue"));
        assertEquals("Bearer " + FakeApiServer.TOKEN, list.getHeaders().get("Authorization"));
        assertEquals("application/json", list.getHeaders().get("Accept"));
        RecordedRequest slices = api.requestsTo("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices")
                .get(0);
        assertEquals(
                "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices"
                        + "?labelSelector=kubernetes.io%2Fservice-name+in+%28api%2Cweb%29&limit=500",
                slices.getTarget(), "one list for both Services of the namespace, named sorted");
        assertEquals(
                List.of(DISCOVERY, ALL_SERVICES, "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices"),
                api.paths());
    }

    @Test
    void followsContinueTokensAcrossPages() {
        api.on(DISCOVERY, json("discovery-v1.json"))
                .on(ALL_SERVICES, json("services-page1.json"))
                .on(page(ALL_SERVICES, CONTINUE_SERVICES), json("services-page2.json"))
                .on(endpointSlices("shop", "api", "web", "metrics"), json("endpointslices-web-page1.json"))
                .on(
                        page(endpointSlices("shop", "api", "web", "metrics"), CONTINUE_SLICES),
                        merged(
                                "endpointslices-web-page2.json",
                                "endpointslices-api.json",
                                "endpointslices-metrics.json"));

        DesiredState state = read(List.of(), 2);

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(
                List.of("shop/api", "shop/web", "shop/metrics"),
                state.services().stream().map(s -> s.service().toString()).toList());
        List<RecordedRequest> servicePages = api.requestsTo(ALL_SERVICES);
        assertEquals(2, servicePages.size());
        assertNull(servicePages.get(0).getUrl().queryParameter("continue"));
        RecordedRequest second = servicePages.get(1);
        assertEquals(CONTINUE_SERVICES, second.getUrl().queryParameter("continue"));
        assertEquals("2", second.getUrl().queryParameter("limit"));
        assertEquals("kempLB=Enabled", second.getUrl().queryParameter("labelSelector"));

        List<RecordedRequest> slicePages = api.requestsTo("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices");
        assertEquals(2, slicePages.size(), "one list, in two pages, for the three Services");
        assertEquals(
                List.of("kubernetes.io/service-name in (api,metrics,web)"),
                slicePages.stream()
                        .map(r -> r.getUrl().queryParameter("labelSelector"))
                        .distinct()
                        .toList());
        assertEquals(CONTINUE_SLICES, slicePages.get(1).getUrl().queryParameter("continue"));
        assertEquals("2", slicePages.get(1).getUrl().queryParameter("limit"));
        assertEquals(
                members("10.244.1.10:8080", "10.244.3.12:8080"),
                byRef(state).get(new ServiceRef("shop", "web")).ports().get(0).members());
    }

    @Test
    void listsEachConfiguredNamespaceInsteadOfTheWholeCluster() {
        api.on(DISCOVERY, json("discovery-v1.json"))
                .on(services("shop"), json("services-shop.json"))
                .on(services("blog"), json("services-blog.json"))
                .on(endpointSlices("shop", "web", "api"), merged("endpointslices-web.json", "endpointslices-api.json"))
                .on(endpointSlices("blog", "blog"), json("endpointslices-empty.json"));

        DesiredState state = read(List.of("shop", "blog"), 500);

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(
                List.of("shop/web", "shop/api", "blog/blog"),
                state.services().stream().map(s -> s.service().toString()).toList());
        assertEquals(List.of(), api.requestsTo(ALL_SERVICES));
        assertEquals(1, api.requestsTo(services("shop")).size());
        assertEquals(
                "kempLB=Enabled",
                api.requestsTo(services("blog")).get(0).getUrl().queryParameter("labelSelector"));
        assertEquals(
                List.of(new ServicePort("http", 80, "TCP", Set.of())),
                byRef(state).get(new ServiceRef("blog", "blog")).ports());
    }

    @Test
    void readsTheTokenFileAgainOnEveryRead() throws IOException {
        shopServesWebAndApi();
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "first-token\n");

        try (KubernetesSource source =
                new KubernetesSource(api.connection(tokenFile), List.of(), Selector.KEMP_DEFAULT)) {
            assertTrue(source.read().complete());
            Files.writeString(tokenFile, "rotated-token\n");
            assertTrue(source.read().complete());
        }

        List<String> sent = api.requestsTo(ALL_SERVICES).stream()
                .map(r -> r.getHeaders().get("Authorization"))
                .toList();
        assertEquals(List.of("Bearer first-token", "Bearer rotated-token"), sent);
    }

    @Test
    void sendsNoAuthorizationHeaderWithoutAToken() throws IOException {
        shopServesWebAndApi();
        var connection =
                new KubernetesConnection(api.url(), TlsSettings.systemTrust(), null, null, Duration.ofSeconds(5));

        try (KubernetesSource source = new KubernetesSource(connection, List.of(), Selector.KEMP_DEFAULT)) {
            assertTrue(source.read().complete());
        }

        assertTrue(api.requests().stream().allMatch(r -> r.getHeaders().get("Authorization") == null));
    }

    @Test
    void missingTokenFileMakesTheReadUnknownAndNamesTheFile() throws IOException {
        shopServesWebAndApi();
        Path tokenFile = dir.resolve("no-such-token");

        DesiredState state;
        try (KubernetesSource source =
                new KubernetesSource(api.connection(tokenFile), List.of(), Selector.KEMP_DEFAULT)) {
            state = source.read();
        }

        assertFalse(state.complete());
        assertEquals(List.of(), state.services());
        assertEquals("Kubernetes token", state.problems().get(0).subject());
        assertEquals(
                "Kubernetes token file " + tokenFile + " does not exist; write a service-account token into it"
                        + " (kubectl create token <service-account> -n <namespace>) or fix tokenFile in the configuration",
                state.problems().get(0).message());
        assertEquals(0, api.requests().size());
    }

    @Test
    void emptyTokenFileMakesTheReadUnknown() throws IOException {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, " \n");

        DesiredState state;
        try (KubernetesSource source =
                new KubernetesSource(api.connection(tokenFile), List.of(), Selector.KEMP_DEFAULT)) {
            state = source.read();
        }

        assertFalse(state.complete());
        assertTrue(
                state.problems().get(0).message().startsWith("Kubernetes token file " + tokenFile + " is empty; "),
                state.problems().get(0).message());
    }

    @Test
    void tokenFileWithTwoLinesIsRejectedWithoutShowingItsContent() throws IOException {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "secret-part-one\nsecret-part-two\n");

        DesiredState state;
        try (KubernetesSource source =
                new KubernetesSource(api.connection(tokenFile), List.of(), Selector.KEMP_DEFAULT)) {
            state = source.read();
        }

        String message = state.problems().get(0).message();
        assertTrue(message.contains("has spaces, line breaks or non-ASCII characters inside"), message);
        assertFalse(message.contains("secret-part"), message);
    }

    @Test
    void choosesEndpointSlicesV1WhenTheServerOffersV1AndV1beta1() {
        api.on(DISCOVERY, json("discovery-v1-and-v1beta1.json"))
                .on(ALL_SERVICES, json("services-shop.json"))
                .on(endpointSlices("shop", "web", "api"), merged("endpointslices-web.json", "endpointslices-api.json"));

        DesiredState state = read();

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertTrue(
                api.paths().contains("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices"),
                api.paths()::toString);
        assertFalse(api.paths().stream().anyMatch(p -> p.contains("v1beta1")), api.paths()::toString);
    }

    @Test
    void fallsBackToEndpointSlicesV1beta1WhenV1IsNotServed() {
        api.on(DISCOVERY, json("discovery-v1beta1.json"))
                .on(ALL_SERVICES, json("services-shop.json"))
                .on(
                        endpointSlicesIn("v1beta1", "shop", "web", "api"),
                        merged("endpointslices-v1beta1-web.json", "endpointslices-empty.json"));

        DesiredState state = read();

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(
                List.of(
                        new ServicePort("http", 80, "TCP", members("10.244.1.10:8080", "10.244.3.12:8080")),
                        new ServicePort("https", 443, "TCP", members("10.244.1.10:8443", "10.244.3.12:8443"))),
                byRef(state).get(new ServiceRef("shop", "web")).ports());
        assertEquals(
                1,
                api.requestsTo("/apis/discovery.k8s.io/v1beta1/namespaces/shop/endpointslices")
                        .size());
    }

    @Test
    void usesCoreEndpointsWhenTheDiscoveryGroupIsAbsent() {
        api.on(DISCOVERY, status(404, "status-404.json"))
                .on(ALL_SERVICES, json("services-shop.json"))
                .on(endpoints("shop"), endpointsList("endpoints-web.json"));

        DesiredState state = read();

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(
                List.of(
                        new ServicePort("http", 80, "TCP", members("10.244.1.10:8080", "10.244.3.12:8080")),
                        new ServicePort("https", 443, "TCP", members("10.244.1.10:8443", "10.244.3.12:8443"))),
                byRef(state).get(new ServiceRef("shop", "web")).ports(),
                "notReadyAddresses are left out");
        assertEquals(
                List.of(new ServicePort("", 8080, "TCP", Set.of())),
                byRef(state).get(new ServiceRef("shop", "api")).ports(),
                "no Endpoints in the list means no endpoints yet");
        assertFalse(api.paths().stream().anyMatch(p -> p.endsWith("/endpointslices")), api.paths()::toString);
    }

    @Test
    void usesCoreEndpointsWhenDiscoveryListsNeitherSliceVersion() {
        api.on(DISCOVERY, json("discovery-v2alpha1.json"))
                .on(ALL_SERVICES, json("services-shop.json"))
                .on(endpoints("shop"), endpointsList("endpoints-web.json"));

        DesiredState state = read();

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(List.of(DISCOVERY, ALL_SERVICES, endpoints("shop")), api.paths());
    }

    @Test
    void keepsAPathPrefixOfTheServerUrl() throws IOException {
        var connection = new KubernetesConnection(
                api.url().resolve("/k8s/clusters/c-m-4x2/"),
                TlsSettings.systemTrust(),
                null,
                Secret.of(FakeApiServer.TOKEN),
                Duration.ofSeconds(5));
        api.on("/k8s/clusters/c-m-4x2" + DISCOVERY, json("discovery-v1.json"))
                .on("/k8s/clusters/c-m-4x2" + ALL_SERVICES, json("services-empty.json"));

        try (KubernetesSource source = new KubernetesSource(connection, List.of(), Selector.KEMP_DEFAULT)) {
            DesiredState state = source.read();
            assertTrue(state.complete(), () -> "problems: " + state.problems());
        }

        assertEquals(List.of("/k8s/clusters/c-m-4x2" + DISCOVERY, "/k8s/clusters/c-m-4x2" + ALL_SERVICES), api.paths());
    }

    @Test
    void usesTheConfiguredLabelAndAnnotationKeys() throws IOException {
        api.on(DISCOVERY, json("discovery-v1.json"))
                .on(ALL_SERVICES, json("services-shop.json"))
                .on(endpointSlices("shop", "web", "api"), merged("endpointslices-web.json", "endpointslices-api.json"));
        Selector selector = new Selector("lb.example.com/managed", "true", "lb.example.com/vsid");

        DesiredState state;
        try (KubernetesSource source = new KubernetesSource(api.connection(), List.of(), selector)) {
            state = source.read();
        }

        assertEquals(
                "lb.example.com/managed=true",
                api.requestsTo(ALL_SERVICES).get(0).getUrl().queryParameter("labelSelector"));
        assertEquals(
                "shop/web: labelled lb.example.com/managed=true but has no lb.example.com/vsid annotation;"
                        + " add lb.example.com/vsid: \"<Virtual Service Id>\" or remove the label",
                state.problems().get(0).message());
    }
}
