package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.net.ServerSocketFactory;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Member;
import kubelmagent.model.Problem;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated labelled Services, with every kind of {@code vsid} annotation (and wrong {@code
 * kube-lm-agent/mode} and {@code kube-lm-agent/vsids} ones), label and port,
 * served a thousand per page together with a few known-good Services: nothing escapes
 * {@link KubernetesSource}, the good Services come out exactly as expected, every bad one is named in
 * a Problem, and no valid one is. The seed is printed; rerun a failure with {@code -Dfuzz.seed=<seed>}.
 */
class ServiceFuzzTest {

    private static final int SERVICES = 10_000;
    private static final int PAGE = 1_000;

    /** vsid annotation values that name a Virtual Service, and the id each names. */
    private static final Map<String, Integer> VALID_VSIDS = Map.of(
            "3", 3, "42", 42, " 7 ", 7, "007", 7, "\t5\n", 5, "2147483647", Integer.MAX_VALUE, "1", 1, "0012", 12);

    /** vsid annotation values that do not. */
    private static final List<String> INVALID_VSIDS = List.of(
            "",
            " ",
            "\t",
            "0",
            "00",
            "-3",
            "+3",
            "3.0",
            "3.5",
            "1e3",
            "0x1F",
            "2147483648",
            "99999999999999999999",
            "[3]",
            "[3, 4]",
            "3,4",
            "3 4",
            "vs3",
            "three",
            "٣",
            "３",
            "³",
            "\u0000",
            "3\u0000",
            "null",
            "~",
            "true",
            "\"3\"",
            "'3'",
            "3 # VS",
            "Ⅲ",
            "𝟑",
            "-0",
            "3-",
            "\u200B3");

    /** kube-lm-agent/mode values that are not a mode. */
    private static final List<String> INVALID_MODES =
            List.of("", " ", "pod-mode", "NodePort mode", "hostNetwork", "node", "nodeport\u0000", "PODS?");

    /** kube-lm-agent/vsids values that do not bind any port. */
    private static final List<String> INVALID_PORT_BINDINGS = List.of(
            "",
            " ",
            "http",
            "http=",
            "=3",
            "http=0",
            "http=3,https=3",
            "http=three",
            "http:3",
            "3",
            ",",
            "http=3,",
            "http=3;https=7",
            "http=-3",
            "http=2147483648");

    private static final List<String> NAMESPACES = List.of("shop", "team-a", "default", "x", "a".repeat(63));
    private static final List<String> TYPES = List.of("ClusterIP", "NodePort", "LoadBalancer", "Headless", "");
    private static final List<String> PROTOCOLS = List.of("TCP", "UDP", "SCTP", "tcp", "QUIC", "", " ");
    private static final List<String> PORT_NAMES = List.of("http", "https", "", "metrics", "HTTP", "ünïcødé", "a b");
    private static final List<Integer> PORTS =
            List.of(80, 443, 1, 65535, 0, -1, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, 8080);
    private static final String TEXT = "aZ09-_./:= \t\n\"\\{}[]é日😀\u0000\u2028";

    private final FakeApiServer api = new FakeApiServer();
    private final Map<String, JsonArray> endpointsByNamespace = new HashMap<>();

    @BeforeEach
    void startServer() throws IOException {
        api.server.setServerSocketFactory(new NoDelayServerSockets());
        api.start();
    }

    /**
     * Listening sockets whose connections send at once (TCP_NODELAY): without it, each of the thousands
     * of small answers waits for the client's delayed ACK, some 40 ms.
     */
    private static final class NoDelayServerSockets extends ServerSocketFactory {

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return new ServerSocket() {
                @Override
                public Socket accept() throws IOException {
                    Socket socket = super.accept();
                    socket.setTcpNoDelay(true);
                    return socket;
                }
            };
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            throw new UnsupportedOperationException("MockWebServer binds the socket itself");
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            throw new UnsupportedOperationException("MockWebServer binds the socket itself");
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            throw new UnsupportedOperationException("MockWebServer binds the socket itself");
        }
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    /** What a generated Service should give: a binding to {@code vs}, or (vs null) a Problem. */
    private record Expected(ServiceRef ref, Integer vs, List<JsonObject> ports) {}

