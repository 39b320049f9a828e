package kubelmagent.demo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;
import kubelmagent.http.LocalServers;
import kubelmagent.tls.SelfSignedCertificate;

/**
 * A stand-in for the Kubernetes API server, for the demo and for end-to-end tests of the agent. It is
 * <strong>not</strong> a Kubernetes implementation: there are no pods, controllers, RBAC or storage, only a model
 * of Services, their endpoints and Nodes that the caller edits, and just enough API surface to answer the requests
 * the agent makes, lists and watches, in the shape the real API server gives them ({@code kind}, {@code apiVersion},
 * {@code metadata.resourceVersion}, {@code Status} objects for errors).
 *
 * <p>It listens on {@code https://127.0.0.1:<ephemeral port>} with a self-signed certificate (trust it
 * through {@link #caFile()}) and answers only requests that carry {@code Authorization: Bearer <token>}.
 * Served, for {@code GET} only:
 * <ul>
 * <li>{@code /apis/discovery.k8s.io}: the {@code APIGroup}, offering {@code discovery.k8s.io/v1};</li>
 * <li>{@code /api/v1/services} and {@code /api/v1/namespaces/{ns}/services}: a {@code ServiceList};</li>
 * <li>{@code /apis/discovery.k8s.io/v1/endpointslices} and
 *     {@code /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices}: an {@code EndpointSliceList}, one or
 *     more slices (at most 100 endpoints each, as the EndpointSlice controller makes them) per Service and IP
 *     family;</li>
 * <li>{@code /api/v1/namespaces/{ns}/endpoints/{name}}: the core/v1 {@code Endpoints} of a Service (ready
 *     endpoints in {@code addresses}, not-ready ones in {@code notReadyAddresses}, terminating ones left out),
 *     and {@code /api/v1/endpoints} and {@code /api/v1/namespaces/{ns}/endpoints}: an {@code EndpointsList};</li>
 * <li>{@code /api/v1/nodes}: a {@code NodeList}, and {@code /api/v1/nodes/{name}}: one {@code Node}.</li>
 * </ul>
 *
 * <p><strong>Services</strong> ({@link #service}) are {@code ClusterIP} until {@link #serviceType} makes them
 * {@code NodePort} or {@code LoadBalancer}, with {@code spec.externalTrafficPolicy} ({@code Cluster} unless set to
 * {@code Local}; absent for the other types, as the real server has it) and each port's {@code nodePort} as {@link
 * Port} gives it (absent when 0, and for the other types: the stand-in allocates none). A {@code LoadBalancer} has
 * {@code allocateLoadBalancerNodePorts: true} and an empty {@code status.loadBalancer} (no cloud, no ingress) and no
 * {@code healthCheckNodePort}. {@link #externalName} makes one {@code ExternalName}: no cluster IP, selector or IP
 * families, and neither slices nor Endpoints. {@code spec.ipFamilies} (with {@code clusterIPs} of those families
 * and {@code ipFamilyPolicy} {@code SingleStack} or, for two, {@code PreferDualStack}) are those {@link
 * #ipFamilies} set or, until then, those of the Service's endpoints in the order they first appear ({@code IPv4}
 * without endpoints), so such a Service's JSON changes when an endpoint of a new family first comes.
 *
 * <p><strong>Endpoints</strong> ({@link Endpoint}) with a {@code ':'} in their IP are IPv6: as the EndpointSlice
 * controller does for a dual-stack Service, each of the Service's families has its own slices ({@code addressType}
 * {@code IPv4} or {@code IPv6}, at most 100 endpoints each, a placeholder slice without endpoints when a family has
 * none), while core/v1 {@code Endpoints}, as the endpoints controller makes them, hold only the addresses of the
 * Service's primary family (the first of its {@code ipFamilies}). Endpoints of a family the Service does not have
 * are left out of both. An endpoint's node ({@link Endpoint#on}) is the slice endpoint's {@code nodeName} and the
 * Endpoints address's {@code nodeName}; an endpoint given none has no {@code nodeName} (the stand-in does not check
 * that such a Node exists).
 *
 * <p><strong>Nodes</strong> ({@link #node}, {@link #deleteNode}) are cluster-scoped, listed by name, with their
 * labels, {@code spec.unschedulable: true} when cordoned (left out otherwise, as the real server omits false),
 * the {@code NoSchedule} taints the node controllers add ({@code unschedulable}, {@code not-ready}, {@code
 * unreachable}), and {@code status.conditions} as a kubelet posts them ({@code MemoryPressure}, {@code
 * DiskPressure}, {@code PIDPressure}, then {@code Ready} with the status given and its {@code reason}; all {@code
 * Unknown} when Ready is) and {@code status.addresses} as given.
 *
 * Lists honour {@code labelSelector} ({@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)}, {@code k
 * notin (a,b)}, {@code k}, {@code !k}, comma-separated, all must hold; EndpointSlices carry their Service's
 * labels plus {@code kubernetes.io/service-name}, Endpoints their Service's labels, Nodes their own) and {@code
 * limit}/{@code continue}: while items remain, the list's {@code metadata.continue} holds a token that serves the
 * rest of the same snapshot; a token it did not hand out (or has forgotten, after 1024 newer ones) is answered
 * 410 {@code Expired}, as the real server answers a compacted one. A list's {@code metadata.resourceVersion} is
 * the model's revision: every change to an object (a Service, one of its slices, its Endpoints) takes the next
 * revision, which becomes that object's {@code metadata.resourceVersion}; an edit that leaves an object as it
 * was does not change it. Nodes share that revision counter, and the watch history, with the rest.
 *
 * <p><strong>Watches.</strong> A list path with {@code watch=true} (or {@code 1}) is answered 200 with a chunked
 * {@code application/json} body of one event a line, flushed each, {@code {"type":...,"object":...}}, as
 * client-go's reflectors read it:
 * <ul>
 * <li>with {@code resourceVersion=N} (N &gt; 0): each change with a revision above N, then each change as it
 *     happens; without one, or with {@code 0}: first a synthetic {@code ADDED} for each object the list would
 *     hold, then each change. The object of an event is the list item (with its {@code kind} and {@code
 *     apiVersion}, as real watches send them) at that change's revision: {@code ADDED}, {@code MODIFIED},
 *     {@code DELETED} (the last state, at the revision of the deletion). Deleting a Service deletes its slices
 *     and Endpoints; slices that a Service grows into or shrinks out of (or a family it gains or loses) are ADDED
 *     or DELETED;</li>
 * <li>it keeps the last 10,000 changes (fewer if they are very large; {@link #compactHistory} forgets them
 *     all): a watch from an N older than that gets one {@code ERROR} event holding a 410 {@code Expired}
 *     Status ({@code too old resource version: N (M)}), then the response ends; so does an open watch whose
 *     unsent changes were forgotten. A watch from an N the model has not reached gets, after 3 s, an
 *     {@code ERROR} event holding a 504 {@code Timeout} Status ({@code Too large resource version});</li>
 * <li>{@code labelSelector} filters as the real watch cache does: an object that starts to match is sent as
 *     {@code ADDED}, one that stops matching as {@code DELETED} (its last matching state, at this revision);</li>
 * <li>{@code timeoutSeconds} (1800 when absent or 0) ends the response cleanly; with {@code
 *     allowWatchBookmarks=true}, a {@code BOOKMARK} event (an object of only {@code kind}, {@code apiVersion}
 *     and {@code metadata.resourceVersion}, the current revision) comes before that end and whenever the watch
 *     has sent nothing for the {@link #bookmarkInterval} (60 s);</li>
 * <li>{@link #failNext} applies to watches on the path (the status and Status body, before any event);
 *     {@link #openWatches} counts open watch responses, {@link #dropWatches} breaks them off as a broken
 *     connection does, and {@link #close} ends them.</li>
 * </ul>
 * Not modelled: {@code fieldSelector} (lists and watches ignore it), {@code resourceVersionMatch}, {@code
 * sendInitialEvents} and its {@code initial-events-end} bookmark, the {@code /watch/} paths, watching a single
 * named object, {@code limit}/{@code continue} on watches (ignored), and noticing a watcher that went away
 * before there is something to send it (it counts in {@link #openWatches} until its next event, bookmark or
 * timeout).
 *
 * <p>Errors: 401 without the right token, 404 for other paths, 405 for other methods, 400 for a selector,
 * {@code timeoutSeconds} or watch {@code resourceVersion} it cannot parse; {@link #failNext} injects any other
 * status.
 *
 * <pre>{@code
 * try (StandInKubernetesApi api = StandInKubernetesApi.start(dir, "token")) {
 *     api.service("shop", "web", Map.of("kempLB", "Enabled"), Map.of("vsid", "3"), List.of(Port.tcp("http", 80, 8080)))
 *        .scale("shop", "web", "10.244.1.7", "10.244.1.8");
 *     api.terminating("shop", "web", "10.244.1.8"); // being deleted, still serving: drained by the agent
 *
 *     // NodePort mode: nodes, a NodePort Service with externalTrafficPolicy Local, endpoints on nodes
 *     api.node("node-1", "192.168.50.11")
 *        .node(Node.of("node-2", "192.168.50.12").cordoned())
 *        .node(Node.of("node-3", "192.168.50.13").notReady())
 *        .node(Node.of("node-4", "192.168.50.14").excludedFromExternalLoadBalancers());
 *     api.service("shop", "api", Map.of("kempLB", "Enabled"), Map.of("vsid", "4"), List.of(Port.tcp("http", 80, 8080, 30080)))
 *        .serviceType("shop", "api", "NodePort", "Local")
 *        .endpoints("shop", "api", List.of(Endpoint.ready("10.244.1.9").on("node-1")));
 *
 *     // dual stack: one IPv4 and one IPv6 slice; core/v1 Endpoints hold the IPv4 (primary) address only
 *     api.service("shop", "dual", Map.of("kempLB", "Enabled"), Map.of("vsid", "5"), List.of(Port.tcp("http", 80, 8080)))
 *        .ipFamilies("shop", "dual", "IPv4", "IPv6")
 *        .scale("shop", "dual", "10.244.1.10", "fd00:10:244:1::a");
 *     // agent.yaml: kubernetes: {server: api.url(), caFile: api.caFile(), tokenFile: <file holding "token">}
 * }
 * }</pre>
 *
 * <p>All methods are thread-safe. Each exchange runs on a thread of its own (a watch holds one for as long as it
 * is open), so open watches never keep other requests waiting.
 */
