package kubelmagent.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import kubelmagent.demo.StandInKubernetesApi.Endpoint;
import kubelmagent.demo.StandInKubernetesApi.Node;
import kubelmagent.demo.StandInKubernetesApi.Port;
import kubelmagent.http.HttpClients;
import kubelmagent.kube.KubernetesConnection;
import kubelmagent.kube.KubernetesSource;
import kubelmagent.kube.Selector;
import kubelmagent.kube.StandInConnection;
import kubelmagent.kube.wire.Endpoints;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Member;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.tls.Pem;
import kubelmagent.tls.TlsSettings;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stand-in as the agent sees it: read through the agent's own {@link KubernetesSource}, and, where the
 * agent's reads do not show it (pagination, error bodies), through plain HTTPS GETs.
 */
class StandInKubernetesApiTest {

    static final String TOKEN = "stand-in-token-51c2";
    static final Map<String, String> KEMP = Map.of("kempLB", "Enabled");
    static final List<Port> HTTP = List.of(Port.tcp("http", 80, 8080));

    @TempDir
    Path dir;

    StandInKubernetesApi api;
    CloseableHttpClient http;

    @BeforeEach
    void start() throws IOException {
        api = StandInKubernetesApi.start(dir, TOKEN);
        http = HttpClients.create(TlsSettings.trusting(Pem.readCertificates(api.caFile())), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        api.close();
    }

    DesiredState readAsTheAgent(String token) throws IOException {
        KubernetesConnection connection = StandInConnection.to(api, token, Duration.ofSeconds(10));
        try (KubernetesSource source = new KubernetesSource(connection, List.of(), Selector.KEMP_DEFAULT)) {
            return source.read();
        }
    }

    DesiredState readAsTheAgent() throws IOException {
        return readAsTheAgent(TOKEN);
    }

    record Reply(int code, JsonObject body) {
        List<String> names() {
            List<String> names = new ArrayList<>();
            for (JsonElement item : body.getAsJsonArray("items")) {
                JsonObject meta = item.getAsJsonObject().getAsJsonObject("metadata");
                names.add(meta.get("namespace").getAsString() + "/"
                        + meta.get("name").getAsString());
            }
            return names;
        }

        /** {@code ns/service} of each slice, from its {@code kubernetes.io/service-name} label. */
        List<String> serviceNames() {
            List<String> names = new ArrayList<>();
            for (JsonElement item : body.getAsJsonArray("items")) {
                JsonObject meta = item.getAsJsonObject().getAsJsonObject("metadata");
                names.add(meta.get("namespace").getAsString() + "/"
                        + meta.getAsJsonObject("labels")
                                .get("kubernetes.io/service-name")
                                .getAsString());
            }
            return names;
        }

        String metadata(String field) {
            JsonElement value = body.getAsJsonObject("metadata").get(field);
            return value == null ? null : value.getAsString();
        }

        String string(String field) {
            return body.get(field).getAsString();
        }
    }

    Reply get(String target, String token) throws IOException {
        HttpGet get = new HttpGet(api.url() + target);
        get.addHeader("Accept", "application/json");
        if (token != null) {
            get.addHeader("Authorization", "Bearer " + token);
        }
        return http.execute(get, response -> {
            assertEquals(
                    "application/json", response.getFirstHeader("Content-Type").getValue());
            String body = EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
            return new Reply(response.getCode(), JsonParser.parseString(body).getAsJsonObject());
        });
    }

    Reply get(String target) throws IOException {
        return get(target, TOKEN);
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static ServicePort http(String... members) {
        return http(List.of(members), List.of());
    }

    static ServicePort http(List<String> members, List<String> draining) {
        return new ServicePort("http", 80, "TCP", on8080(members), on8080(draining));
    }

    static Set<Member> on8080(List<String> ips) {
        return ips.stream().map(ip -> new Member(ip, 8080)).collect(Collectors.toSet());
    }

    static VirtualServiceId vs(int index) {
        return VirtualServiceId.of(index);
    }

    @Test
    void givesTheAgentALabelledServiceWithItsReadyEndpoints() throws IOException {
        api.service("shop", "web", Map.of("kempLB", "Enabled", "app", "web"), Map.of("vsid", "3"), HTTP)
                .scale("shop", "web", "10.244.1.7", "10.244.1.8", "10.244.2.9");
        DesiredState state = readAsTheAgent();
        assertTrue(state.complete(), state.problems().toString());
        assertEquals(List.of(), state.problems());
        assertEquals(
                List.of(new DesiredService(
                        new ServiceRef("shop", "web"), vs(3), List.of(http("10.244.1.7", "10.244.1.8", "10.244.2.9")))),
                state.services());
    }

    @Test
    void theAgentDrainsTerminatingEndpointsAndLeavesOutThoseNotReady() throws IOException {
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP)
                .endpoints(
                        "shop",
                        "web",
                        List.of(
                                Endpoint.ready("10.244.1.7"),
                                Endpoint.notReady("10.244.1.8"),
                                Endpoint.terminating("10.244.1.9")));
        DesiredState state = readAsTheAgent();
        assertTrue(state.complete(), state.problems().toString());
        assertEquals(
                List.of(http(List.of("10.244.1.7"), List.of("10.244.1.9"))),
                state.services().get(0).ports());

        Reply slices = get("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector="
                + q("kubernetes.io/service-name=web"));
        JsonObject slice = slices.body().getAsJsonArray("items").get(0).getAsJsonObject();
        assertEquals("IPv4", slice.get("addressType").getAsString());
        JsonObject terminating = slice.getAsJsonArray("endpoints").get(2).getAsJsonObject();
        assertEquals(
                "10.244.1.9", terminating.getAsJsonArray("addresses").get(0).getAsString());
        assertEquals(
                "{\"ready\":false,\"serving\":true,\"terminating\":true}",
                terminating.get("conditions").toString());
        assertEquals(
                "[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]",
                slice.get("ports").toString());

        Reply endpoints = get("/api/v1/namespaces/shop/endpoints/web");
        assertEquals("Endpoints", endpoints.string("kind"));
        Endpoints.Subset subset =
                new Gson().fromJson(endpoints.body(), Endpoints.class).subsets().get(0);
        assertEquals(
                List.of("10.244.1.7"),
                subset.addresses().stream().map(Endpoints.Address::ip).toList());
        assertEquals(
                List.of("10.244.1.8"),
                subset.notReadyAddresses().stream().map(Endpoints.Address::ip).toList(),
                "terminating pods are not in core/v1 Endpoints at all");
        assertEquals(List.of(new Endpoints.Port("http", 8080, "TCP")), subset.ports());
    }

    @Test
    void theAgentReadsTheEndpointsOfEachNamespaceWithOneListHoweverManyServicesItHolds() throws IOException {
        for (String namespace : List.of("shop", "blog", "team-a")) {
            for (int i = 0; i < 3; i++) {
                api.service(namespace, "svc-" + i, KEMP, Map.of("vsid", String.valueOf(i + 1)), HTTP)
                        .scale(namespace, "svc-" + i, "10.244." + i + ".7");
            }
        }
        for (int i = 0; i < 120; i++) { // more than one selector names: every slice of the namespace is listed
            api.service("big", "svc-" + i, KEMP, Map.of("vsid", String.valueOf(i + 1)), HTTP)
                    .scale("big", "svc-" + i, "10.245." + (i / 200) + "." + (i % 200 + 1));
        }
        api.service("big", "unbound", KEMP, Map.of(), HTTP).scale("big", "unbound", "10.246.0.1");
        int before = api.requests();

        DesiredState state = readAsTheAgent();

        assertTrue(state.complete(), state.problems().toString());
        assertEquals(9 + 120, state.services().size());
        assertEquals(1, state.problems().size(), "big/unbound has no vsid");
        Map<ServiceRef, List<ServicePort>> ports =
                state.services().stream().collect(Collectors.toMap(DesiredService::service, DesiredService::ports));
        assertEquals(List.of(http("10.244.2.7")), ports.get(new ServiceRef("team-a", "svc-2")));
        assertEquals(List.of(http("10.245.0.120")), ports.get(new ServiceRef("big", "svc-119")));
        assertEquals(2 + 4, api.requests() - before, "discovery, the Service list, one list per namespace");
    }

    @Test
    void splitsALargeServiceIntoSlicesOfAHundredAndTheAgentReadsThemAll() throws IOException {
        String[] ips = IntStream.range(0, 250)
                .mapToObj(i -> "10.244." + (i / 200) + "." + (i % 200 + 1))
                .toArray(String[]::new);
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP).scale("shop", "web", ips);
        Reply slices = get("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector="
                + q("kubernetes.io/service-name=web"));
        assertEquals("EndpointSliceList", slices.string("kind"));
        assertEquals(
                List.of(100, 100, 50),
                slices.body().getAsJsonArray("items").asList().stream()
                        .map(s ->
                                s.getAsJsonObject().getAsJsonArray("endpoints").size())
                        .toList());
        DesiredState state = readAsTheAgent();
        assertEquals(250, state.services().get(0).ports().get(0).members().size());
    }