    @Test
    void everyBadServiceIsNamedAndEveryGoodOneReadExactly() throws IOException {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("ServiceFuzzTest seed: " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);

        List<JsonObject> services = new ArrayList<>();
        Map<ServiceRef, Expected> expected = new HashMap<>();
        for (int i = 0; i < SERVICES; i++) {
            ServiceRef ref = new ServiceRef(NAMESPACES.get(random.nextInt(NAMESPACES.size())), "svc-" + i);
            JsonObject service = service(ref);
            Expected e = fuzz(random, ref, service);
            services.add(service);
            expected.put(ref, e);
        }
        List<DesiredService> good = knownGood(services);
        serve(services);

        DesiredState state;
        try (KubernetesSource source = new KubernetesSource(api.connection(), List.of(), Selector.KEMP_DEFAULT)) {
            state = source.read();
        }

        assertTrue(
                state.complete(),
                () -> "seed " + seed + ": "
                        + state.problems().stream()
                                .filter(p -> p.service() == null)
                                .map(Problem::message)
                                .toList());
        Map<ServiceRef, DesiredService> read = new HashMap<>();
        for (DesiredService s : state.services()) {
            assertNull(read.put(s.service(), s), () -> "seed " + seed + ": " + s.service() + " read twice");
        }
        Map<ServiceRef, Problem> problems = new HashMap<>();
        for (Problem p : state.problems()) {
            assertNotNull(p.service(), () -> "seed " + seed + ": a problem about no Service: " + p.message());
            assertTrue(
                    p.message().contains(p.service().toString()),
                    () -> "seed " + seed + ": the problem does not name " + p.service() + ": " + p.message());
            assertNull(problems.put(p.service(), p), () -> "seed " + seed + ": " + p.service() + " reported twice");
        }

        for (DesiredService g : good) {
            assertEquals(g, read.get(g.service()), "seed " + seed);
            assertFalse(problems.containsKey(g.service()), () -> "seed " + seed + ": " + problems.get(g.service()));
        }
        int bad = 0;
        for (Expected e : expected.values()) {
            if (e.vs() == null) {
                bad++;
                assertTrue(problems.containsKey(e.ref()), () -> "seed " + seed + ": " + e.ref() + " is not reported");
                assertFalse(read.containsKey(e.ref()), () -> "seed " + seed + ": " + e.ref() + " was bound");
            } else {
                assertFalse(
                        problems.containsKey(e.ref()),
                        () -> "seed " + seed + ": valid " + e.ref() + " reported: "
                                + problems.get(e.ref()).message());
                DesiredService s = read.get(e.ref());
                assertNotNull(s, () -> "seed " + seed + ": valid " + e.ref() + " was not read");
                assertEquals(VirtualServiceId.of(e.vs()), s.vs(), "seed " + seed + ": " + e.ref());
                assertEquals(usablePorts(e.ports()), s.ports(), "seed " + seed + ": " + e.ref());
            }
        }
        assertEquals(SERVICES + good.size(), read.size() + problems.size(), "seed " + seed);
        assertTrue(bad > SERVICES / 10 && bad < SERVICES * 9 / 10, "both kinds were generated: " + bad + " bad");
    }

    // ---- generated Services ----------------------------------------------------------------------

    private static JsonObject service(ServiceRef ref) {
        JsonObject metadata = new JsonObject();
        metadata.addProperty("name", ref.name());
        metadata.addProperty("namespace", ref.namespace());
        JsonObject labels = new JsonObject();
        labels.addProperty("kempLB", "Enabled");
        metadata.add("labels", labels);
        metadata.add("annotations", new JsonObject());
        JsonObject service = new JsonObject();
        service.add("metadata", metadata);
        service.add("spec", new JsonObject());
        return service;
    }