public final class StandInKubernetesApi implements AutoCloseable {

    /** The {@code endpointslice.kubernetes.io/managed-by} value and maximum slice size of the real controller. */
    private static final String SLICE_CONTROLLER = "endpointslice-controller.k8s.io";

    private static final int MAX_ENDPOINTS_PER_SLICE = 100;
    private static final int REMEMBERED_CONTINUE_TOKENS = 1024;
    /** How many changes watches can start from, at most, and how much of their JSON, at most. */
    private static final int MAX_HISTORY = 10_000;

    private static final long MAX_HISTORY_CHARS = 32L << 20;
    private static final long DEFAULT_WATCH_SECONDS = 1800;
    /** How long a watch from a revision the stand-in has not reached yet waits for it, as the real one does. */
    private static final long TOO_LARGE_WAIT_NANOS = Duration.ofSeconds(3).toNanos();

    private static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** Who the 403 messages say was refused. */
    private static final String USER = "system:serviceaccount:kube-lm-agent:kube-lm-agent";

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final String DISCOVERY = GSON.toJson(object(
            "kind",
            "APIGroup",
            "apiVersion",
            "v1",
            "name",
            "discovery.k8s.io",
            "versions",
            List.of(object("groupVersion", "discovery.k8s.io/v1", "version", "v1")),
            "preferredVersion",
            object("groupVersion", "discovery.k8s.io/v1", "version", "v1")));

    /**
     * One entry of a Service's {@code spec.ports}; {@code targetPort} is what endpoints serve on, {@code nodePort}
     * what each node serves it on for a {@code NodePort} or {@code LoadBalancer} Service (0: none; the real server
     * would allocate one, the stand-in takes what it is given, and leaves it out for other types, as the real
     * server drops it).
     */
    public record Port(String name, int port, int targetPort, String protocol, int nodePort) {

        /**
         * @param name     may be empty for a Service's single port
         * @param protocol {@code TCP}, {@code UDP} or {@code SCTP}; null for {@code TCP}
         * @param nodePort 0 for none, else 1..65535 (the real server's default range is 30000..32767)
         */
        public Port {
            name = name == null ? "" : name;
            protocol = protocol == null ? "TCP" : protocol;
            if (port < 1 || port > 65535 || targetPort < 1 || targetPort > 65535) {
                throw new IllegalArgumentException("ports must be 1..65535 (got " + port + " -> " + targetPort + ")");
            }
            if (nodePort < 0 || nodePort > 65535) {
                throw new IllegalArgumentException("a nodePort is 0 (none) or 1..65535 (got " + nodePort + ")");
            }
        }

        /** A port without a nodePort. */
        public Port(String name, int port, int targetPort, String protocol) {
            this(name, port, targetPort, protocol, 0);
        }

        public static Port tcp(String name, int port, int targetPort) {
            return new Port(name, port, targetPort, "TCP");
        }

        /** A TCP port that nodes serve on {@code nodePort} (for a {@code NodePort} or {@code LoadBalancer} Service). */
        public static Port tcp(String name, int port, int targetPort, int nodePort) {
            return new Port(name, port, targetPort, "TCP", nodePort);
        }

        /** This port with another {@code nodePort} (0: none). */
        public Port withNodePort(int nodePort) {
            return new Port(name, port, targetPort, protocol, nodePort);
        }
    }

    /**
     * One endpoint (pod) of a Service, with its EndpointSlice conditions and the node it runs on ({@code null}:
     * none given, and then the endpoint has no {@code nodeName}). An {@code ip} with a {@code ':'} is IPv6.
     */
    public record Endpoint(String ip, boolean ready, boolean serving, boolean terminating, String nodeName) {

        public Endpoint {
            if (ip == null || ip.isBlank()) {
                throw new IllegalArgumentException("an endpoint needs an IP address");
            }
            if (nodeName != null && nodeName.isBlank()) {
                throw new IllegalArgumentException("a node name is null (none) or not blank");
            }
        }

        /** An endpoint on no node in particular (no {@code nodeName}). */
        public Endpoint(String ip, boolean ready, boolean serving, boolean terminating) {
            this(ip, ready, serving, terminating, null);
        }

        /** A running pod that passes its readiness probe. */
        public static Endpoint ready(String ip) {
            return new Endpoint(ip, true, true, false);
        }

        /** A running pod that fails its readiness probe (or has none passing yet). */
        public static Endpoint notReady(String ip) {
            return new Endpoint(ip, false, false, false);
        }

        /** A pod being deleted that still serves until it stops. */
        public static Endpoint terminating(String ip) {
            return new Endpoint(ip, false, true, true);
        }

        /** This endpoint on that node ({@code nodeName}; null: none), e.g. {@code Endpoint.ready(ip).on("node-1")}. */
        public Endpoint on(String nodeName) {
            return new Endpoint(ip, ready, serving, terminating, nodeName);
        }

        /** {@code IPv6} if the IP holds a {@code ':'}, else {@code IPv4}: its EndpointSlice's {@code addressType}. */
        public String addressType() {
            return family(ip);
        }
    }

    /**
     * A Node as the caller sets it: its {@code Ready} condition's status ({@code True}, {@code False} or {@code
     * Unknown}), whether it is cordoned ({@code spec.unschedulable}) and its {@code status.addresses}.
     */
    public record Node(
            String name, Map<String, String> labels, String ready, boolean unschedulable, List<Address> addresses) {

        /** The label that keeps a node out of external load balancers' backends. */
        public static final String EXCLUDE_FROM_EXTERNAL_LOAD_BALANCERS =
                "node.kubernetes.io/exclude-from-external-load-balancers";

        /** One of a Node's {@code status.addresses}. */
        public record Address(String type, String address) {

            public Address {
                if (!List.of("InternalIP", "ExternalIP", "Hostname", "InternalDNS", "ExternalDNS")
                        .contains(type)) {
                    throw new IllegalArgumentException("a node address type is InternalIP, ExternalIP, Hostname,"
                            + " InternalDNS or ExternalDNS (got " + type + ")");
                }
                if (address == null || address.isBlank()) {
                    throw new IllegalArgumentException("a node address needs an address");
                }
            }

            public static Address internalIp(String ip) {
                return new Address("InternalIP", ip);
            }

            public static Address externalIp(String ip) {
                return new Address("ExternalIP", ip);
            }

            public static Address hostname(String hostname) {
                return new Address("Hostname", hostname);
            }
        }

        public Node {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a node needs a name");
            }
            if (!List.of("True", "False", "Unknown").contains(ready)) {
                throw new IllegalArgumentException("a node's Ready is True, False or Unknown (got " + ready + ")");
            }
            labels = Map.copyOf(labels);
            addresses = List.copyOf(addresses);
        }

        /**
         * A ready, schedulable node as a kubelet registers it: labelled {@code kubernetes.io/hostname}, {@code
         * kubernetes.io/os} and {@code kubernetes.io/arch}, with addresses {@code InternalIP} and {@code Hostname}.
         */
        public static Node of(String name, String internalIp) {
            return new Node(
                    name,
                    Map.of("kubernetes.io/hostname", name, "kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64"),
                    "True",
                    false,
                    List.of(Address.internalIp(internalIp), Address.hostname(name)));
        }

        /** This node with its Ready condition's status {@code True}, {@code False} or {@code Unknown}. */
        public Node withReady(String status) {
            return new Node(name, labels, status, unschedulable, addresses);
        }

        /** This node with Ready {@code False}: its kubelet reports it not ready. */
        public Node notReady() {
            return withReady("False");
        }

        /** This node cordoned ({@code spec.unschedulable: true}) or not. */
        public Node withUnschedulable(boolean unschedulable) {
            return new Node(name, labels, ready, unschedulable, addresses);
        }

        /** This node cordoned: {@code spec.unschedulable: true}. */
        public Node cordoned() {
            return withUnschedulable(true);
        }

