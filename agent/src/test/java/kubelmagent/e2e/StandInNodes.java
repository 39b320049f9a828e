package kubelmagent.e2e;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scheduler and the kubelets of a cluster that has neither, played through the real API: it
 * registers two Nodes, binds each pending pod to one ({@code pods/binding}), and reports each bound pod
 * Running with an IP from its node's pod CIDR and the readiness the test chose ({@code pods/status}),
 * so that the real controllers build EndpointSlices and Endpoints. A pod being deleted is finalized
 * after the delay the test chose, so a terminating pod can be watched.
 *
 * <p>A test may register more nodes ({@link #addNode}), play their kubelet's Ready condition ({@link
 * #setNodeReady}), and choose the nodes the pods of its namespace are bound to ({@link #placeIn}); pods of
 * other namespaces go to {@link #NODES}, round robin. A node the test removed ({@link #removeNode}) is left
 * alone with its pods.
 */
final class StandInNodes {

    record Node(String name, String podPrefix, String address) {}

    static final List<Node> NODES =
            List.of(new Node("node-1", "10.244.1.", "192.168.50.11"), new Node("node-2", "10.244.2.", "192.168.50.12"));

    private final Kube admin;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "e2e-stand-in-nodes");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Boolean> readiness = new ConcurrentHashMap<>();
    private final Map<String, Instant> terminatingSince = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> nextHost = new ConcurrentHashMap<>();
    private final AtomicInteger bindings = new AtomicInteger();
    private final Map<String, Node> known = new ConcurrentHashMap<>();
    private final Map<String, List<String>> placements = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> placed = new ConcurrentHashMap<>();
    private volatile Duration terminationDelay = Duration.ZERO;
    private volatile String lastError = "";

    StandInNodes(Kube admin) {
        this.admin = admin;
    }

    void start() {
        NODES.forEach(this::register);
        loop.scheduleWithFixedDelay(this::tick, 0, 100, TimeUnit.MILLISECONDS);
    }

    /** Registers a node (again), Ready, with its InternalIP and pod CIDR, as its kubelet would. */
    void addNode(Node node) {
        register(node);
    }

    /** Deletes a node the test added; its pods are left as they are. */
    void removeNode(String name) {
        known.remove(name);
        ignoreMissing(() -> admin.delete("/api/v1/nodes/" + name));
    }

    /** Reports the node's Ready condition {@code True} or {@code False}, as its kubelet (or its silence) would. */
    void setNodeReady(String name, boolean ready) {
        Node node = known.get(name);
        admin.patch(
                "/api/v1/nodes/" + name + "/status",
                Map.of(
                        "status",
                        Map.of(
                                "conditions",
                                        List.of(Map.of(
                                                "type",
                                                "Ready",
                                                "status",
                                                ready ? "True" : "False",
                                                "reason",
                                                ready ? "KubeletReady" : "KubeletNotReady")),
                                "addresses", List.of(Map.of("type", "InternalIP", "address", node.address())))));
    }

    /**
     * From now on, pods of the namespace that are not bound yet are bound to these nodes, round robin ({@link
     * #NODES} until a test says).
     */
    void placeIn(String namespace, String... nodes) {
        placements.put(namespace, List.of(nodes));
    }

    private void register(Node node) {
        known.put(node.name(), node);
        if (!admin.exists("/api/v1/nodes/" + node.name())) {
            admin.post(
                    "/api/v1/nodes",
                    Map.of(
                            "metadata",
                                    Map.of(
                                            "name",
                                            node.name(),
                                            "labels",
                                            Map.of("kubernetes.io/hostname", node.name())),
                            "spec",
                                    Map.of(
                                            "podCIDR",
                                            node.podPrefix() + "0/24",
                                            "podCIDRs",
                                            List.of(node.podPrefix() + "0/24"))));
        }
        setNodeReady(node.name(), true);
    }

    void stop() {
        loop.shutdownNow();
    }

    /** From now on, the pod reports this readiness (all pods start ready). */
    void setReady(String namespace, String pod, boolean ready) {
        readiness.put(namespace + "/" + pod, ready);
    }

    /** How long a deleted pod stays terminating before its "kubelet" finalizes it. */
    void finalizeTerminatingPodsAfter(Duration delay) {
        terminationDelay = delay;
    }

    /** The last error of the loop, for a test's failure message. */
    String lastError() {
        return lastError;
    }

    private void tick() {
        try {
            for (JsonElement item : admin.get("/api/v1/pods").getAsJsonArray("items")) {
                handle(item.getAsJsonObject());
            }
        } catch (RuntimeException e) {
            lastError = Instant.now() + " " + e.getMessage(); // the API server may be stopped on purpose
        }
    }

    private void handle(JsonObject pod) {
        JsonObject metadata = pod.getAsJsonObject("metadata");
        String namespace = metadata.get("namespace").getAsString();
        String name = metadata.get("name").getAsString();
        String path = "/api/v1/namespaces/" + namespace + "/pods/" + name;
        if (metadata.has("deletionTimestamp")) {
            Instant since = terminatingSince.computeIfAbsent(metadata.get("uid").getAsString(), uid -> Instant.now());
            if (!Instant.now().isBefore(since.plus(terminationDelay))) {
                ignoreMissing(() -> admin.delete(path + "?gracePeriodSeconds=0"));
            }
            return;
        }
        JsonObject spec = pod.getAsJsonObject("spec");
        if (!spec.has("nodeName")) {
            List<String> placement = placements.get(namespace);
            Node node = placement == null
                    ? NODES.get(bindings.getAndIncrement() % NODES.size())
                    : known.get(placement.get(placed.computeIfAbsent(namespace, n -> new AtomicInteger())
                                    .getAndIncrement()
                            % placement.size()));
            ignoreMissing(() -> admin.post(
                    path + "/binding",
                    Map.of(
                            "apiVersion",
                            "v1",
                            "kind",
                            "Binding",
                            "metadata",
                            Map.of("name", name),
                            "target",
                            Map.of("apiVersion", "v1", "kind", "Node", "name", node.name()))));
            return;
        }
        Node node = known.get(spec.get("nodeName").getAsString());
        if (node == null) {
            return; // a node the test removed: no kubelet there any more
        }
        JsonObject status = pod.getAsJsonObject("status");
        boolean ready = readiness.getOrDefault(namespace + "/" + name, true);
        String ip = status.has("podIP") ? status.get("podIP").getAsString() : null;
        if (ip != null && ready == isReady(status)) {
            return;
        }
        String podIp = ip != null
                ? ip
                : node.podPrefix()
                        + nextHost.computeIfAbsent(node.name(), n -> new AtomicInteger(2))
                                .getAndIncrement();
        String condition = ready ? "True" : "False";
        ignoreMissing(() -> admin.patch(
                path + "/status",
                Map.of(
                        "status",
                        Map.of(
                                "phase",
                                "Running",
                                "hostIP",
                                node.address(),
                                "podIP",
                                podIp,
                                "podIPs",
                                List.of(Map.of("ip", podIp)),
                                "startTime",
                                status.has("startTime")
                                        ? status.get("startTime").getAsString()
                                        : Instant.now().toString(),
                                "conditions",
                                List.of(
                                        Map.of("type", "Initialized", "status", "True"),
                                        Map.of("type", "Ready", "status", condition),
                                        Map.of("type", "ContainersReady", "status", condition),
                                        Map.of("type", "PodScheduled", "status", "True"))))));
    }

    private static boolean isReady(JsonObject status) {
        if (!status.has("conditions")) {
            return false;
        }
        for (JsonElement c : status.getAsJsonArray("conditions")) {
            JsonObject condition = c.getAsJsonObject();
            if ("Ready".equals(condition.get("type").getAsString())) {
                return "True".equals(condition.get("status").getAsString());
            }
        }
        return false;
    }

    private static void ignoreMissing(Runnable call) {
        try {
            call.run();
        } catch (Kube.KubeException e) {
            if (e.status != 404 && e.status != 409) {
                throw e;
            }
        }
    }
}
