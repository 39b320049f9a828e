package kubelmagent.kube;

import static kubelmagent.kube.FakeApiServer.ALL_SERVICES;
import static kubelmagent.kube.FakeApiServer.DISCOVERY;
import static kubelmagent.kube.FakeApiServer.endpointSlices;
import static kubelmagent.kube.FakeApiServer.endpointSlicesIn;
import static kubelmagent.kube.FakeApiServer.endpoints;
import static kubelmagent.kube.FakeApiServer.everyEndpointSlice;
import static kubelmagent.kube.FakeApiServer.json;
import static kubelmagent.kube.FakeApiServer.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Member;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The endpoints of all bound Services are read with one list per namespace that holds any: the number of
 * requests grows with the namespaces, not with the Services.
 */
class KubernetesSourceNamespaceListsTest {

    private FakeApiServer api;

    @BeforeEach
    void startServer() throws IOException {
        api = new FakeApiServer();
        api.start();
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    private DesiredState read() {
        try (KubernetesSource source = new KubernetesSource(api.connection(), List.of(), Selector.KEMP_DEFAULT)) {
            return source.read();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---- generated objects -----------------------------------------------------------------------

    /** A labelled Service with one port, {@code http} 80; bound to {@code vsid} unless that is null. */
    private static JsonObject service(String namespace, String name, Integer vsid) {
        JsonObject annotations = new JsonObject();
        if (vsid != null) {
            annotations.addProperty("vsid", vsid.toString());
        }
        JsonObject labels = new JsonObject();
        labels.addProperty("kempLB", "Enabled");
        JsonObject spec = new JsonObject();
        spec.add("ports", http(80));
        JsonObject service = new JsonObject();
        service.add("metadata", meta(namespace, name, labels, annotations));
        service.add("spec", spec);
        return service;
    }

    /** An EndpointSlice of a Service, labelled with its name, with one ready endpoint serving http on 8080. */
    private static JsonObject slice(String namespace, String service, String ip) {
        JsonObject labels = new JsonObject();
        labels.addProperty("kubernetes.io/service-name", service);
        JsonObject endpoint = new JsonObject();
        JsonArray addresses = new JsonArray();
        addresses.add(ip);
        endpoint.add("addresses", addresses);
        JsonObject conditions = new JsonObject();
        conditions.addProperty("ready", true);
        endpoint.add("conditions", conditions);
        JsonArray endpoints = new JsonArray();
        endpoints.add(endpoint);
        JsonObject slice = new JsonObject();
        slice.add("metadata", meta(namespace, service + "-" + ip.hashCode(), labels, new JsonObject()));
        slice.addProperty("addressType", "IPv4");
        slice.add("endpoints", endpoints);
        slice.add("ports", http(8080));
        return slice;
    }

    /** The core/v1 Endpoints of a Service: one ready address serving http on 8080. */
    private static JsonObject coreEndpoints(String namespace, String service, String ip) {
        JsonObject address = new JsonObject();
        address.addProperty("ip", ip);
        JsonArray addresses = new JsonArray();
        addresses.add(address);
        JsonObject subset = new JsonObject();
        subset.add("addresses", addresses);
        subset.add("ports", http(8080));
        JsonArray subsets = new JsonArray();
        subsets.add(subset);
        JsonObject endpoints = new JsonObject();
        endpoints.add("metadata", meta(namespace, service, new JsonObject(), new JsonObject()));
        endpoints.add("subsets", subsets);
        return endpoints;
    }

    /** {@code ports}: one, named {@code http}. */
    private static JsonArray http(int number) {
        JsonObject port = new JsonObject();
        port.addProperty("name", "http");
        port.addProperty("port", number);
        port.addProperty("protocol", "TCP");
        JsonArray ports = new JsonArray();
        ports.add(port);
        return ports;
    }

    private static JsonObject meta(String namespace, String name, JsonObject labels, JsonObject annotations) {
        JsonObject meta = new JsonObject();
        meta.addProperty("name", name);
        meta.addProperty("namespace", namespace);
        meta.add("labels", labels);
        meta.add("annotations", annotations);
        return meta;
    }

    private static MockResponse list(String kind, List<JsonObject> items) {
        JsonArray array = new JsonArray();
        items.forEach(array::add);
        JsonObject list = new JsonObject();
        list.addProperty("kind", kind);
        list.add("metadata", new JsonObject());
        list.add("items", array);
        return json(200, list.toString());
    }

    /** The Service {@code name} as read: VS {@code vsid}, port http 80, the member {@code ip}:8080 if any. */
    private static DesiredService bound(String namespace, String name, int vsid, String... ips) {
        Set<Member> members =
                Set.copyOf(List.of(ips).stream().map(ip -> new Member(ip, 8080)).toList());
        return new DesiredService(
                new ServiceRef(namespace, name),
                VirtualServiceId.of(vsid),
                List.of(new ServicePort("http", 80, "TCP", members)));
    }

    private List<String> requestTargets() {
        return api.requests().stream().map(RecordedRequest::getTarget).toList();
    }

    // ---- three namespaces ------------------------------------------------------------------------

    /** Services in shop, blog and team-a, four bound and one without a vsid in each. */
    private static final List<String> NAMESPACES = List.of("blog", "shop", "team-a");

    private static final List<String> NAMES = List.of("api", "cart", "front", "search", "unbound");

    private void threeNamespaces(String discovery) {
        List<JsonObject> services = new ArrayList<>();
        int vsid = 1;
        for (String namespace : NAMESPACES) {
            for (String name : NAMES) {
                services.add(service(namespace, name, name.equals("unbound") ? null : vsid++));
            }
        }
        api.on(DISCOVERY, json(discovery)).on(ALL_SERVICES, list("ServiceList", services));
    }

    private static String ip(int namespace, int service) {
        return "10.244." + namespace + "." + (service + 1);
    }

    /** Each namespace's list, selected by its bound Services' names, holds a slice of each of its Services. */
    private void servesTheSlicesOfThreeNamespaces(String version) {
        for (int n = 0; n < NAMESPACES.size(); n++) {
            List<JsonObject> slices = new ArrayList<>();
            for (int s = 0; s < NAMES.size(); s++) {
                slices.add(slice(NAMESPACES.get(n), NAMES.get(s), ip(n, s)));
            }
            api.on(
                    endpointSlicesIn(version, NAMESPACES.get(n), "api", "cart", "front", "search"),
                    list("EndpointSliceList", slices));
        }
    }

    private static List<DesiredService> threeNamespacesRead() {
        List<DesiredService> expected = new ArrayList<>();
        int vsid = 1;
        for (int n = 0; n < NAMESPACES.size(); n++) {
            for (int s = 0; s < NAMES.size() - 1; s++) {
                expected.add(bound(NAMESPACES.get(n), NAMES.get(s), vsid++, ip(n, s)));
            }
        }
        return expected;
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v1beta1"})
    void readsTheEndpointSlicesOfThreeNamespacesWithOneListEach(String version) {
        threeNamespaces(version.equals("v1") ? "discovery-v1.json" : "discovery-v1beta1.json");
        servesTheSlicesOfThreeNamespaces(version);

        DesiredState state = read();

        assertTrue(state.everythingRead(), () -> "problems: " + state.problems());
        assertEquals(threeNamespacesRead(), state.services());
        String selector = "?labelSelector=kubernetes.io%2Fservice-name+in+%28api%2Ccart%2Cfront%2Csearch%29&limit=500";
        String slices = "/apis/discovery.k8s.io/" + version + "/namespaces/";
        assertEquals(
                List.of(
                        DISCOVERY,
                        ALL_SERVICES + "?labelSelector=kempLB%3DEnabled&limit=500",
                        slices + "blog/endpointslices" + selector,
                        slices + "shop/endpointslices" + selector,
                        slices + "team-a/endpointslices" + selector),
                requestTargets(),
                "discovery, the Service list and one list per namespace, naming its bound Services");
    }

    @Test
    void laterPassesReadOnlyTheServiceListAndOneListPerNamespace() throws IOException {
        threeNamespaces("discovery-v1.json");
        servesTheSlicesOfThreeNamespaces("v1");

        try (KubernetesSource source = new KubernetesSource(api.connection(), List.of(), Selector.KEMP_DEFAULT)) {
            source.read();
            int first = api.requests().size();
            DesiredState second = source.read();

            assertEquals(threeNamespacesRead(), second.services());
            List<String> targets = requestTargets();
            assertEquals(4, targets.size() - first, "the Service list and one list per namespace: " + targets);
            assertEquals(1, targets.stream().filter(DISCOVERY::equals).count(), "discovery once: " + targets);
        }
    }

    /** After an upgrade that stops serving v1beta1 (Kubernetes 1.25), the agent finds v1 again. */
    @Test
    void anEndpointListAnswering404MakesTheNextPassDiscoverAgain() throws IOException {
        threeNamespaces("discovery-v1beta1.json");
        servesTheSlicesOfThreeNamespaces("v1beta1");

        try (KubernetesSource source = new KubernetesSource(api.connection(), List.of(), Selector.KEMP_DEFAULT)) {
            assertEquals(threeNamespacesRead(), source.read().services());
            api.on(DISCOVERY, json("discovery-v1.json"));
            for (String namespace : NAMESPACES) {
                api.on(
                        endpointSlicesIn("v1beta1", namespace, "api", "cart", "front", "search"),
                        status(404, "status-404.json"));
            }
            servesTheSlicesOfThreeNamespaces("v1");

            DesiredState gone = source.read();
            assertEquals(List.of(), gone.services(), "the old API answered 404: nothing read");
            assertEquals(
                    12,
                    gone.skipped().stream().filter(s -> s.vs() != null).count(),
                    "every bound Service skipped, keeping its Real Servers");
            DesiredState found = source.read();

            assertEquals(threeNamespacesRead(), found.services());
            assertEquals(2, requestTargets().stream().filter(DISCOVERY::equals).count(), "discovered again once");
        }
    }

    @Test
    void readsTheCoreEndpointsOfThreeNamespacesWithOneListEachAndKeepsThoseOfBoundServices() {
        threeNamespaces("discovery-v2alpha1.json");
        for (int n = 0; n < NAMESPACES.size(); n++) {
            List<JsonObject> items = new ArrayList<>();
            for (int s = 0; s < NAMES.size(); s++) {
                if (!(n == 1 && NAMES.get(s).equals("cart"))) { // shop/cart has no Endpoints (yet)
                    items.add(coreEndpoints(NAMESPACES.get(n), NAMES.get(s), ip(n, s)));
                }
            }
            items.add(coreEndpoints(NAMESPACES.get(n), "kubernetes", "192.168.0.1")); // no Service of ours
            api.on(endpoints(NAMESPACES.get(n)), list("EndpointsList", items));
        }

        DesiredState state = read();

        assertTrue(state.everythingRead(), () -> "problems: " + state.problems());
        List<DesiredService> expected = new ArrayList<>(threeNamespacesRead());
        expected.set(5, bound("shop", "cart", 6));
        assertEquals(expected, state.services());
        assertEquals(
                List.of(
                        DISCOVERY,
                        ALL_SERVICES + "?labelSelector=kempLB%3DEnabled&limit=500",
                        "/api/v1/namespaces/blog/endpoints?limit=500",
                        "/api/v1/namespaces/shop/endpoints?limit=500",
                        "/api/v1/namespaces/team-a/endpoints?limit=500"),
                requestTargets());
    }

    @Test
    void aFailedListSkipsTheServicesOfItsNamespaceOnlyAndTheyKeepTheirRealServers() {
        threeNamespaces("discovery-v1.json");
        servesTheSlicesOfThreeNamespaces("v1");
        api.on(endpointSlices("shop", "api", "cart", "front", "search"), status(403, "status-403-endpointslices.json"));

        DesiredState state = read();

        assertEquals(
                threeNamespacesRead().stream()
                        .filter(s -> !s.service().namespace().equals("shop"))
                        .toList(),
                state.services());
        assertEquals(
                List.of("shop/api", "shop/cart", "shop/front", "shop/search"),
                state.skipped().stream()
                        .filter(s -> s.unread())
                        .map(s -> s.service().toString())
                        .toList());
        assertTrue(state.skipped().stream()
                .filter(s -> s.unread())
                .allMatch(s -> s.problem()
                        .message()
                        .startsWith(s.service() + ": left out of this pass because its endpoints could not be"
                                + " read: Kubernetes API answered 403 Forbidden to GET"
                                + " /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices")));
    }

    // ---- a namespace with more Services than one selector names ----------------------------------

    @Test
    void listsEverySliceOfANamespaceWithMoreServicesThanASelectorNamesAndKeepsTheBoundOnes() {
        int count = ApiRequest.MAX_NAMES_IN_SELECTOR + 1;
        List<JsonObject> services = new ArrayList<>();
        List<JsonObject> slices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            services.add(service("big", "svc-" + i, i + 1));
            slices.add(slice("big", "svc-" + i, "10.1." + (i / 250) + "." + (i % 250 + 1)));
        }
        slices.add(slice("big", "not-labelled-for-us", "10.9.9.9"));
        api.on(DISCOVERY, json("discovery-v1.json"))
                .on(ALL_SERVICES, list("ServiceList", services))
                .on(everyEndpointSlice("big"), list("EndpointSliceList", slices));

        DesiredState state = read();

        assertTrue(state.everythingRead(), () -> "problems: " + state.problems());
        assertEquals(count, state.services().size());
        assertEquals(
                bound("big", "svc-100", 101, "10.1.0.101"), state.services().get(100));
        assertEquals(
                List.of(
                        DISCOVERY,
                        ALL_SERVICES + "?labelSelector=kempLB%3DEnabled&limit=500",
                        "/apis/discovery.k8s.io/v1/namespaces/big/endpointslices"
                                + "?labelSelector=kubernetes.io%2Fservice-name&limit=500"),
                requestTargets(),
                "one list of every slice that belongs to a Service");
    }

    @Test
    void namesTheServicesInASelectorOnlyWhileItStaysShortEnoughForProxies() {
        String longName = "a".repeat(60);
        List<String> fitting = IntStream.range(0, 50)
                .mapToObj(i -> longName + String.format("%03d", i))
                .toList();

        ApiRequest named = ApiRequest.listEndpointSlices("v1", "big", fitting);
        ApiRequest all = ApiRequest.listEndpointSlices(
                "v1",
                "big",
                IntStream.range(0, 70)
                        .mapToObj(i -> longName + String.format("%03d", i))
                        .toList());

        assertTrue(named.query().get("labelSelector").startsWith("kubernetes.io/service-name in (aaa"));
        assertTrue(named.target().length() < ApiRequest.MAX_SELECTOR_CHARS + 200, named::target);
        assertEquals(
                Map.of("labelSelector", "kubernetes.io/service-name"),
                all.query(),
                "70 names of 63 characters do not fit in " + ApiRequest.MAX_SELECTOR_CHARS + " characters");
        assertEquals(
                "kubernetes.io/service-name in (a,b,c)",
                ApiRequest.listEndpointSlices("v1", "shop", List.of("c", "a", "b"))
                        .query()
                        .get("labelSelector"),
                "sorted");
        assertEquals(
                Map.of("labelSelector", "kubernetes.io/service-name"),
                ApiRequest.listEndpointSlices(
                                "v1",
                                "shop",
                                IntStream.range(0, ApiRequest.MAX_NAMES_IN_SELECTOR + 1)
                                        .mapToObj(i -> "s" + i)
                                        .toList())
                        .query(),
                "more than " + ApiRequest.MAX_NAMES_IN_SELECTOR + " names, however short");
    }
}