    @Test
    void listsTheSlicesOfTheNamedServicesAndTheEndpointsOfANamespace() throws IOException {
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP)
                .scale("shop", "web", "10.244.1.7")
                .service("shop", "api", KEMP, Map.of("vsid", "4"), HTTP)
                .scale("shop", "api", "10.244.1.8")
                .service("shop", "cart", KEMP, Map.of("vsid", "5"), HTTP)
                .service("blog", "web", KEMP, Map.of("vsid", "6"), HTTP);
        String slices = "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector=";

        assertEquals(
                List.of("shop/api", "shop/web"),
                get(slices + q("kubernetes.io/service-name in (web, api, gone)"))
                        .serviceNames(),
                "the slices of the Services named, in the namespace asked, in the order they are stored");
        assertEquals(
                List.of("shop/api", "shop/cart", "shop/web"),
                get(slices + q("kubernetes.io/service-name")).serviceNames(),
                "every Service's slices");
        assertEquals(
                List.of("shop/cart"),
                get(slices + q("kubernetes.io/service-name notin (web,api)")).serviceNames());

        Reply endpoints = get("/api/v1/namespaces/shop/endpoints?limit=2");
        assertEquals("EndpointsList", endpoints.string("kind"));
        assertEquals(List.of("shop/api", "shop/cart"), endpoints.names());
        assertEquals(
                List.of("shop/web"),
                get("/api/v1/namespaces/shop/endpoints?limit=2&continue=" + q(endpoints.metadata("continue")))
                        .names());
    }

    @Test
    void listsOnlyTheServicesTheLabelSelectorSelects() throws IOException {
        api.service("shop", "web", Map.of("kempLB", "Enabled", "app", "web"), Map.of("vsid", "3"), HTTP)
                .service("shop", "internal", Map.of("kempLB", "Disabled", "app", "internal"), Map.of("vsid", "4"), HTTP)
                .service("shop", "plain", Map.of("app", "plain"), Map.of("vsid", "5"), HTTP)
                .service("blog", "front", KEMP, Map.of("vsid", "6"), HTTP);
        DesiredState state = readAsTheAgent();
        assertEquals(
                List.of(new ServiceRef("blog", "front"), new ServiceRef("shop", "web")),
                state.services().stream().map(DesiredService::service).toList());

        assertEquals(
                List.of("blog/front", "shop/internal", "shop/web"),
                get("/api/v1/services?labelSelector=kempLB").names(),
                "kempLB exists");
        assertEquals(
                List.of("shop/plain"),
                get("/api/v1/services?labelSelector=" + q("!kempLB")).names());
        assertEquals(
                List.of("shop/web"),
                get("/api/v1/services?labelSelector=" + q("kempLB=Enabled,app=web"))
                        .names());
        assertEquals(
                List.of("shop/internal", "shop/plain", "shop/web"),
                get("/api/v1/namespaces/shop/services").names(),
                "a namespaced list, no selector");
        assertEquals(
                List.of(),
                get("/api/v1/namespaces/shop/services?labelSelector=" + q("kempLB==Enabled,app=front"))
                        .names());
        assertEquals(
                List.of("blog/front", "shop/web"),
                get("/api/v1/services?labelSelector=" + q("kempLB in (Enabled),app notin (internal, plain)"))
                        .names(),
                "set-based requirements");
        Reply malformed = get("/api/v1/services?labelSelector=" + q("kempLB in ()"));
        assertEquals(400, malformed.code());
        assertEquals("BadRequest", malformed.string("reason"));
    }

    @Test
    void pagesThroughAListWithContinueTokensAndAnswers410ToAnUnknownOne() throws IOException {
        for (String name : List.of("a", "b", "c", "d", "e")) {
            api.service("shop", name, KEMP, Map.of("vsid", "1"), HTTP);
        }
        Reply first = get("/api/v1/services?limit=2");
        assertEquals(200, first.code());
        assertEquals("ServiceList", first.string("kind"));
        assertEquals("v1", first.string("apiVersion"));
        assertEquals(List.of("shop/a", "shop/b"), first.names());
        String token = first.metadata("continue");
        assertTrue(token != null && !token.isEmpty(), first.body().toString());
        assertEquals("3", first.metadata("remainingItemCount"));
        String resourceVersion = first.metadata("resourceVersion");

        api.service("shop", "aa", KEMP, Map.of("vsid", "1"), HTTP); // the rest comes from the same snapshot
        Reply second = get("/api/v1/services?limit=2&continue=" + q(token));
        assertEquals(List.of("shop/c", "shop/d"), second.names());
        assertEquals(resourceVersion, second.metadata("resourceVersion"));
        Reply last = get("/api/v1/services?limit=2&continue=" + q(second.metadata("continue")));
        assertEquals(List.of("shop/e"), last.names());
        assertEquals(null, last.metadata("continue"));

        Reply selected = get("/api/v1/services?limit=4&labelSelector=kempLB%3DEnabled");
        assertEquals(4, selected.names().size());
        assertEquals(null, selected.metadata("remainingItemCount"), "not counted for a list with a selector");

        Reply expired =
                get("/api/v1/services?limit=2&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJ4In0");
        assertEquals(410, expired.code());
        assertEquals("Status", expired.string("kind"));
        assertEquals("Failure", expired.string("status"));
        assertEquals("Expired", expired.string("reason"));
        assertEquals(410, expired.body().get("code").getAsInt());
    }

    @Test
    void answers401WithoutTheRightTokenAndTheAgentSaysSo() throws IOException {
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP);
        for (String token : new String[] {null, "someone-elses-token"}) {
            Reply refused = get("/api/v1/services", token);
            assertEquals(401, refused.code());
            assertEquals(
                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}",
                    refused.body().toString());
        }
        DesiredState state = readAsTheAgent("someone-elses-token");
        assertFalse(state.complete());
        assertTrue(
                state.problems().get(0).message().contains("answered 401"),
                state.problems().toString());
    }

    @Test
    void answers404ForOtherPathsAndMissingEndpoints() throws IOException {
        Reply pods = get("/api/v1/pods");
        assertEquals(404, pods.code());
        assertEquals("NotFound", pods.string("reason"));
        Reply missing = get("/api/v1/namespaces/shop/endpoints/web");
        assertEquals(404, missing.code());
        assertEquals("endpoints \"web\" not found", missing.string("message"));
        Reply discovery = get("/apis/discovery.k8s.io");
        assertEquals("APIGroup", discovery.string("kind"));
        assertEquals(
                "discovery.k8s.io/v1",
                discovery
                        .body()
                        .getAsJsonObject("preferredVersion")
                        .get("groupVersion")
                        .getAsString());
    }

    @Test
    void failsTheNextRequestsToAPathWhenToldAndCountsRequests() throws IOException {
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP).scale("shop", "web", "10.244.1.7");
        api.failNext("/api/v1/services", 3, 500);
        int before = api.requests();
        DesiredState failed = readAsTheAgent();
        assertFalse(failed.complete());
        assertTrue(
                failed.problems().get(0).message().startsWith("Kubernetes API answered 500"),
                failed.problems().toString());
        assertEquals(1 + 3, api.requests() - before, "discovery, then every attempt at the list");
        api.failNext("/api/v1/services", 2, 500);
        assertTrue(readAsTheAgent().complete(), "the agent's third attempt gets through");
        assertEquals(1 + 3 + 1 + 3 + 1, api.requests() - before, "and then it reads the slices");

        api.failNext("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices", 1, 403);
        DesiredState forbidden = readAsTheAgent();
        assertFalse(forbidden.everythingRead());
        assertTrue(
                forbidden.problems().get(0).message().contains("endpointslices.discovery.k8s.io is forbidden"),
                forbidden.problems().toString());

        api.failNext("/api/v1/services", 1, 429);
        Reply limited = get("/api/v1/services");
        assertEquals(429, limited.code());
        assertEquals("TooManyRequests", limited.string("reason"));
        assertEquals(200, get("/api/v1/services").code());
        assertThrows(IllegalArgumentException.class, () -> api.failNext("/api/v1/services", 1, 200));
    }

    @Test
    void marksPodsTerminatingUntilScaleLeavesThemOut() throws IOException {
        String a = "10.244.1.7";
        String b = "10.244.1.8";
        String c = "10.244.1.9";
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP).scale("shop", "web", a, b, c);
        assertEquals(List.of(http(a, b, c)), readAsTheAgent().services().get(0).ports());

        api.terminating("shop", "web", c);
        assertEquals(
                List.of(http(List.of(a, b), List.of(c))),
                readAsTheAgent().services().get(0).ports());
        JsonObject slice = get("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector="
                        + q("kubernetes.io/service-name=web"))
                .body()
                .getAsJsonArray("items")
                .get(0)
                .getAsJsonObject();
        List<String> conditions = slice.getAsJsonArray("endpoints").asList().stream()
                .map(e -> e.getAsJsonObject().getAsJsonArray("addresses").get(0).getAsString() + " "
                        + e.getAsJsonObject().get("conditions"))
                .toList();
        assertEquals(
                List.of(
                        a + " {\"ready\":true,\"serving\":true,\"terminating\":false}",
                        b + " {\"ready\":true,\"serving\":true,\"terminating\":false}",
                        c + " {\"ready\":false,\"serving\":true,\"terminating\":true}"),
                conditions);
        Endpoints.Subset subset = new Gson()
                .fromJson(get("/api/v1/namespaces/shop/endpoints/web").body(), Endpoints.class)
                .subsets()
                .get(0);
        assertEquals(
                List.of(a, b),
                subset.addresses().stream().map(Endpoints.Address::ip).toList());
        assertEquals(List.of(), subset.notReadyAddresses());

        api.scale("shop", "web", a, b);
        assertEquals(List.of(http(a, b)), readAsTheAgent().services().get(0).ports(), "the terminating pod is gone");

        api.scale("shop", "web", a).terminating("shop", "web", b, "10.244.2.1");
        assertEquals(
                List.of(http(List.of(a), List.of(b, "10.244.2.1"))),
                readAsTheAgent().services().get(0).ports(),
                "an IP the Service did not have is added as terminating");
        assertThrows(IllegalArgumentException.class, () -> api.terminating("shop", "nothing", a));
    }

    @Test
    void theAgentFollowsScalingAndDeletion() throws IOException {
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP).scale("shop", "web", "10.244.1.7", "10.244.1.8");
        assertEquals(
                List.of(http("10.244.1.7", "10.244.1.8")),
                readAsTheAgent().services().get(0).ports());
        api.scale("shop", "web", "10.244.1.9");
        assertEquals(
                List.of(http("10.244.1.9")), readAsTheAgent().services().get(0).ports());
        api.scale("shop", "web");
        assertEquals(List.of(http()), readAsTheAgent().services().get(0).ports(), "no pods, no members");
        api.delete("shop", "web");
        DesiredState gone = readAsTheAgent();
        assertTrue(gone.complete());
        assertEquals(List.of(), gone.services());
        assertThrows(IllegalArgumentException.class, () -> api.scale("shop", "web", "10.244.1.9"));
    }

    // ---- Nodes, Service types, node names, IP families ----

    static List<String> nodeNames(Reply list) {
        return list.body().getAsJsonArray("items").asList().stream()
                .map(i -> i.getAsJsonObject()
                        .getAsJsonObject("metadata")
                        .get("name")
                        .getAsString())
                .toList();
    }

    static JsonObject condition(JsonObject node, String type) {
        for (JsonElement c : node.getAsJsonObject("status").getAsJsonArray("conditions")) {
            if (c.getAsJsonObject().get("type").getAsString().equals(type)) {
                return c.getAsJsonObject();
            }
        }
        throw new AssertionError("no " + type + " condition in " + node);
    }

    @Test
    void servesNodesInTheRealServersShape() throws IOException {
        api.node("node-b", "192.168.50.12")
                .node(Node.of("node-a", "192.168.50.11")
                        .withAddresses(
                                Node.Address.internalIp("192.168.50.11"),
                                Node.Address.externalIp("203.0.113.11"),
                                Node.Address.hostname("node-a")))
                .node(Node.of("node-c", "192.168.50.13").cordoned().notReady());

        Reply list = get("/api/v1/nodes");
        assertEquals(200, list.code());
        assertEquals("NodeList", list.string("kind"));
        assertEquals("v1", list.string("apiVersion"));
        assertEquals(List.of("node-a", "node-b", "node-c"), nodeNames(list), "by name");
        JsonObject a = list.body().getAsJsonArray("items").get(0).getAsJsonObject();
        assertFalse(a.has("kind"), "list items carry no kind, as the real server's");
        JsonObject meta = a.getAsJsonObject("metadata");
        assertEquals("node-a", meta.get("name").getAsString());
        assertFalse(meta.has("namespace"), "cluster-scoped");
        assertEquals(36, meta.get("uid").getAsString().length());
        assertTrue(Long.parseLong(meta.get("resourceVersion").getAsString()) > 1000);
        assertTrue(meta.has("creationTimestamp"));
        assertEquals(
                "node-a",
                meta.getAsJsonObject("labels").get("kubernetes.io/hostname").getAsString());
        assertEquals("{}", a.get("spec").toString(), "unschedulable false is left out");
        assertEquals(
                "[{\"type\":\"InternalIP\",\"address\":\"192.168.50.11\"},"
                        + "{\"type\":\"ExternalIP\",\"address\":\"203.0.113.11\"},"
                        + "{\"type\":\"Hostname\",\"address\":\"node-a\"}]",
                a.getAsJsonObject("status").get("addresses").toString());
        List<String> conditionTypes = a.getAsJsonObject("status").getAsJsonArray("conditions").asList().stream()
                .map(c -> c.getAsJsonObject().get("type").getAsString())
                .toList();
        assertEquals(List.of("MemoryPressure", "DiskPressure", "PIDPressure", "Ready"), conditionTypes);
        JsonObject ready = condition(a, "Ready");
        assertEquals("True", ready.get("status").getAsString());
        assertEquals("KubeletReady", ready.get("reason").getAsString());
        assertTrue(ready.has("lastTransitionTime") && ready.has("lastHeartbeatTime") && ready.has("message"));

        JsonObject c = list.body().getAsJsonArray("items").get(2).getAsJsonObject();
        assertTrue(c.getAsJsonObject("spec").get("unschedulable").getAsBoolean());
        assertEquals(
                "[{\"key\":\"node.kubernetes.io/unschedulable\",\"effect\":\"NoSchedule\"},"
                        + "{\"key\":\"node.kubernetes.io/not-ready\",\"effect\":\"NoSchedule\"}]",
                c.getAsJsonObject("spec").get("taints").toString());
        assertEquals("False", condition(c, "Ready").get("status").getAsString());
        assertEquals("KubeletNotReady", condition(c, "Ready").get("reason").getAsString());
        assertEquals("False", condition(c, "MemoryPressure").get("status").getAsString());

        api.node(Node.of("node-c", "192.168.50.13").withReady("Unknown"));
        JsonObject unknown = get("/api/v1/nodes/node-c").body();
        assertEquals("Node", unknown.get("kind").getAsString(), "a single object carries its kind");
        assertEquals("v1", unknown.get("apiVersion").getAsString());
        assertFalse(unknown.getAsJsonObject("spec").has("unschedulable"), "uncordoned");
        assertEquals("Unknown", condition(unknown, "Ready").get("status").getAsString());
        assertEquals(
                "NodeStatusUnknown", condition(unknown, "Ready").get("reason").getAsString());
        assertEquals("Unknown", condition(unknown, "DiskPressure").get("status").getAsString());
        assertEquals(
                c.getAsJsonObject("metadata").get("uid"),
                unknown.getAsJsonObject("metadata").get("uid"),
                "replacing a node keeps its identity");

        Reply missing = get("/api/v1/nodes/node-z");
        assertEquals(404, missing.code());
        assertEquals("nodes \"node-z\" not found", missing.string("message"));
        assertEquals(404, get("/api/v1/namespaces/shop/nodes").code(), "nodes are not namespaced");

        api.deleteNode("node-b").deleteNode("node-b");
        assertEquals(List.of("node-a", "node-c"), nodeNames(get("/api/v1/nodes")));
        assertThrows(
                IllegalArgumentException.class, () -> Node.of("x", "10.0.0.1").withReady("Yes"));
        assertThrows(IllegalArgumentException.class, () -> new Node.Address("LegacyHostIP", "10.0.0.1"));
    }

    @Test
    void selectsAndPagesNodesAsItDoesServices() throws IOException {
        for (int i = 1; i <= 5; i++) {
            Node node = Node.of("node-" + i, "192.168.50." + i);
            api.node(i % 2 == 0 ? node.excludedFromExternalLoadBalancers() : node.withLabel("zone", "a"));
        }
        String exclude = Node.EXCLUDE_FROM_EXTERNAL_LOAD_BALANCERS;
        assertEquals(
                List.of("node-1", "node-3", "node-5"),
                nodeNames(get("/api/v1/nodes?labelSelector=" + q("!" + exclude))));
        assertEquals(
                List.of("node-2", "node-4"), nodeNames(get("/api/v1/nodes?labelSelector=" + q(exclude + "=true"))));
        assertEquals(
                List.of("node-3"),
                nodeNames(get("/api/v1/nodes?labelSelector=" + q("zone in (a),kubernetes.io/hostname=node-3"))));
        assertEquals(400, get("/api/v1/nodes?labelSelector=" + q("zone in ()")).code());

        Reply first = get("/api/v1/nodes?limit=2");
        assertEquals(List.of("node-1", "node-2"), nodeNames(first));
        assertEquals("3", first.metadata("remainingItemCount"));
        api.deleteNode("node-3"); // the rest comes from the same snapshot
        Reply second = get("/api/v1/nodes?limit=2&continue=" + q(first.metadata("continue")));
        assertEquals(List.of("node-3", "node-4"), nodeNames(second));
        assertEquals(first.metadata("resourceVersion"), second.metadata("resourceVersion"));
        Reply last = get("/api/v1/nodes?limit=2&continue=" + q(second.metadata("continue")));
        assertEquals(List.of("node-5"), nodeNames(last));
        assertEquals(null, last.metadata("continue"));
        assertEquals(410, get("/api/v1/nodes?limit=2&continue=bm90LWEtdG9rZW4").code());
        assertTrue(
                Long.parseLong(get("/api/v1/nodes").metadata("resourceVersion"))
                        > Long.parseLong(first.metadata("resourceVersion")),
                "deleting a node takes a revision");
    }

    @Test
    void failsTheNodePathsWhenTold() throws IOException {
        api.node("node-1", "192.168.50.11");
        api.failNext("/api/v1/nodes", 1, 403).failNext("/api/v1/nodes/node-1", 1, 403);
        Reply forbidden = get("/api/v1/nodes");
        assertEquals(403, forbidden.code());
        assertEquals(
                "nodes is forbidden: User \"system:serviceaccount:kube-lm-agent:kube-lm-agent\" cannot list"
                        + " resource \"nodes\" in API group \"\" at the cluster scope",
                forbidden.string("message"));
        Reply one = get("/api/v1/nodes/node-1");
        assertEquals(403, one.code());
        assertTrue(one.string("message").startsWith("nodes \"node-1\" is forbidden"), one.string("message"));
        assertEquals(List.of("node-1"), nodeNames(get("/api/v1/nodes")), "only the next request fails");

        api.failNext("/api/v1/nodes", 2, 500);
        assertEquals("InternalError", get("/api/v1/nodes").string("reason"));
        assertEquals(500, get("/api/v1/nodes").code());
        assertEquals(200, get("/api/v1/nodes").code());
        assertEquals(200, get("/api/v1/services").code(), "other paths are not affected");
    }

    @Test
    void aNodePortServiceHasItsTypeNodePortsAndExternalTrafficPolicy() throws IOException {
        api.service(
                        "shop",
                        "web",
                        KEMP,
                        Map.of("vsid", "3"),
                        List.of(Port.tcp("http", 80, 8080, 30080), new Port("dns", 53, 5353, "UDP", 30053)))
                .serviceType("shop", "web", "NodePort", "Local");
        JsonObject spec = get("/api/v1/namespaces/shop/services")
                .body()
                .getAsJsonArray("items")
                .get(0)
                .getAsJsonObject()
                .getAsJsonObject("spec");
        assertEquals("NodePort", spec.get("type").getAsString());
        assertEquals("Local", spec.get("externalTrafficPolicy").getAsString());
        assertEquals(
                "[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80,\"targetPort\":8080,\"nodePort\":30080},"
                        + "{\"name\":\"dns\",\"protocol\":\"UDP\",\"port\":53,\"targetPort\":5353,\"nodePort\":30053}]",
                spec.get("ports").toString());
        assertFalse(spec.has("allocateLoadBalancerNodePorts"));

        api.serviceType("shop", "web", "LoadBalancer", null);
        spec = serviceSpec("shop", "web");
        assertEquals("LoadBalancer", spec.get("type").getAsString());
        assertEquals("Cluster", spec.get("externalTrafficPolicy").getAsString(), "the real server's default");
        assertTrue(spec.get("allocateLoadBalancerNodePorts").getAsBoolean());
        assertEquals(
                30080,
                spec.getAsJsonArray("ports")
                        .get(0)
                        .getAsJsonObject()
                        .get("nodePort")
                        .getAsInt());

        api.serviceType("shop", "web", "ClusterIP", null);
        spec = serviceSpec("shop", "web");
        assertEquals("ClusterIP", spec.get("type").getAsString());
        assertFalse(spec.has("externalTrafficPolicy"));
        assertFalse(spec.getAsJsonArray("ports").get(0).getAsJsonObject().has("nodePort"), "dropped with the type");

        api.service("shop", "plain", KEMP, Map.of("vsid", "4"), HTTP).serviceType("shop", "plain", "NodePort", null);
        assertFalse(
                serviceSpec("shop", "plain")
                        .getAsJsonArray("ports")
                        .get(0)
                        .getAsJsonObject()
                        .has("nodePort"),
                "nodePort 0: none");

        api.scale("shop", "plain", "10.244.1.7").externalName("shop", "plain", "db.example.com");
        spec = serviceSpec("shop", "plain");
        assertEquals("ExternalName", spec.get("type").getAsString());
        assertEquals("db.example.com", spec.get("externalName").getAsString());
        assertFalse(spec.has("clusterIP") || spec.has("selector") || spec.has("ipFamilies"));
        assertEquals(404, get("/api/v1/namespaces/shop/endpoints/plain").code(), "an alias has no Endpoints");
        assertEquals(
                List.of("shop/web"),
                get("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices").serviceNames(),
                "nor slices");
        api.serviceType("shop", "plain", "ClusterIP", null);
        assertEquals(200, get("/api/v1/namespaces/shop/endpoints/plain").code(), "its endpoints come back");

        assertThrows(IllegalArgumentException.class, () -> api.serviceType("shop", "web", "ClusterIP", "Local"));
        assertThrows(IllegalArgumentException.class, () -> api.serviceType("shop", "web", "NodePort", "Nearby"));
        assertThrows(IllegalArgumentException.class, () -> api.serviceType("shop", "web", "ExternalName", null));
        assertThrows(IllegalArgumentException.class, () -> api.serviceType("shop", "none", "NodePort", null));
        assertThrows(IllegalArgumentException.class, () -> Port.tcp("http", 80, 8080, 70000));
        assertEquals(0, Port.tcp("http", 80, 8080).nodePort());
        assertEquals(30080, Port.tcp("http", 80, 8080).withNodePort(30080).nodePort());
    }

    JsonObject serviceSpec(String namespace, String name) throws IOException {
        for (JsonElement item :
                get("/api/v1/namespaces/" + namespace + "/services").body().getAsJsonArray("items")) {
            JsonObject service = item.getAsJsonObject();
            if (service.getAsJsonObject("metadata").get("name").getAsString().equals(name)) {
                return service.getAsJsonObject("spec");
            }
        }
        throw new AssertionError("no Service " + namespace + "/" + name);
    }

    JsonObject onlySlice(String service) throws IOException {
        var items = get("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector="
                        + q("kubernetes.io/service-name=" + service))
                .body()
                .getAsJsonArray("items");
        assertEquals(1, items.size(), items.toString());
        return items.get(0).getAsJsonObject();
    }

    @Test
    void endpointsCarryTheNodeTheyRunOnInSlicesAndEndpoints() throws IOException {
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP)
                .endpoints(
                        "shop",
                        "web",
                        List.of(
                                Endpoint.ready("10.244.1.7").on("node-1"),
                                Endpoint.notReady("10.244.2.8").on("node-2"),
                                Endpoint.ready("10.244.3.9")));
        List<String> sliceNodes = onlySlice("web").getAsJsonArray("endpoints").asList().stream()
                .map(e -> {
                    JsonElement node = e.getAsJsonObject().get("nodeName");
                    return node == null ? "-" : node.getAsString();
                })
                .toList();
        assertEquals(List.of("node-1", "node-2", "-"), sliceNodes, "no nodeName for an endpoint given none");

        Endpoints.Subset subset = new Gson()
                .fromJson(get("/api/v1/namespaces/shop/endpoints/web").body(), Endpoints.class)
                .subsets()
                .get(0);
        assertEquals(
                List.of(new Endpoints.Address("10.244.1.7", "node-1"), new Endpoints.Address("10.244.3.9", null)),
                subset.addresses());
        assertEquals(List.of(new Endpoints.Address("10.244.2.8", "node-2")), subset.notReadyAddresses());

        api.terminating("shop", "web", "10.244.1.7");
        JsonObject terminating =
                onlySlice("web").getAsJsonArray("endpoints").get(0).getAsJsonObject();
        assertEquals("node-1", terminating.get("nodeName").getAsString(), "a pod being deleted stays on its node");
        assertTrue(terminating.getAsJsonObject("conditions").get("terminating").getAsBoolean());
        assertEquals("node-1", Endpoint.ready("10.0.0.1").on("node-1").nodeName());
        assertEquals(null, Endpoint.ready("10.0.0.1").nodeName());
        assertEquals("IPv6", Endpoint.ready("fd00::1").addressType());
    }

    @Test
    void aDualStackServiceHasASliceOfEachFamilyAndItsEndpointsHoldThePrimaryOne() throws IOException {
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP)
                .ipFamilies("shop", "web", "IPv4", "IPv6")
                .endpoints(
                        "shop",
                        "web",
                        List.of(
                                Endpoint.ready("10.244.1.7").on("node-1"),
                                Endpoint.ready("fd00:10:244:1::7").on("node-1"),
                                Endpoint.ready("10.244.2.8").on("node-2"),
                                Endpoint.terminating("fd00:10:244:2::8").on("node-2")));
        JsonObject spec = serviceSpec("shop", "web");
        assertEquals("[\"IPv4\",\"IPv6\"]", spec.get("ipFamilies").toString());
        assertEquals("PreferDualStack", spec.get("ipFamilyPolicy").getAsString());
        assertEquals(2, spec.getAsJsonArray("clusterIPs").size());
        assertEquals(spec.get("clusterIP"), spec.getAsJsonArray("clusterIPs").get(0));
        assertTrue(spec.getAsJsonArray("clusterIPs").get(1).getAsString().contains(":"));

        Reply slices = get("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector="
                + q("kubernetes.io/service-name=web"));
        List<String> shapes = slices.body().getAsJsonArray("items").asList().stream()
                .map(s -> s.getAsJsonObject().get("addressType").getAsString() + " "
                        + s.getAsJsonObject().getAsJsonArray("endpoints").asList().stream()
                                .map(e -> e.getAsJsonObject()
                                        .getAsJsonArray("addresses")
                                        .get(0)
                                        .getAsString())
                                .toList())
                .toList();
        assertEquals(List.of("IPv4 [10.244.1.7, 10.244.2.8]", "IPv6 [fd00:10:244:1::7, fd00:10:244:2::8]"), shapes);
        assertEquals(2, Set.copyOf(slices.names()).size(), "two slices, two names");

        Endpoints.Subset subset = new Gson()
                .fromJson(get("/api/v1/namespaces/shop/endpoints/web").body(), Endpoints.class)
                .subsets()
                .get(0);
        assertEquals(
                List.of("10.244.1.7", "10.244.2.8"),
                subset.addresses().stream().map(Endpoints.Address::ip).toList(),
                "core/v1 Endpoints: the primary family only");

        api.ipFamilies("shop", "web", "IPv6", "IPv4"); // IPv6 primary
        assertEquals(
                List.of("fd00:10:244:1::7"),
                new Gson()
                                .fromJson(
                                        get("/api/v1/namespaces/shop/endpoints/web")
                                                .body(),
                                        Endpoints.class)
                                .subsets()
                                .get(0)
                                .addresses()
                                .stream()
                                .map(Endpoints.Address::ip)
                                .toList());
        api.ipFamilies("shop", "web", "IPv4"); // single-stack again: the IPv6 slice goes
        assertEquals("IPv4", onlySlice("web").get("addressType").getAsString());

        // Without ipFamilies set, a Service's families are its endpoints'.
        api.service("shop", "v6", KEMP, Map.of("vsid", "4"), HTTP).scale("shop", "v6", "fd00:10:244:1::9");
        assertEquals("[\"IPv6\"]", serviceSpec("shop", "v6").get("ipFamilies").toString());
        assertEquals(
                "SingleStack", serviceSpec("shop", "v6").get("ipFamilyPolicy").getAsString());
        assertEquals("IPv6", onlySlice("v6").get("addressType").getAsString());
        assertEquals(
                "fd00:10:244:1::9",
                get("/api/v1/namespaces/shop/endpoints/v6")
                        .body()
                        .getAsJsonArray("subsets")
                        .get(0)
                        .getAsJsonObject()
                        .getAsJsonArray("addresses")
                        .get(0)
                        .getAsJsonObject()
                        .get("ip")
                        .getAsString());
        assertThrows(IllegalArgumentException.class, () -> api.ipFamilies("shop", "web", "IPv4", "IPv4"));
        assertThrows(IllegalArgumentException.class, () -> api.ipFamilies("shop", "web", "IPv5"));
    }
}