    /** Fills in random labels, annotations, type and ports; returns what the Service should give. */
    private static Expected fuzz(Random random, ServiceRef ref, JsonObject service) {
        JsonObject metadata = service.getAsJsonObject("metadata");
        JsonObject spec = service.getAsJsonObject("spec");
        for (int i = random.nextInt(4); i > 0; i--) {
            metadata.getAsJsonObject("labels").addProperty(text(random), text(random));
            metadata.getAsJsonObject("annotations").addProperty(text(random), text(random));
        }
        Integer vs = null;
        int vsidKind = random.nextInt(10);
        if (vsidKind < 5) {
            List<String> values = new ArrayList<>(VALID_VSIDS.keySet());
            String value = values.get(random.nextInt(values.size()));
            metadata.getAsJsonObject("annotations").addProperty("vsid", value);
            vs = VALID_VSIDS.get(value);
        } else if (vsidKind < 9) {
            metadata.getAsJsonObject("annotations")
                    .addProperty("vsid", INVALID_VSIDS.get(random.nextInt(INVALID_VSIDS.size())));
        }
        switch (random.nextInt(20)) {
            case 0 -> {
                metadata.getAsJsonObject("annotations")
                        .addProperty("kube-lm-agent/mode", INVALID_MODES.get(random.nextInt(INVALID_MODES.size())));
                vs = null;
            }
            case 1 -> {
                metadata.getAsJsonObject("annotations")
                        .addProperty(
                                "kube-lm-agent/vsids",
                                INVALID_PORT_BINDINGS.get(random.nextInt(INVALID_PORT_BINDINGS.size())));
                vs = null;
            }
            case 2 -> metadata.getAsJsonObject("annotations").addProperty("kube-lm-agent/mode", "pods");
            default -> {}
        }
        int typeKind = random.nextInt(20);
        if (typeKind == 0) {
            spec.addProperty("type", "ExternalName");
            spec.addProperty("externalName", "db.example.com");
            vs = null;
        } else if (typeKind < 10) {
            spec.addProperty("type", TYPES.get(random.nextInt(TYPES.size())));
        }
        List<JsonObject> ports = new ArrayList<>();
        if (random.nextInt(10) > 0) {
            JsonArray array = new JsonArray();
            for (int i = random.nextInt(5); i > 0; i--) {
                JsonObject port = port(random);
                if (random.nextInt(10) == 0 && !ports.isEmpty()) {
                    port = ports.get(0).deepCopy();
                }
                ports.add(port);
                array.add(port);
            }
            spec.add("ports", array);
        }
        return new Expected(ref, vs, ports);
    }

    private static JsonObject port(Random random) {
        JsonObject port = new JsonObject();
        if (random.nextInt(4) > 0) {
            port.addProperty("name", PORT_NAMES.get(random.nextInt(PORT_NAMES.size())));
        }
        if (random.nextInt(10) > 0) {
            port.addProperty("port", PORTS.get(random.nextInt(PORTS.size())));
        }
        if (random.nextInt(4) > 0) {
            port.addProperty("protocol", PROTOCOLS.get(random.nextInt(PROTOCOLS.size())));
        }
        switch (random.nextInt(4)) {
            case 0 -> port.addProperty("targetPort", PORTS.get(random.nextInt(PORTS.size())));
            case 1 -> port.addProperty("targetPort", PORT_NAMES.get(random.nextInt(PORT_NAMES.size())));
            case 2 -> port.add("targetPort", new JsonArray());
            default -> {}
        }
        return port;
    }

    /** The ports KubernetesSource keeps: those with a port number 1 to 65535, without members (no endpoints). */
    private static List<ServicePort> usablePorts(List<JsonObject> ports) {
        List<ServicePort> usable = new ArrayList<>();
        for (JsonObject port : ports) {
            int number = port.has("port") ? port.get("port").getAsInt() : 0;
            if (number >= 1 && number <= 65535) {
                String name = port.has("name") ? port.get("name").getAsString() : "";
                String protocol = port.has("protocol")
                                && !port.get("protocol").getAsString().isEmpty()
                        ? port.get("protocol").getAsString()
                        : "TCP";
                usable.add(new ServicePort(name, number, protocol, Set.of()));
            }
        }
        return usable;
    }