        /** This node with one more label (or another value for it). */
        public Node withLabel(String key, String value) {
            Map<String, String> more = new TreeMap<>(labels);
            more.put(key, value);
            return new Node(name, more, ready, unschedulable, addresses);
        }

        /** This node labelled {@value #EXCLUDE_FROM_EXTERNAL_LOAD_BALANCERS} (value {@code "true"}). */
        public Node excludedFromExternalLoadBalancers() {
            return withLabel(EXCLUDE_FROM_EXTERNAL_LOAD_BALANCERS, "true");
        }

        /** This node with these {@code status.addresses}, in this order. */
        public Node withAddresses(Address... addresses) {
            return new Node(name, labels, ready, unschedulable, List.of(addresses));
        }
    }

    /**
     * A Service as the caller last set it: {@code externalTrafficPolicy} null unless the type is {@code NodePort} or
     * {@code LoadBalancer}, {@code externalName} null unless it is {@code ExternalName}, {@code ipFamilies} null
     * while the caller has not set them (then they follow the endpoints, see {@link #families}).
     */
    private record Spec(
            String namespace,
            String name,
            Map<String, String> labels,
            Map<String, String> annotations,
            List<Port> ports,
            List<Endpoint> endpoints,
            String created,
            String type,
            String externalTrafficPolicy,
            String externalName,
            List<String> ipFamilies) {

        Spec(
                String namespace,
                String name,
                Map<String, String> labels,
                Map<String, String> annotations,
                List<Port> ports,
                List<Endpoint> endpoints,
                String created) {
            this(namespace, name, labels, annotations, ports, endpoints, created, "ClusterIP", null, null, null);
        }

        Spec withLabelsAnnotationsPorts(Map<String, String> labels, Map<String, String> annotations, List<Port> ports) {
            return new Spec(
                    namespace,
                    name,
                    labels,
                    annotations,
                    ports,
                    endpoints,
                    created,
                    type,
                    externalTrafficPolicy,
                    externalName,
                    ipFamilies);
        }

        Spec withEndpoints(List<Endpoint> endpoints) {
            return new Spec(
                    namespace,
                    name,
                    labels,
                    annotations,
                    ports,
                    endpoints,
                    created,
                    type,
                    externalTrafficPolicy,
                    externalName,
                    ipFamilies);
        }

        Spec withType(String type, String externalTrafficPolicy, String externalName) {
            return new Spec(
                    namespace,
                    name,
                    labels,
                    annotations,
                    ports,
                    endpoints,
                    created,
                    type,
                    externalTrafficPolicy,
                    externalName,
                    ipFamilies);
        }

        Spec withIpFamilies(List<String> ipFamilies) {
            return new Spec(
                    namespace,
                    name,
                    labels,
                    annotations,
                    ports,
                    endpoints,
                    created,
                    type,
                    externalTrafficPolicy,
                    externalName,
                    ipFamilies);
        }

        /**
         * The Service's IP families, primary first: those the caller set, else those of its endpoints in the order
         * they first appear ({@code IPv4} when it has none), as if it had been created for the pods it selects.
         */
        List<String> families() {
            if (ipFamilies != null) {
                return ipFamilies;
            }
            Set<String> seen = new LinkedHashSet<>();
            for (Endpoint e : endpoints) {
                seen.add(e.addressType());
            }
            return seen.isEmpty() ? List.of("IPv4") : List.copyOf(seen);
        }

        boolean isExternalName() {
            return type.equals("ExternalName");
        }
    }

    /**
     * A Service with the objects served for it, rendered once when they change, as the API server keeps objects
     * serialized; each carries the revision of its own last change. An {@code ExternalName} Service has neither
     * slices nor Endpoints ({@code endpoints} null).
     */
    private record Service(Spec spec, Stored json, List<Stored> slices, Stored endpoints) {

        String namespace() {
            return spec.namespace();
        }

        Map<String, String> labels() {
            return spec.labels();
        }
    }

    /** A Node as the caller last set it, when it was made and its Ready status last changed, and its JSON. */
    private record NodeEntry(Node node, String created, String transition, Stored json) {}

    /** An object as JSON (a list item), with what lists select and page by, and its resourceVersion. */
    private record Stored(String key, Map<String, String> labels, String json, long version) {}

    /**
     * One change to one object, at revision {@code object.version()}: {@code previous} is the object before it
     * (null when ADDED); a DELETED change's {@code object} is the last state with the revision of the deletion.
     */
    private record Change(String resource, String type, Stored object, Stored previous) {

        long revision() {
            return object.version();
        }

        /** The object's namespace; null for a cluster-scoped one (a Node), whose key has no {@code '/'}. */
        String namespace() {
            int slash = object.key().indexOf('/');
            return slash < 0 ? null : object.key().substring(0, slash);
        }
    }

    /** A watch as it was asked for, with where it starts (the answer carries it instead of a body). */
    private record WatchPlan(
            String resource,
            String namespace,
            LabelSelector selector,
            List<Stored> initial,
            long position,
            String error,
            long timeoutNanos,
            boolean bookmarks,
            long generation) {}

    /** What a continue token stands for: the rest of one list as it was when its first page was read. */
    private record Snapshot(List<Stored> items, int offset, long resourceVersion) {}

    /** The next {@code remaining} requests to a path fail with {@code code}. */
    private static final class Fault {
        final int code;
        int remaining;

        Fault(int code, int remaining) {
            this.code = code;
            this.remaining = remaining;
        }
    }

    /** A parsed request path: the RBAC view of it (for 403 and 404 messages) and what to answer. */
    private record Route(String verb, String group, String resource, String namespace, String name) {}

    private record Answer(int code, String json, WatchPlan watch) {

        Answer(int code, String json) {
            this(code, json, null);
        }
    }

    /** An error answer, thrown from deep inside a handler. */
    private static final class ApiError extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Answer answer;

        ApiError(Answer answer) {
            super(null, null, false, false);
            this.answer = answer;
        }
    }

    private final HttpsServer server;
    private final ExecutorService executor;
    private final Path caFile;
    private final byte[] authorization;
    private final AtomicInteger requests = new AtomicInteger();

    private final Object lock = new Object();
    private final Map<String, Service> services = new TreeMap<>(); // "ns/name", the order etcd lists them in
    private final Map<String, NodeEntry> nodes = new TreeMap<>(); // by name, the order etcd lists them in
    private final Map<String, Fault> faults = new HashMap<>();
    private final Map<String, Snapshot> continues = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Snapshot> eldest) {
            return size() > REMEMBERED_CONTINUE_TOKENS;
        }
    };
    private long revision = 1000;
    /** The last {@link #MAX_HISTORY} changes (fewer if they hold more than {@link #MAX_HISTORY_CHARS}). */
    private final ArrayDeque<Change> history = new ArrayDeque<>();

    private long historyChars;
    /** Every change with a revision above this one is in {@link #history}. */
    private long historyStart = revision;

    private int openWatches;
    /** Bumped by {@link #dropWatches}: a watch started under an older value breaks off. */
    private long drops;

    private boolean closed;
    private long bookmarkNanos = Duration.ofSeconds(60).toNanos();

    private StandInKubernetesApi(HttpsServer server, ExecutorService executor, Path caFile, String token) {
        this.server = server;
        this.executor = executor;
        this.caFile = caFile;
        this.authorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Makes a self-signed certificate in {@code workDir/kubernetes-api/} and starts serving.
     *
     * @param token the bearer token every request must carry
     * @throws IOException if the certificate cannot be made or the port cannot be bound
     */
    public static StandInKubernetesApi start(Path workDir, String token) throws IOException {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the stand-in needs a non-empty bearer token");
        }
        SelfSignedCertificate certificate = SelfSignedCertificate.generate(
                workDir.resolve("kubernetes-api"), "kube-lm-agent stand-in Kubernetes API");
        HttpsServer server = LocalServers.https(new InetSocketAddress("127.0.0.1", 0), certificate);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stand-in-kubernetes-api-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // A thread per exchange in flight (the default runs every exchange on the one dispatcher thread): a
        // watch holds its thread for as long as it is open, and must not keep lists waiting.
        server.setExecutor(executor);
        StandInKubernetesApi api = new StandInKubernetesApi(server, executor, certificate.pem(), token.strip());
        server.createContext("/", api::handle);
        server.start();
        return api;
    }

    /** {@code https://127.0.0.1:<port>}: the agent's {@code kubernetes.server}. */
    public URI url() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The PEM certificate to trust: the agent's {@code kubernetes.caFile}. */
    public Path caFile() {
        return caFile;
    }

    /**
     * Adds or replaces a Service (its endpoints, if it had any, stay).
     *
     * @param labels      e.g. {@code kempLB=Enabled}
     * @param annotations e.g. {@code vsid=3}
     */
    public StandInKubernetesApi service(
            String namespace,
            String name,
            Map<String, String> labels,
            Map<String, String> annotations,
            List<Port> ports) {
        String key = key(namespace, name);
        synchronized (lock) {
            Service old = services.get(key);
            commit(
                    key,
                    old == null
                            ? new Spec(
                                    namespace,
                                    name,
                                    Map.copyOf(labels),
                                    Map.copyOf(annotations),
                                    List.copyOf(ports),
                                    List.of(),
                                    now())
                            : old.spec()
                                    .withLabelsAnnotationsPorts(
                                            Map.copyOf(labels), Map.copyOf(annotations), List.copyOf(ports)));
        }
        return this;
    }

    /**
     * Sets the {@code spec.type} and {@code spec.externalTrafficPolicy} of a Service that {@link #service} added
     * (a new Service is {@code ClusterIP}).
     *
     * @param type                  {@code ClusterIP}, {@code NodePort} or {@code LoadBalancer} (for {@code
     *                              ExternalName}, see {@link #externalName})
     * @param externalTrafficPolicy {@code Cluster} or {@code Local} for {@code NodePort} and {@code LoadBalancer}
     *                              (null: {@code Cluster}, as the real server defaults it); null for {@code
     *                              ClusterIP}, which the real server refuses it for
     */
    public StandInKubernetesApi serviceType(String namespace, String name, String type, String externalTrafficPolicy) {
        boolean external = "NodePort".equals(type) || "LoadBalancer".equals(type);
        if (!external && !"ClusterIP".equals(type)) {
            throw new IllegalArgumentException("a Service type here is ClusterIP, NodePort or LoadBalancer (got " + type
                    + "; use externalName(...) for ExternalName)");
        }
        if (!external && externalTrafficPolicy != null) {
            throw new IllegalArgumentException(
                    "externalTrafficPolicy may only be set for NodePort and LoadBalancer Services");
        }
        String policy = external && externalTrafficPolicy == null ? "Cluster" : externalTrafficPolicy;
        if (external && !policy.equals("Cluster") && !policy.equals("Local")) {
            throw new IllegalArgumentException("externalTrafficPolicy is Cluster or Local (got " + policy + ")");
        }
        return edit(namespace, name, spec -> spec.withType(type, policy, null));
    }

    /**
     * Makes a Service that {@link #service} added an {@code ExternalName} one, an alias for {@code hostname}: it
     * has no cluster IP and no selector, so neither EndpointSlices nor Endpoints (they are deleted; its endpoints
     * come back if {@link #serviceType} makes it another type again).
     */
    public StandInKubernetesApi externalName(String namespace, String name, String hostname) {
        if (hostname == null || hostname.isBlank()) {
            throw new IllegalArgumentException("an ExternalName Service needs a hostname");
        }
        return edit(namespace, name, spec -> spec.withType("ExternalName", null, hostname));
    }

    /**
     * Sets a Service's {@code spec.ipFamilies}, primary first: {@code IPv4}, {@code IPv6}, or both in either order
     * ({@code ipFamilyPolicy} {@code PreferDualStack}, else {@code SingleStack}). Until they are set, they are the
     * families of the Service's endpoints (see the class comment). Endpoints of a family the Service does not have
     * are in neither its slices nor its Endpoints, as the controllers leave them out.
     */
    public StandInKubernetesApi ipFamilies(String namespace, String name, String... families) {
        List<String> list = List.of(families);
        if (list.isEmpty()
                || list.size() > 2
                || !List.of("IPv4", "IPv6").containsAll(list)
                || new LinkedHashSet<>(list).size() != list.size()) {
            throw new IllegalArgumentException("ipFamilies are IPv4, IPv6 or both, once each (got " + list + ")");
        }
        return edit(namespace, name, spec -> spec.withIpFamilies(list));
    }

    /** Sets the endpoints behind a Service that {@link #service} added. */
    public StandInKubernetesApi endpoints(String namespace, String name, List<Endpoint> endpoints) {
        List<Endpoint> copy = List.copyOf(endpoints);
        return edit(namespace, name, spec -> spec.withEndpoints(copy));
    }

    private StandInKubernetesApi edit(String namespace, String name, UnaryOperator<Spec> change) {
        String key = key(namespace, name);
        synchronized (lock) {
            Service s = services.get(key);
            if (s == null) {
                throw new IllegalArgumentException("no Service " + key + "; add it with service(...) first");
            }
            commit(key, change.apply(s.spec()));
        }
        return this;
    }

    /**
     * Sets the endpoints behind a Service to these pod IPs, all ready: any other endpoint, terminating ones
     * included, is gone.
     */
    public StandInKubernetesApi scale(String namespace, String name, String... podIps) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String ip : podIps) {
            endpoints.add(Endpoint.ready(ip));
        }
        return endpoints(namespace, name, endpoints);
    }

    /**
     * Marks pods of a Service as being deleted but still serving ({@link Endpoint#terminating}): an endpoint
     * with one of these IPs changes in place, and an IP the Service does not have yet is added. The other
     * endpoints stay; {@link #scale} removes these again unless it is given them.
     */
    public StandInKubernetesApi terminating(String namespace, String name, String... podIps) {
        String key = key(namespace, name);
        synchronized (lock) {
            Service s = services.get(key);
            if (s == null) {
                throw new IllegalArgumentException("no Service " + key + "; add it with service(...) first");
            }
            Set<String> marked = new LinkedHashSet<>(List.of(podIps));
            List<Endpoint> endpoints = new ArrayList<>();
            for (Endpoint e : s.spec().endpoints()) {
                endpoints.add(
                        marked.remove(e.ip()) ? Endpoint.terminating(e.ip()).on(e.nodeName()) : e);
            }
            for (String ip : marked) {
                endpoints.add(Endpoint.terminating(ip));
            }
            return endpoints(namespace, name, endpoints);
        }
    }

    /** Removes a Service, its EndpointSlices and its Endpoints; nothing happens if there is none. */
    public StandInKubernetesApi delete(String namespace, String name) {
        synchronized (lock) {
            commit(key(namespace, name), null);
        }
        return this;
    }

    /**
     * Adds or replaces a Node (cluster-scoped; its {@code metadata.name} is {@code node.name()}). Its {@code
     * creationTimestamp} stays when it is replaced; its conditions' {@code lastTransitionTime} changes when its
     * Ready status does.
     */
    public StandInKubernetesApi node(Node node) {
        Objects.requireNonNull(node, "node");
        synchronized (lock) {
            NodeEntry old = nodes.get(node.name());
            String created = old == null ? now() : old.created();
            String transition =
                    old == null ? created : old.node().ready().equals(node.ready()) ? old.transition() : now();
            Stored json = next(
                    "nodes",
                    old == null ? null : old.json(),
                    v -> new Stored(node.name(), node.labels(), GSON.toJson(node(node, created, transition, v)), v));
            nodes.put(node.name(), new NodeEntry(node, created, transition, json));
            lock.notifyAll();
        }
        return this;
    }

    /** Adds or replaces a ready, schedulable Node as {@link Node#of} makes it. */
    public StandInKubernetesApi node(String name, String internalIp) {
        return node(Node.of(name, internalIp));
    }

    /** Removes a Node; nothing happens if there is none. */
    public StandInKubernetesApi deleteNode(String name) {
        synchronized (lock) {
            NodeEntry old = nodes.remove(name);
            if (old != null) {
                deleted("nodes", old.json());
                lock.notifyAll();
            }
        }
        return this;
    }

    /**
     * Makes the next {@code times} authenticated requests to {@code path} fail with {@code status} and a
     * matching Status body (e.g. 500 {@code InternalError}, 403 {@code Forbidden}, 410 {@code Expired},
     * 429 {@code TooManyRequests} with {@code Retry-After}); {@code times} 0 clears it. A watch on the path
     * counts as a request to it, and fails the same way, before any event.
     *
     * @param path a request path without query, e.g. {@code /api/v1/services}
     */
    public StandInKubernetesApi failNext(String path, int times, int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an injected failure is a 4xx or 5xx status (got " + status + ")");
        }
        synchronized (lock) {
            if (times <= 0) {
                faults.remove(path);
            } else {
                faults.put(path, new Fault(status, times));
            }
        }
        return this;
    }

    /** How many requests arrived so far, answered or refused. */
    public int requests() {
        return requests.get();
    }

    /** How many watch responses are open now (their headers sent, their start fixed): wait for it in tests. */
    public int openWatches() {
        synchronized (lock) {
            return openWatches;
        }
    }

    /**
     * Breaks off every open watch as a broken connection does: the connection closes without another event
     * and without the end of the chunked response.
     */
    public void dropWatches() {
        synchronized (lock) {
            drops++;
            lock.notifyAll();
        }
    }

    /**
     * Forgets every change so far, as an etcd compaction does: a watch from a revision before now is answered
     * with an ERROR event holding a 410 {@code Expired} Status (a list then a watch from its resourceVersion
     * still works), and so is an open watch that has not yet sent the changes it would have to.
     */
    public void compactHistory() {
        synchronized (lock) {
            history.clear();
            historyChars = 0;
            historyStart = revision;
            lock.notifyAll();
        }
    }

    /** How long a watch that allows bookmarks stays without an event before it sends one (60 s to start with). */
    public StandInKubernetesApi bookmarkInterval(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("a bookmark interval is positive (got " + interval + ")");
        }
        synchronized (lock) {
            bookmarkNanos = interval.toNanos();
            lock.notifyAll();
        }
        return this;
    }

    /** Stops serving; open watches break off. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- the model's history (called holding the lock) ----

    /**
     * Stores what a Service is now ({@code spec}; null: deleted), its slices and its Endpoints, and records a
     * change, with a revision of its own, for each of those objects that changed (in that order: the Service, the
     * slices it keeps or gains, those it loses, its Endpoints).
     */
    private void commit(String key, Spec spec) {
        Service old = services.get(key);
        if (spec == null) {
            if (old == null) {
                return;
            }
            services.remove(key);
            deleted("services", old.json());
            for (Stored slice : old.slices()) {
                deleted("endpointslices", slice);
            }
            if (old.endpoints() != null) {
                deleted("endpoints", old.endpoints());
            }
        } else {
            Stored json = next(
                    "services",
                    old == null ? null : old.json(),
                    v -> new Stored(key, spec.labels(), GSON.toJson(service(spec, v)), v));
            Map<String, Stored> oldSlices = new LinkedHashMap<>();
            for (Stored slice : old == null ? List.<Stored>of() : old.slices()) {
                oldSlices.put(slice.key(), slice);
            }
            List<Stored> slices = new ArrayList<>();
            if (!spec.isExternalName()) {
                for (String family : spec.families()) {
                    List<Endpoint> ofFamily = ofFamily(spec, family);
                    int count = Math.max(1, (ofFamily.size() + MAX_ENDPOINTS_PER_SLICE - 1) / MAX_ENDPOINTS_PER_SLICE);
                    for (int i = 0; i < count; i++) {
                        int index = i;
                        String name = sliceName(spec, family, i);
                        slices.add(next(
                                "endpointslices",
                                oldSlices.remove(key(spec.namespace(), name)),
                                v -> slice(spec, family, ofFamily, index, v)));
                    }
                }
            }
            for (Stored gone : oldSlices.values()) {
                deleted("endpointslices", gone);
            }
            Stored endpoints = null;
            if (!spec.isExternalName()) {
                endpoints = next(
                        "endpoints",
                        old == null ? null : old.endpoints(),
                        v -> new Stored(key, spec.labels(), GSON.toJson(endpoints(spec, v)), v));
            } else if (old != null && old.endpoints() != null) {
                deleted("endpoints", old.endpoints());
            }
            services.put(key, new Service(spec, json, List.copyOf(slices), endpoints));
        }
        lock.notifyAll();
    }

    /** The Service's endpoints of one IP family, in the order the caller gave them. */
    private static List<Endpoint> ofFamily(Spec s, String family) {
        return s.endpoints().stream()
                .filter(e -> e.addressType().equals(family))
                .toList();
    }

    /** The object {@code render} makes now: {@code old} if it is the same, else a new revision of it. */
    private Stored next(String resource, Stored old, LongFunction<Stored> render) {
        if (old != null) {
            Stored same = render.apply(old.version());
            if (same.json().equals(old.json())) {
                return old;
            }
        }
        Stored now = render.apply(++revision);
        record(new Change(resource, old == null ? "ADDED" : "MODIFIED", now, old));
        return now;
    }

    private void deleted(String resource, Stored old) {
        long version = ++revision;
        record(new Change(
                resource,
                "DELETED",
                new Stored(old.key(), old.labels(), withResourceVersion(old.json(), version), version),
                old));
    }

    private void record(Change change) {
        history.addLast(change);
        historyChars += change.object().json().length();
        while (history.size() > MAX_HISTORY || (historyChars > MAX_HISTORY_CHARS && history.size() > 1)) {
            Change gone = history.removeFirst();
            historyChars -= gone.object().json().length();
            historyStart = gone.revision();
        }
    }

    // ---- HTTP ----

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        Answer answer;
        try {
            answer = answer(exchange);
        } catch (ApiError e) {
            answer = e.answer;
        } catch (RuntimeException e) {
            answer = status(500, "InternalError", "Internal error occurred: " + e, null);
        }
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        headers.set("Cache-Control", "no-cache, private");
        headers.set("Audit-Id", UUID.randomUUID().toString());
        if (answer.watch() != null) {
            stream(exchange, answer.watch());
            return;
        }
        byte[] body = answer.json().getBytes(StandardCharsets.UTF_8);
        if (answer.code() == 429) {
            headers.set("Retry-After", "1");
        }
        exchange.sendResponseHeaders(answer.code(), body.length); // Content-Length, not chunked
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private Answer answer(HttpExchange exchange) throws ApiError {
        String sent = exchange.getRequestHeaders().getFirst("Authorization");
        if (sent == null || !MessageDigest.isEqual(authorization, sent.getBytes(StandardCharsets.UTF_8))) {
            return status(401, "Unauthorized", "Unauthorized", null);
        }
        String path = exchange.getRequestURI().getPath();
        Route route = route(path);
        if (!"GET".equals(exchange.getRequestMethod())) {
            return status(
                    405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        boolean watch = route != null && route.verb().equals("list") && isTrue(query.get("watch"));
        if (watch) {
            route = new Route("watch", route.group(), route.resource(), route.namespace(), null);
        }
        synchronized (lock) {
            Fault fault = faults.get(path);
            if (fault != null) {
                if (--fault.remaining <= 0) {
                    faults.remove(path);
                }
                return failure(fault.code, route, path);
            }
            if (route == null) {
                return failure(404, null, path);
            }
            if (watch) {
                return new Answer(200, null, watch(route, query));
            }
            switch (route.resource() == null ? "discovery" : route.resource()) {
                case "discovery":
                    return new Answer(200, DISCOVERY);
                case "services":
                    return new Answer(200, listServices(route.namespace(), path, query));
                case "endpointslices":
                    return new Answer(200, listEndpointSlices(route.namespace(), path, query));
                case "nodes":
                    if (route.name() == null) {
                        LabelSelector selector = selector(query);
                        return new Answer(
                                200, list("NodeList", "v1", path, query, selector, items("nodes", null, selector)));
                    }
                    NodeEntry node = nodes.get(route.name());
                    if (node == null) {
                        return failure(404, route, path);
                    }
                    return new Answer(200, withKind("nodes", node.json().json()));
                default:
                    if (route.name() == null) {
                        return new Answer(200, listEndpoints(route.namespace(), path, query));
                    }
                    Service s = services.get(key(route.namespace(), route.name()));
                    if (s == null || s.endpoints() == null) {
                        return failure(404, route, path);
                    }
                    return new Answer(200, s.endpoints().json());
            }
        }
    }

    /** What Go's {@code strconv.ParseBool} takes for true. */
    private static boolean isTrue(String value) {
        return value != null && List.of("1", "t", "T", "true", "TRUE", "True").contains(value);
    }

    /** The routes served; null for any other path. */
    private static Route route(String path) {
        String[] p = path.split("/", -1);
        if (p.length == 3 && p[1].equals("apis") && p[2].equals("discovery.k8s.io")) {
            return new Route("get", "discovery.k8s.io", null, null, null);
        }
        if (p.length == 4 && p[1].equals("api") && p[2].equals("v1") && p[3].equals("services")) {
            return new Route("list", "", "services", null, null);
        }
        if (p.length == 4 && p[1].equals("api") && p[2].equals("v1") && p[3].equals("endpoints")) {
            return new Route("list", "", "endpoints", null, null);
        }
        if (p.length == 4 && p[1].equals("api") && p[2].equals("v1") && p[3].equals("nodes")) {
            return new Route("list", "", "nodes", null, null);
        }
        if (p.length == 5 && p[1].equals("api") && p[2].equals("v1") && p[3].equals("nodes") && !p[4].isEmpty()) {
            return new Route("get", "", "nodes", null, p[4]);
        }
        if (p.length == 5
                && p[1].equals("apis")
                && p[2].equals("discovery.k8s.io")
                && p[3].equals("v1")
                && p[4].equals("endpointslices")) {
            return new Route("list", "discovery.k8s.io", "endpointslices", null, null);
        }
        if (p.length == 6
                && p[1].equals("api")
                && p[2].equals("v1")
                && p[3].equals("namespaces")
                && !p[4].isEmpty()
                && p[5].equals("services")) {
            return new Route("list", "", "services", p[4], null);
        }
        if (p.length == 6
                && p[1].equals("api")
                && p[2].equals("v1")
                && p[3].equals("namespaces")
                && !p[4].isEmpty()
                && p[5].equals("endpoints")) {
            return new Route("list", "", "endpoints", p[4], null);
        }
        if (p.length == 7
                && p[1].equals("api")
                && p[2].equals("v1")
                && p[3].equals("namespaces")
                && !p[4].isEmpty()
                && p[5].equals("endpoints")
                && !p[6].isEmpty()) {
            return new Route("get", "", "endpoints", p[4], p[6]);
        }
        if (p.length == 7
                && p[1].equals("apis")
                && p[2].equals("discovery.k8s.io")
                && p[3].equals("v1")
                && p[4].equals("namespaces")
                && !p[5].isEmpty()
                && p[6].equals("endpointslices")) {
            return new Route("list", "discovery.k8s.io", "endpointslices", p[5], null);
        }
        return null;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.putIfAbsent(name, value);
            }
        }
        return query;
    }

    // ---- watches ----

    /** Where a watch starts, and what it sends first (called holding the lock). */
    private WatchPlan watch(Route route, Map<String, String> query) throws ApiError {
        LabelSelector selector = selector(query);
        long timeoutSeconds;
        try {
            timeoutSeconds = Long.parseLong(query.getOrDefault("timeoutSeconds", "0"));
        } catch (NumberFormatException e) {
            timeoutSeconds = -1;
        }
        if (timeoutSeconds < 0) {
            throw new ApiError(
                    status(400, "BadRequest", "invalid timeoutSeconds \"" + query.get("timeoutSeconds") + "\"", null));
        }
        String rv = query.getOrDefault("resourceVersion", "");
        List<Stored> initial = List.of();
        long position = revision;
        String error = null;
        if (rv.isEmpty() || rv.equals("0")) { // the current state, as synthetic ADDED events, then what follows
            initial = items(route.resource(), route.namespace(), selector);
        } else {
            try {
                position = Long.parseLong(rv);
            } catch (NumberFormatException e) {
                position = -1;
            }
            if (position < 0) {
                throw new ApiError(status(400, "BadRequest", "invalid resource version \"" + rv + "\"", null));
            }
            if (position < historyStart) {
                error = expired(position);
            }
        }
        return new WatchPlan(
                route.resource(),
                route.namespace(),
                selector,
                initial,
                position,
                error,
                Duration.ofSeconds(timeoutSeconds == 0 ? DEFAULT_WATCH_SECONDS : timeoutSeconds)
                        .toNanos(),
                isTrue(query.get("allowWatchBookmarks")),
                drops);
    }

    /** Answers a watch: 200, then one event a line, flushed, until it times out, fails or breaks off. */
    private void stream(HttpExchange exchange, WatchPlan plan) throws IOException {
        exchange.sendResponseHeaders(200, 0); // chunked
        OutputStream out = exchange.getResponseBody();
        synchronized (lock) {
            openWatches++;
        }
        try {
            for (Stored item : plan.initial()) {
                out.write(event("ADDED", withKind(plan.resource(), item.json())));
            }
            if (plan.error() != null) {
                out.write(event("ERROR", plan.error()));
                out.close();
                return;
            }
            out.flush();
            long position = plan.position();
            long start = System.nanoTime();
            long deadline = start + plan.timeoutNanos();
            long lastSent = start;
            while (true) {
                List<Change> changes = new ArrayList<>();
                List<byte[]> lines = new ArrayList<>();
                boolean end = false;
                synchronized (lock) {
                    while (true) {
                        if (closed || drops != plan.generation()) {
                            throw new IOException("watch broken off"); // the server closes the connection
                        }
                        long now = System.nanoTime();
                        long wakeAt = deadline;
                        if (position > revision) { // from a revision the stand-in has not reached (yet)
                            if (now - (start + TOO_LARGE_WAIT_NANOS) >= 0 || now - deadline >= 0) {
                                lines.add(event(
                                        "ERROR",
                                        status(
                                                        504,
                                                        "Timeout",
                                                        "Too large resource version: " + position + ", current: "
                                                                + revision,
                                                        object(
                                                                "causes",
                                                                List.of(object(
                                                                        "reason",
                                                                        "ResourceVersionTooLarge",
                                                                        "message",
                                                                        "Too large resource version")),
                                                                "retryAfterSeconds",
                                                                1))
                                                .json()));
                                end = true;
                                break;
                            }
                            wakeAt = start + TOO_LARGE_WAIT_NANOS;
                        } else if (position < historyStart) { // changes it has yet to send are forgotten
                            lines.add(event("ERROR", expired(position)));
                            end = true;
                            break;
                        } else if (revision > position) {
                            for (var it = history.descendingIterator(); it.hasNext(); ) {
                                Change c = it.next();
                                if (c.revision() <= position) {
                                    break;
                                }
                                if (c.resource().equals(plan.resource())
                                        && (plan.namespace() == null
                                                || plan.namespace().equals(c.namespace()))) {
                                    changes.add(c);
                                }
                            }
                            position = revision;
                            if (changes.isEmpty()) {
                                continue;
                            }
                            break;
                        } else if (now - deadline >= 0) {
                            if (plan.bookmarks()) {
                                lines.add(bookmark(plan.resource(), position));
                            }
                            end = true;
                            break;
                        } else if (plan.bookmarks()) {
                            if (now - (lastSent + bookmarkNanos) >= 0) {
                                lines.add(bookmark(plan.resource(), position));
                                break;
                            }
                            if (lastSent + bookmarkNanos - wakeAt < 0) {
                                wakeAt = lastSent + bookmarkNanos;
                            }
                        }
                        try {
                            lock.wait(Math.max(1, (wakeAt - now + 999_999) / 1_000_000));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted", e);
                        }
                    }
                }
                for (int i = changes.size() - 1; i >= 0; i--) {
                    byte[] line = event(plan, changes.get(i));
                    if (line != null) {
                        lines.add(line);
                    }
                }
                for (byte[] line : lines) {
                    out.write(line);
                    out.flush();
                }
                if (!lines.isEmpty()) {
                    lastSent = System.nanoTime();
                }
                if (end) {
                    out.close();
                    return;
                }
            }
        } finally {
            synchronized (lock) {
                openWatches--;
                lock.notifyAll();
            }
        }
    }

    /**
     * What a change looks like through a watch's label selector, as the real server's watch cache sends it: an
     * object that starts to match is ADDED, one that stops is DELETED (its last matching state, at this
     * revision); null if the watch does not see it.
     */
    private static byte[] event(WatchPlan plan, Change c) {
        boolean matches = !c.type().equals("DELETED")
                && plan.selector().matches(c.object().labels());
        boolean matched =
                c.previous() != null && plan.selector().matches(c.previous().labels());
        if (matches) {
            return event(
                    matched ? "MODIFIED" : "ADDED",
                    withKind(plan.resource(), c.object().json()));
        }
        if (!matched) {
            return null;
        }
        String last = c.type().equals("DELETED")
                ? c.object().json()
                : withResourceVersion(c.previous().json(), c.revision());
        return event("DELETED", withKind(plan.resource(), last));
    }

    private static byte[] event(String type, String object) {
        return ("{\"type\":\"" + type + "\",\"object\":" + object + "}\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bookmark(String resource, long resourceVersion) {
        String[] kind = kind(resource);
        return event(
                "BOOKMARK",
                GSON.toJson(object(
                        "kind",
                        kind[0],
                        "apiVersion",
                        kind[1],
                        "metadata",
                        object("resourceVersion", Long.toString(resourceVersion)))));
    }

    private String expired(long resourceVersion) {
        return status(410, "Expired", "too old resource version: " + resourceVersion + " (" + historyStart + ")", null)
                .json();
    }

    /** The kind and apiVersion of a resource's objects. */
    private static String[] kind(String resource) {
        switch (resource) {
            case "services":
                return new String[] {"Service", "v1"};
            case "endpointslices":
                return new String[] {"EndpointSlice", "discovery.k8s.io/v1"};
            case "nodes":
                return new String[] {"Node", "v1"};
            default:
                return new String[] {"Endpoints", "v1"};
        }
    }

    /** A list item as a watch sends it: with its {@code kind} and {@code apiVersion}, as the real server does. */
    private static String withKind(String resource, String json) {
        if (json.startsWith("{\"kind\"")) {
            return json;
        }
        String[] kind = kind(resource);
        return "{\"kind\":\"" + kind[0] + "\",\"apiVersion\":\"" + kind[1] + "\"," + json.substring(1);
    }

    /** The object with another {@code metadata.resourceVersion} (the first such field: metadata comes first). */
    private static String withResourceVersion(String json, long resourceVersion) {
        String field = "\"resourceVersion\":\"";
        int from = json.indexOf(field) + field.length();
        return json.substring(0, from) + resourceVersion + json.substring(json.indexOf('"', from));
    }

    // ---- resources (called holding the lock) ----

    /** The objects of a resource in a namespace (null: all) that the selector selects, in list order. */
    private List<Stored> items(String resource, String namespace, LabelSelector selector) {
        if (resource.equals("nodes")) {
            return nodes.values().stream()
                    .map(NodeEntry::json)
                    .filter(node -> selector.matches(node.labels()))
                    .toList();
        }
        Collection<Service> candidates = services.values();
        if (resource.equals("endpointslices") && namespace != null) {
            // The agent names the Services whose slices it wants: look those up rather than walk every Service.
            var only = selector.oneOf(SERVICE_NAME_LABEL);
            if (only.isPresent()) {
                candidates = only.get().stream()
                        .map(name -> services.get(key(namespace, name)))
                        .filter(Objects::nonNull)
                        .sorted(Comparator.comparing(s -> s.json().key()))
                        .toList();
            }
        }
        List<Stored> items = new ArrayList<>();
        for (Service s : candidates) {
            if (namespace == null || namespace.equals(s.namespace())) {
                List<Stored> objects = resource.equals("services")
                        ? List.of(s.json())
                        : resource.equals("endpointslices")
                                ? s.slices()
                                : s.endpoints() == null ? List.of() : List.of(s.endpoints());
                for (Stored object : objects) {
                    if (selector.matches(object.labels())) {
                        items.add(object);
                    }
                }
            }
        }
        return items;
    }

    private String listServices(String namespace, String path, Map<String, String> query) throws ApiError {
        LabelSelector selector = selector(query);
        return list("ServiceList", "v1", path, query, selector, items("services", namespace, selector));
    }

    private String listEndpointSlices(String namespace, String path, Map<String, String> query) throws ApiError {
        LabelSelector selector = selector(query);
        return list(
                "EndpointSliceList",
                "discovery.k8s.io/v1",
                path,
                query,
                selector,
                items("endpointslices", namespace, selector));
    }

    /** The core/v1 Endpoints; they carry their Service's name and labels. */
    private String listEndpoints(String namespace, String path, Map<String, String> query) throws ApiError {
        LabelSelector selector = selector(query);
        return list("EndpointsList", "v1", path, query, selector, items("endpoints", namespace, selector));
    }

    /** One page of a list, from {@code items} or, given a continue token, from the snapshot it stands for. */
    private String list(
            String kind,
            String apiVersion,
            String path,
            Map<String, String> query,
            LabelSelector selector,
            List<Stored> items)
            throws ApiError {
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "0"));
        } catch (NumberFormatException e) {
            throw new ApiError(status(400, "BadRequest", "invalid limit \"" + query.get("limit") + "\"", null));
        }
        String scope = " " + path + "?" + query.getOrDefault("labelSelector", "");
        String token = query.get("continue");
        Snapshot from = new Snapshot(items, 0, revision);
        if (token != null && !token.isEmpty()) {
            from = continues.get(token + scope);
            if (from == null) {
                throw new ApiError(failure(410, null, path));
            }
        }
        int end = limit > 0
                ? Math.min(from.items().size(), from.offset() + limit)
                : from.items().size();
        Map<String, Object> metadata = object("resourceVersion", Long.toString(from.resourceVersion()));
        if (end < from.items().size()) {
            String next = continueToken(from.resourceVersion(), from.items().get(end - 1));
            continues.put(next + scope, new Snapshot(from.items(), end, from.resourceVersion()));
            metadata.put("continue", next);
            if (selector.isEmpty()) { // like the real server: only a list without selectors counts what remains
                metadata.put("remainingItemCount", from.items().size() - end);
            }
        }
        String head = GSON.toJson(object("kind", kind, "apiVersion", apiVersion, "metadata", metadata));
        int length = head.length() + 16;
        for (int i = from.offset(); i < end; i++) {
            length += from.items().get(i).json().length() + 1;
        }
        StringBuilder json = new StringBuilder(length);
        json.append(head, 0, head.length() - 1).append(",\"items\":[");
        for (int i = from.offset(); i < end; i++) {
            json.append(i == from.offset() ? "" : ",")
                    .append(from.items().get(i).json());
        }
        return json.append("]}").toString();
    }

    /** Shaped like the real server's: base64url of {@code {"v":"meta.k8s.io/v1","rv":N,"start":"ns/name\0"}}. */
    private static String continueToken(long resourceVersion, Stored lastItem) {
        String json =
                GSON.toJson(object("v", "meta.k8s.io/v1", "rv", resourceVersion, "start", lastItem.key() + "\u0000"));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static LabelSelector selector(Map<String, String> query) throws ApiError {
        try {
            return LabelSelector.parse(query.get("labelSelector"));
        } catch (IllegalArgumentException e) {
            throw new ApiError(status(400, "BadRequest", e.getMessage(), null));
        }
    }

    private static Map<String, Object> service(Spec s, long version) {
        boolean nodePorts = s.type().equals("NodePort") || s.type().equals("LoadBalancer");
        List<Object> ports = new ArrayList<>();
        for (Port p : s.ports()) {
            ports.add(object(
                    "name",
                    p.name().isEmpty() ? null : p.name(),
                    "protocol",
                    p.protocol(),
                    "port",
                    p.port(),
                    "targetPort",
                    p.targetPort(),
                    "nodePort",
                    nodePorts && p.nodePort() > 0 ? p.nodePort() : null));
        }
        Map<String, Object> spec;
        if (s.isExternalName()) { // no cluster IP, no selector, no IP families
            spec = object(
                    "ports",
                    ports.isEmpty() ? null : ports,
                    "type",
                    "ExternalName",
                    "sessionAffinity",
                    "None",
                    "externalName",
                    s.externalName());
        } else {
            List<String> clusterIps = new ArrayList<>();
            for (String family : s.families()) {
                clusterIps.add(clusterIp(s, family));
            }
            spec = object(
                    "ports",
                    ports,
                    "selector",
                    Map.of("app.kubernetes.io/name", s.name()),
                    "clusterIP",
                    clusterIps.get(0),
                    "clusterIPs",
                    clusterIps,
                    "type",
                    s.type(),
                    "sessionAffinity",
                    "None",
                    "externalTrafficPolicy",
                    s.externalTrafficPolicy(),
                    "ipFamilies",
                    s.families(),
                    "ipFamilyPolicy",
                    s.families().size() > 1 ? "PreferDualStack" : "SingleStack",
                    "allocateLoadBalancerNodePorts",
                    s.type().equals("LoadBalancer") ? true : null,
                    "internalTrafficPolicy",
                    "Cluster");
        }
        return object(
                "metadata",
                        metadata(
                                s.namespace(),
                                s.name(),
                                uid("service", s),
                                version,
                                s.created(),
                                s.labels(),
                                s.annotations()),
                "spec", spec,
                "status", object("loadBalancer", Map.of()));
    }

    /** The Service's cluster IP of a family: in 10.96.0.0/12 or fd00:10:96::/108, the kind defaults. */
    private static String clusterIp(Spec s, String family) {
        int a = Math.floorMod(key(s.namespace(), s.name()).hashCode(), 250) + 1;
        int b = Math.floorMod(key(s.name(), s.namespace()).hashCode(), 250) + 1;
        return family.equals("IPv6") ? "fd00:10:96::" + Integer.toHexString(a << 8 | b) : "10.96." + a + "." + b;
    }

    /**
     * The name of slice {@code i} of one family of the Service (the IPv4 ones named as before the stand-in knew
     * other families).
     */
    private static String sliceName(Spec s, String family, int i) {
        String seed = key(s.namespace(), s.name()) + (family.equals("IPv4") ? "" : "#" + family) + "#" + i;
        return s.name() + "-" + suffix(seed);
    }

    /** Slice {@code i} of the Service's endpoints of one family, at this resourceVersion. */
    private static Stored slice(Spec s, String family, List<Endpoint> ofFamily, int i, long version) {
        List<Object> ports = new ArrayList<>();
        for (Port p : s.ports()) {
            ports.add(object("name", p.name(), "port", p.targetPort(), "protocol", p.protocol()));
        }
        Map<String, String> labels = new TreeMap<>(s.labels());
        labels.put(SERVICE_NAME_LABEL, s.name());
        labels.put("endpointslice.kubernetes.io/managed-by", SLICE_CONTROLLER);
        List<Endpoint> chunk = ofFamily.subList(
                i * MAX_ENDPOINTS_PER_SLICE, Math.min(ofFamily.size(), (i + 1) * MAX_ENDPOINTS_PER_SLICE));
        List<Object> endpoints = new ArrayList<>();
        for (Endpoint e : chunk) {
            endpoints.add(object(
                    "addresses",
                    List.of(e.ip()),
                    "conditions",
                    object("ready", e.ready(), "serving", e.serving(), "terminating", e.terminating()),
                    "nodeName",
                    e.nodeName(),
                    "targetRef",
                    pod(s, e)));
        }
        String name = sliceName(s, family, i);
        Map<String, Object> metadata = metadata(
                s.namespace(),
                name,
                family.equals("IPv4") ? uid("endpointslice", s, i) : uid("endpointslice", s, family, i),
                version,
                s.created(),
                labels,
                Map.of("endpoints.kubernetes.io/last-change-trigger-time", s.created()));
        metadata.put("generateName", s.name() + "-");
        metadata.put(
                "ownerReferences",
                List.of(object(
                        "apiVersion",
                        "v1",
                        "kind",
                        "Service",
                        "name",
                        s.name(),
                        "uid",
                        uid("service", s),
                        "controller",
                        true,
                        "blockOwnerDeletion",
                        true)));
        // A family without endpoints still has one (placeholder) slice, with neither endpoints nor ports.
        return new Stored(
                key(s.namespace(), name),
                labels,
                GSON.toJson(object(
                        "metadata",
                        metadata,
                        "addressType",
                        family,
                        "endpoints",
                        chunk.isEmpty() ? null : endpoints,
                        "ports",
                        chunk.isEmpty() ? null : ports)),
                version);
    }

    /** The core/v1 Endpoints: only the addresses of the Service's primary IP family, as the endpoints controller. */
    private static Map<String, Object> endpoints(Spec s, long version) {
        List<Object> ready = new ArrayList<>();
        List<Object> notReady = new ArrayList<>();
        for (Endpoint e : ofFamily(s, s.families().get(0))) {
            if (!e.terminating()) {
                (e.ready() ? ready : notReady)
                        .add(object("ip", e.ip(), "nodeName", e.nodeName(), "targetRef", pod(s, e)));
            }
        }
        List<Object> ports = new ArrayList<>();
        for (Port p : s.ports()) {
            ports.add(object(
                    "name", p.name().isEmpty() ? null : p.name(), "port", p.targetPort(), "protocol", p.protocol()));
        }
        List<Object> subsets = ready.isEmpty() && notReady.isEmpty()
                ? null
                : List.of(object(
                        "addresses", ready.isEmpty() ? null : ready,
                        "notReadyAddresses", notReady.isEmpty() ? null : notReady,
                        "ports", ports));
        return object(
                "kind",
                "Endpoints",
                "apiVersion",
                "v1",
                "metadata",
                metadata(
                        s.namespace(),
                        s.name(),
                        uid("endpoints", s),
                        version,
                        s.created(),
                        s.labels(),
                        Map.of("endpoints.kubernetes.io/last-change-trigger-time", s.created())),
                "subsets",
                subsets);
    }

    /**
     * A Node as the real server serves it (a list item: without {@code kind} and {@code apiVersion}): the labels
     * and addresses the caller gave, {@code spec.unschedulable} only when true, the taints the node controllers
     * would add, and the kubelet's four conditions, {@code Ready} last (all {@code Unknown} when Ready is, as the
     * node lifecycle controller marks a node whose kubelet stopped posting).
     */
    private static Map<String, Object> node(Node n, String created, String transition, long version) {
        List<Object> taints = new ArrayList<>();
        if (n.unschedulable()) {
            taints.add(object("key", "node.kubernetes.io/unschedulable", "effect", "NoSchedule"));
        }
        if (n.ready().equals("False")) {
            taints.add(object("key", "node.kubernetes.io/not-ready", "effect", "NoSchedule"));
        } else if (n.ready().equals("Unknown")) {
            taints.add(object("key", "node.kubernetes.io/unreachable", "effect", "NoSchedule"));
        }
        boolean unknown = n.ready().equals("Unknown");
        List<Object> conditions = new ArrayList<>();
        String[][] pressures = {
            {"MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
            {"DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
            {"PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"}
        };
        for (String[] p : pressures) {
            conditions.add(condition(
                    p[0],
                    unknown ? "Unknown" : "False",
                    created,
                    unknown ? transition : created,
                    unknown ? "NodeStatusUnknown" : p[1],
                    unknown ? "Kubelet stopped posting node status." : p[2]));
        }
        conditions.add(
                switch (n.ready()) {
                    case "True" ->
                        condition(
                                "Ready",
                                "True",
                                created,
                                transition,
                                "KubeletReady",
                                "kubelet is posting ready status");
                    case "False" ->
                        condition(
                                "Ready",
                                "False",
                                created,
                                transition,
                                "KubeletNotReady",
                                "container runtime network not ready: NetworkReady=false"
                                        + " reason:NetworkPluginNotReady message:Network plugin returns error:"
                                        + " cni plugin not initialized");
                    default ->
                        condition(
                                "Ready",
                                "Unknown",
                                created,
                                transition,
                                "NodeStatusUnknown",
                                "Kubelet stopped posting node status.");
                });
        List<Object> addresses = new ArrayList<>();
        for (Node.Address a : n.addresses()) {
            addresses.add(object("type", a.type(), "address", a.address()));
        }
        Map<String, Object> metadata = metadata(
                null,
                n.name(),
                UUID.nameUUIDFromBytes(("node/" + n.name() + "/" + created).getBytes(StandardCharsets.UTF_8))
                        .toString(),
                version,
                created,
                n.labels(),
                Map.of(
                        "node.alpha.kubernetes.io/ttl",
                        "0",
                        "volumes.kubernetes.io/controller-managed-attach-detach",
                        "true"));
        return object(
                "metadata",
                metadata,
                "spec",
                object("unschedulable", n.unschedulable() ? true : null, "taints", taints.isEmpty() ? null : taints),
                "status",
                object(
                        "conditions",
                        conditions,
                        "addresses",
                        addresses.isEmpty() ? null : addresses,
                        "daemonEndpoints",
                        object("kubeletEndpoint", object("Port", 10250))));
    }

    private static Map<String, Object> condition(
            String type, String status, String heartbeat, String transition, String reason, String message) {
        return object(
                "type",
                type,
                "status",
                status,
                "lastHeartbeatTime",
                heartbeat,
                "lastTransitionTime",
                transition,
                "reason",
                reason,
                "message",
                message);
    }

    private static Map<String, Object> metadata(
            String namespace,
            String name,
            String uid,
            long resourceVersion,
            String created,
            Map<String, String> labels,
            Map<String, String> annotations) {
        return object(
                "name",
                name,
                "namespace",
                namespace,
                "uid",
                uid,
                "resourceVersion",
                Long.toString(resourceVersion),
                "creationTimestamp",
                created,
                "labels",
                labels.isEmpty() ? null : new TreeMap<>(labels),
                "annotations",
                annotations.isEmpty() ? null : new TreeMap<>(annotations));
    }

    private static Map<String, Object> pod(Spec s, Endpoint e) {
        String name = s.name() + "-" + suffix(s.name()) + "-" + suffix(e.ip());
        return object(
                "kind",
                "Pod",
                "namespace",
                s.namespace(),
                "name",
                name,
                "uid",
                UUID.nameUUIDFromBytes(("pod/" + s.namespace() + "/" + name).getBytes(StandardCharsets.UTF_8))
                        .toString());
    }

    /** {@code IPv6} if the address holds a {@code ':'}, else {@code IPv4}. */
    private static String family(String ip) {
        return ip.indexOf(':') >= 0 ? "IPv6" : "IPv4";
    }

    // ---- errors ----

    /** The Status the real server sends for {@code code} on this route. */
    private static Answer failure(int code, Route route, String path) {
        switch (code) {
            case 401:
                return status(401, "Unauthorized", "Unauthorized", null);
            case 403:
                if (route == null || route.resource() == null) {
                    return status(
                            403,
                            "Forbidden",
                            "forbidden: User \"" + USER + "\" cannot get path \"" + path + "\"",
                            object());
                }
                String qualified = route.group().isEmpty() ? route.resource() : route.resource() + "." + route.group();
                return status(
                        403,
                        "Forbidden",
                        qualified + (route.name() == null ? "" : " \"" + route.name() + "\"")
                                + " is forbidden: User \"" + USER + "\" cannot " + route.verb() + " resource \""
                                + route.resource() + "\" in API group \"" + route.group() + "\""
                                + (route.namespace() == null
                                        ? " at the cluster scope"
                                        : " in the namespace \"" + route.namespace() + "\""),
                        object(
                                "name",
                                route.name(),
                                "group",
                                route.group().isEmpty() ? null : route.group(),
                                "kind",
                                route.resource()));
            case 404:
                if (route != null && route.name() != null) {
                    return status(
                            404,
                            "NotFound",
                            route.resource() + " \"" + route.name() + "\" not found",
                            object("name", route.name(), "kind", route.resource()));
                }
                return status(404, "NotFound", "the server could not find the requested resource", object());
            case 410:
                return status(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent list"
                                + " result. You can start a new list without the continue parameter, or use the continue token"
                                + " in this response to retrieve the remainder of the results. Continuing with the provided token"
                                + " results in an inconsistent list - objects that were created, modified, or deleted between the"
                                + " time the first chunk was returned and now may show up in the list.",
                        null);
            case 429:
                return status(
                        429,
                        "TooManyRequests",
                        "Too many requests, please try again later.",
                        object("retryAfterSeconds", 1));
            case 500:
                return status(
                        500,
                        "InternalError",
                        "Internal error occurred: etcdserver: request timed out",
                        object("causes", List.of(object("message", "etcdserver: request timed out"))));
            case 503:
                return status(503, "ServiceUnavailable", "the server is currently unable to handle the request", null);
            case 504:
                return status(
                        504,
                        "Timeout",
                        "the server was unable to return a response in the time allotted,"
                                + " but may still be processing the request",
                        null);
            default:
                return status(
                        code,
                        code >= 500 ? "InternalError" : "BadRequest",
                        "failure injected by the stand-in Kubernetes API",
                        null);
        }
    }

    private static Answer status(int code, String reason, String message, Map<String, Object> details) {
        return new Answer(
                code,
                GSON.toJson(object(
                        "kind",
                        "Status",
                        "apiVersion",
                        "v1",
                        "metadata",
                        Map.of(),
                        "status",
                        "Failure",
                        "message",
                        message,
                        "reason",
                        reason,
                        "details",
                        details,
                        "code",
                        code)));
    }

    // ---- helpers ----

    /** An ordered JSON object from name/value pairs; null values are left out. */
    private static Map<String, Object> object(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                map.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return map;
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    private static String uid(String kind, Spec s, Object... more) {
        String seed = kind + "/" + key(s.namespace(), s.name()) + "/" + s.created() + List.of(more);
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Five characters from the alphabet Kubernetes uses for generated names. */
    private static String suffix(String seed) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        int h = seed.hashCode();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            s.append(alphabet.charAt(Math.floorMod(h, alphabet.length())));
            h = h / alphabet.length() + 31 * i + 7;
        }
        return s.toString();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