    private static String text(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(12); i > 0; i--) {
            s.appendCodePoint(TEXT.codePointAt(
                    TEXT.offsetByCodePoints(0, random.nextInt(TEXT.codePointCount(0, TEXT.length())))));
        }
        return s.toString();
    }

    // ---- known-good Services ---------------------------------------------------------------------

    /** Adds three well-formed Services with ready endpoints, each at a random place; returns what they give. */
    private List<DesiredService> knownGood(List<JsonObject> services) {
        List<DesiredService> good = new ArrayList<>();
        good.add(good(services, new ServiceRef("shop", "web"), "3", "http", 80, 8080, "10.244.1.7", "10.244.1.8"));
        good.add(good(services, new ServiceRef("payments", "api"), " 12 ", "", 443, 8443, "10.244.2.9"));
        good.add(good(services, new ServiceRef("team-a", "dns"), "0007", "dns", 53, 5353, "fd00::1", "10.244.3.3"));
        return good;
    }

    private DesiredService good(
            List<JsonObject> services,
            ServiceRef ref,
            String vsid,
            String portName,
            int port,
            int targetPort,
            String... podIps) {
        JsonObject service = service(ref);
        service.getAsJsonObject("metadata").getAsJsonObject("annotations").addProperty("vsid", vsid);
        JsonObject servicePort = new JsonObject();
        servicePort.addProperty("name", portName);
        servicePort.addProperty("port", port);
        servicePort.addProperty("protocol", "TCP");
        servicePort.addProperty("targetPort", targetPort);
        JsonArray ports = new JsonArray();
        ports.add(servicePort);
        service.getAsJsonObject("spec").add("ports", ports);
        services.add(Math.abs(ref.hashCode()) % services.size(), service);

        JsonArray addresses = new JsonArray();
        List<Member> members = new ArrayList<>();
        for (String ip : podIps) {
            JsonObject address = new JsonObject();
            address.addProperty("ip", ip);
            addresses.add(address);
            members.add(new Member(ip, targetPort));
        }
        JsonObject endpointPort = new JsonObject();
        endpointPort.addProperty("name", portName);
        endpointPort.addProperty("port", targetPort);
        endpointPort.addProperty("protocol", "TCP");
        JsonArray endpointPorts = new JsonArray();
        endpointPorts.add(endpointPort);
        JsonObject subset = new JsonObject();
        subset.add("addresses", addresses);
        subset.add("ports", endpointPorts);
        JsonArray subsets = new JsonArray();
        subsets.add(subset);
        JsonObject endpointsMeta = new JsonObject();
        endpointsMeta.addProperty("name", ref.name());
        endpointsMeta.addProperty("namespace", ref.namespace());
        JsonObject endpoints = new JsonObject();
        endpoints.add("metadata", endpointsMeta);
        endpoints.add("subsets", subsets);
        endpointsByNamespace
                .computeIfAbsent(ref.namespace(), n -> new JsonArray())
                .add(endpoints);

        return new DesiredService(
                ref,
                VirtualServiceId.of(Integer.parseInt(vsid.strip())),
                List.of(new ServicePort(portName, port, "TCP", Set.copyOf(members))));
    }

    /**
     * Serves the Services {@value #PAGE} per page. The server has no EndpointSlices (discovery answers
     * 404), so endpoints come from the core/v1 Endpoints list of each namespace, which holds only those of
     * the known-good Services: the others have no endpoints.
     */
    private void serve(List<JsonObject> services) {
        for (String namespace : NAMESPACES) {
            endpointsByNamespace.computeIfAbsent(namespace, n -> new JsonArray());
        }
        endpointsByNamespace.forEach((namespace, items) -> {
            JsonObject list = new JsonObject();
            list.addProperty("kind", "EndpointsList");
            list.addProperty("apiVersion", "v1");
            list.add("metadata", new JsonObject());
            list.add("items", items);
            api.on(FakeApiServer.endpoints(namespace), FakeApiServer.json(200, list.toString()));
        });
        for (int from = 0, page = 0; from < services.size(); from += PAGE, page++) {
            JsonArray items = new JsonArray();
            services.subList(from, Math.min(from + PAGE, services.size())).forEach(items::add);
            JsonObject list = new JsonObject();
            list.addProperty("kind", "ServiceList");
            list.addProperty("apiVersion", "v1");
            JsonObject meta = new JsonObject();
            meta.addProperty("resourceVersion", "1000");
            if (from + PAGE < services.size()) {
                meta.addProperty("continue", "page-" + (page + 1));
            }
            list.add("metadata", meta);
            list.add("items", items);
            String route = page == 0
                    ? FakeApiServer.ALL_SERVICES
                    : FakeApiServer.page(FakeApiServer.ALL_SERVICES, "page-" + page);
            api.on(route, FakeApiServer.json(200, list.toString()));
        }
    }
}
