package kubelmagent.e2e;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import kubelmagent.simulator.LoadMasterSimulator;
import kubelmagent.simulator.SimRealServer;

/**
 * One scenario's world: its own namespaces in the real cluster, its own LoadMaster simulator with the
 * Virtual Services NetOps made, and an agent.yaml for the agent that reads only those namespaces.
 */
final class Scenario implements AutoCloseable {

    static final String API_KEY = "e2e-lm-key-5c2a";
    static final Duration CONVERGE = Duration.ofSeconds(60);

    final RealCluster cluster;
    final Kube admin;
    final String namespace;
    final LoadMasterSimulator loadMaster;
    final Path dir;
    final Path tokenFile;
    private AgentProcess agent;
    private final List<AgentProcess> instances = new ArrayList<>();

    Scenario(
            RealCluster cluster,
            Path dir,
            String namespace,
            String token,
            List<String> agentNamespaces,
            int... vsIndexes)
            throws IOException {
        this(cluster, dir, namespace, token, agentNamespaces, UnaryOperator.identity(), vsIndexes);
    }

    /**
     * A scenario whose simulator has more options than the shared {@link #API_KEY} and non-local Real Servers, e.g.
     * {@code o -> o.apiKey("agent-a", KEY_A).apiKey("agent-b", KEY_B)}: a credential per agent.
     */
    Scenario(
            RealCluster cluster,
            Path dir,
            String namespace,
            String token,
            List<String> agentNamespaces,
            UnaryOperator<LoadMasterSimulator.Options> simulator,
            int... vsIndexes)
            throws IOException {
        this.cluster = cluster;
        this.admin = cluster.admin;
        this.namespace = namespace;
        this.dir = dir;
        createNamespace(namespace);
        // Pods get addresses outside the VSs' 10.0.0.0/24: switch non-local Real Servers on.
        loadMaster = LoadMasterSimulator.start(simulator.apply(LoadMasterSimulator.Options.defaults()
                .apiKey(API_KEY)
                .nonLocalRs(true)
                .workDir(dir.resolve("loadmaster"))));
        for (int index : vsIndexes) {
            loadMaster.engine().addVirtualService(index, "10.0.0." + index, 80, "tcp", "vs" + index);
        }
        tokenFile = dir.resolve("token");
        replaceToken(token);
        Files.writeString(dir.resolve("lm-apikey"), API_KEY + "\n");
        Files.writeString(dir.resolve("agent.yaml"), agentYaml(agentNamespaces, "lm-apikey", dir.resolve("state"), ""));
    }

    /** An agent's configuration: these namespaces, this LoadMaster, a pass every second. */
    private String agentYaml(List<String> namespaces, String apiKeyFile, Path stateDir, String metricsListen) {
        return agentYaml(namespaces, apiKeyFile, stateDir, metricsListen, cluster.server, "1s", "");
    }

    /**
     * An agent's configuration: these namespaces through this API server address, this LoadMaster, a pass every
     * {@code interval}, and {@code extra} lines (whole sections, such as {@code ha:}) at the end.
     */
    private String agentYaml(
            List<String> namespaces,
            String apiKeyFile,
            Path stateDir,
            String metricsListen,
            URI server,
            String interval,
            String extra) {
        return String.join(
                "\n",
                "kubernetes:",
                "  server: " + server,
                "  tokenFile: " + tokenFile,
                "  caFile: " + cluster.caFile,
                "  namespaces: [" + String.join(", ", namespaces) + "]",
                "loadmaster:",
                "  url: " + loadMaster.url(),
                "  apiKeyFile: " + apiKeyFile,
                "  caFile: " + loadMaster.caFile(),
                "sync:",
                "  interval: " + interval,
                "  stateDir: " + stateDir,
                "metrics:",
                "  listen: \"" + metricsListen + "\"",
                extra);
    }

    Scenario(RealCluster cluster, Path dir, String namespace, String token, int... vsIndexes) throws IOException {
        this(cluster, dir, namespace, token, List.of(namespace), vsIndexes);
    }

    /**
     * Adds a line to a section of agent.yaml ({@code kubernetes}, {@code sync}, ...), e.g. {@code
     * configure("kubernetes", "defaultMode: nodeports")}; for the next {@link #startAgent}.
     */
    void configure(String section, String line) throws IOException {
        Path file = dir.resolve("agent.yaml");
        String yaml = Files.readString(file);
        if (!yaml.contains("\n" + section + ":\n") && !yaml.startsWith(section + ":\n")) {
            throw new IllegalArgumentException("agent.yaml has no section " + section + ": " + yaml);
        }
        Files.writeString(
                file,
                yaml.startsWith(section + ":\n")
                        ? section + ":\n  " + line + "\n" + yaml.substring(section.length() + 2)
                        : yaml.replace("\n" + section + ":\n", "\n" + section + ":\n  " + line + "\n"));
    }

    void createNamespace(String name) {
        admin.post("/api/v1/namespaces", Map.of("metadata", Map.of("name", name)));
    }

    /** Starts the agent (again), as systemd would. */
    AgentProcess startAgent() throws IOException {
        agent = AgentProcess.start(dir.resolve("agent.yaml"));
        return agent;
    }

    /**
     * Writes {@code instances/NAME.yaml}, the file of the instance {@code kube-lm-agent@NAME} on the same host as
     * the other instances' files beside it (as in {@code /etc/kube-lm-agent}): an agent reading only these
     * namespaces, with its own {@code sync.stateDir} ({@code instances/NAME.state}) and {@code metrics.listen};
     * for {@link #startInstance}. Returns the file.
     */
    Path instance(String name, List<String> namespaces, String metricsListen) throws IOException {
        Path instances = Files.createDirectories(dir.resolve("instances"));
        Path file = instances.resolve(name + ".yaml");
        Files.writeString(
                file,
                agentYaml(
                        namespaces,
                        dir.resolve("lm-apikey").toString(),
                        instances.resolve(name + ".state"),
                        metricsListen));
        return file;
    }

    /**
     * {@link #instance(String, List, String)} with more choices: the API key file (a credential of its own), the
     * API server address ({@code kubernetes.server}, e.g. a front the test can cut), the sync interval and extra
     * sections ({@code ha:}) at the end of the file.
     */
    Path instance(
            String name,
            List<String> namespaces,
            String metricsListen,
            Path apiKeyFile,
            URI server,
            String interval,
            String extra)
            throws IOException {
        Path instances = Files.createDirectories(dir.resolve("instances"));
        Path file = instances.resolve(name + ".yaml");
        Files.writeString(
                file,
                agentYaml(
                        namespaces,
                        apiKeyFile.toString(),
                        instances.resolve(name + ".state"),
                        metricsListen,
                        server,
                        interval,
                        extra));
        return file;
    }

    /** Starts the agent of the instance {@code NAME} ({@link #instance}), as systemd starts kube-lm-agent@NAME. */
    AgentProcess startInstance(String name) throws IOException {
        AgentProcess instance = AgentProcess.start(dir.resolve("instances").resolve(name + ".yaml"), "agent " + name);
        instances.add(instance);
        return instance;
    }

    AgentProcess agent() {
        return agent;
    }

    void stopAgent() {
        agent.close();
    }

    /** Replaces the token file the way an operator would: a new file renamed over the old one. */
    void replaceToken(String token) throws IOException {
        Path next = dir.resolve("token.new");
        Files.writeString(next, token + "\n");
        Files.move(next, tokenFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    void deployment(String name, int replicas) {
        deployment(namespace, name, replicas);
    }

    /** A Deployment whose pods listen on container port {@code http} 8080. */
    void deployment(String namespace, String name, int replicas) {
        deployment(namespace, name, replicas, Map.of("http", 8080));
    }

    /** A Deployment whose pods listen on these named container ports. */
    void deployment(String namespace, String name, int replicas, Map<String, Integer> containerPorts) {
        List<Map<String, Object>> ports = new ArrayList<>();
        new TreeMap<>(containerPorts)
                .forEach((portName, port) -> ports.add(Map.of("name", portName, "containerPort", port)));
        admin.post(
                "/apis/apps/v1/namespaces/" + namespace + "/deployments",
                Map.of(
                        "metadata", Map.of("name", name),
                        "spec",
                                Map.of(
                                        "replicas",
                                        replicas,
                                        "selector",
                                        Map.of("matchLabels", Map.of("app", name)),
                                        "template",
                                        Map.of(
                                                "metadata", Map.of("labels", Map.of("app", name)),
                                                "spec",
                                                        Map.of(
                                                                "terminationGracePeriodSeconds",
                                                                30,
                                                                "containers",
                                                                List.of(Map.of(
                                                                        "name",
                                                                        "web",
                                                                        "image",
                                                                        "registry.invalid/web:1",
                                                                        "ports",
                                                                        ports)))))));
    }

    /** A Service of the app's pods, labelled {@code kempLB=Enabled} and annotated {@code vsid}, port 80. */
    void service(String namespace, String name, String app, String vsid, Object targetPort) {
        labelledService(
                admin,
                namespace,
                name,
                Map.of("vsid", vsid),
                Map.of(
                        "selector",
                        Map.of("app", app),
                        "ports",
                        List.of(Map.of("name", "web", "port", 80, "targetPort", targetPort))));
    }

    /** Creates a Service labelled {@code kempLB=Enabled}, with these annotations and this {@code spec}. */
    static void labelledService(
            Kube admin, String namespace, String name, Map<String, String> annotations, Map<String, Object> spec) {
        admin.post(
                "/api/v1/namespaces/" + namespace + "/services",
                Map.of(
                        "metadata",
                        Map.of("name", name, "labels", Map.of("kempLB", "Enabled"), "annotations", annotations),
                        "spec",
                        spec));
    }

    void service(String name, String vsid, Object targetPort) {
        service(namespace, name, name, vsid, targetPort);
    }

    /** {@code kubectl scale deployment NAME --replicas=N}: a patch of the scale subresource. */
    void scale(String deployment, int replicas) {
        scale(namespace, deployment, replicas);
    }

    void scale(String namespace, String deployment, int replicas) {
        admin.patch(
                "/apis/apps/v1/namespaces/" + namespace + "/deployments/" + deployment + "/scale",
                Map.of("spec", Map.of("replicas", replicas)));
    }

    /** Sets or removes ({@code null}) a label of a Service. */
    void label(String service, String key, String value) {
        patchMetadata(service, "labels", key, value);
    }

    /** Sets or removes ({@code null}) an annotation of a Service. */
    void annotate(String service, String key, String value) {
        patchMetadata(service, "annotations", key, value);
    }

    /** Sets or removes ({@code null}) one entry of a Service's {@code metadata.labels} or {@code .annotations}. */
    private void patchMetadata(String service, String field, String key, String value) {
        Map<String, Object> entry = new HashMap<>();
        entry.put(key, value);
        admin.patch(
                "/api/v1/namespaces/" + namespace + "/services/" + service, Map.of("metadata", Map.of(field, entry)));
    }

    /** A merge patch of a Service's spec, e.g. {@code Map.of("externalTrafficPolicy", "Local")}. */
    void patchServiceSpec(String service, Map<String, Object> spec) {
        admin.patch("/api/v1/namespaces/" + namespace + "/services/" + service, Map.of("spec", spec));
    }

    void deleteService(String service) {
        admin.delete("/api/v1/namespaces/" + namespace + "/services/" + service);
    }

    /** The pods of an app, by name, each with its IP once it has one. */
    Map<String, String> pods(String app) {
        return pods(namespace, app);
    }

    Map<String, String> pods(String namespace, String app) {
        Map<String, String> pods = new HashMap<>();
        JsonObject list = admin.get("/api/v1/namespaces/" + namespace + "/pods?labelSelector=app%3D" + app);
        for (JsonElement item : list.getAsJsonArray("items")) {
            JsonObject pod = item.getAsJsonObject();
            JsonObject status = pod.getAsJsonObject("status");
            pods.put(
                    pod.getAsJsonObject("metadata").get("name").getAsString(),
                    status.has("podIP") ? status.get("podIP").getAsString() : "");
        }
        return pods;
    }

    /** The nodes the app's pods are bound to, one entry per pod that is not being deleted, sorted. */
    List<String> podNodes(String app) {
        List<String> nodes = new ArrayList<>();
        JsonObject list = admin.get("/api/v1/namespaces/" + namespace + "/pods?labelSelector=app%3D" + app);
        for (JsonElement item : list.getAsJsonArray("items")) {
            JsonObject pod = item.getAsJsonObject();
            if (!pod.getAsJsonObject("metadata").has("deletionTimestamp")) {
                JsonObject spec = pod.getAsJsonObject("spec");
                nodes.add(spec.has("nodeName") ? spec.get("nodeName").getAsString() : "");
            }
        }
        return nodes.stream().sorted().toList();
    }

    /**
     * What the real endpoint controller says a Service's ready endpoints are, as {@code ip:port}, sorted:
     * the expected Real Servers.
     */
    List<String> readyEndpoints(String namespace, String service) {
        String path = "/api/v1/namespaces/" + namespace + "/endpoints/" + service;
        TreeSet<String> endpoints = new TreeSet<>();
        if (!admin.exists(path)) {
            return List.of();
        }
        JsonObject object = admin.get(path);
        if (object.has("subsets")) {
            for (JsonElement s : object.getAsJsonArray("subsets")) {
                JsonObject subset = s.getAsJsonObject();
                if (!subset.has("addresses")) {
                    continue;
                }
                for (JsonElement a : subset.getAsJsonArray("addresses")) {
                    for (JsonElement p : subset.getAsJsonArray("ports")) {
                        endpoints.add(a.getAsJsonObject().get("ip").getAsString() + ":"
                                + p.getAsJsonObject().get("port").getAsInt());
                    }
                }
            }
        }
        return new ArrayList<>(endpoints);
    }

    /** Waits until the controllers report exactly {@code count} ready endpoints; returns them. */
    List<String> awaitReadyEndpoints(String service, int count) throws InterruptedException {
        return awaitReadyEndpoints(namespace, service, count);
    }

    List<String> awaitReadyEndpoints(String namespace, String service, int count) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        List<String> endpoints = readyEndpoints(namespace, service);
        while (endpoints.size() != count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Service " + namespace + "/" + service + " has " + endpoints.size()
                        + " ready endpoints, not " + count + ": " + endpoints + "; pods " + pods(namespace, service)
                        + "; stand-in nodes' last error: " + cluster.nodes.lastError());
            }
            Thread.sleep(100);
            endpoints = readyEndpoints(namespace, service);
        }
        return endpoints;
    }

    /** The Real Servers of a VS as {@code ip:port} ({@code [ipv6]:port}), sorted. */
    List<String> realServers(int vs) {
        return loadMaster.engine().realServers(vs).stream()
                .map(Scenario::name)
                .sorted()
                .toList();
    }

    /** The disabled Real Servers of a VS as {@code ip:port}, sorted. */
    List<String> disabledRealServers(int vs) {
        return loadMaster.engine().realServers(vs).stream()
                .filter(rs -> !rs.enabled())
                .map(Scenario::name)
                .sorted()
                .toList();
    }

    /** The Real Servers of a VS with their Enable flag, as {@code ip:port Enable=Y}, sorted. */
    List<String> realServersAndEnable(int vs) {
        return loadMaster.engine().realServers(vs).stream()
                .map(rs -> name(rs) + " Enable=" + (rs.enabled() ? "Y" : "N"))
                .sorted()
                .toList();
    }

    private static String name(SimRealServer rs) {
        return (rs.addr().contains(":") ? "[" + rs.addr() + "]" : rs.addr()) + ":" + rs.port();
    }

    /** Waits until the VS holds exactly these Real Servers. */
    void awaitRealServers(int vs, List<String> expected) throws InterruptedException {
        awaitRealServers(agent, vs, expected);
    }

    /** Waits until the VS holds exactly these Real Servers, checking after each line of this agent. */
    void awaitRealServers(AgentProcess agent, int vs, List<String> expected) throws InterruptedException {
        List<String> sorted = expected.stream().sorted().toList();
        agent.await(
                () -> "VS " + vs + " to hold " + sorted + " (it holds " + realServers(vs) + ")",
                () -> realServers(vs).equals(sorted),
                CONVERGE);
    }

    /** Waits until the VS holds exactly these Real Servers, the first ones enabled, the others disabled. */
    void awaitRealServers(int vs, List<String> enabled, List<String> disabled) throws InterruptedException {
        awaitRealServers(agent, vs, enabled, disabled);
    }

    /** {@link #awaitRealServers(int, List, List)}, checking after each line of this agent. */
    void awaitRealServers(AgentProcess agent, int vs, List<String> enabled, List<String> disabled)
            throws InterruptedException {
        List<String> expected = new ArrayList<>();
        enabled.forEach(rs -> expected.add(rs + " Enable=Y"));
        disabled.forEach(rs -> expected.add(rs + " Enable=N"));
        List<String> sorted = expected.stream().sorted().toList();
        agent.await(
                () -> "VS " + vs + " to hold " + sorted + " (it holds " + realServersAndEnable(vs) + ")",
                () -> realServersAndEnable(vs).equals(sorted),
                CONVERGE);
    }

    static List<String> plus(List<String> list, String... more) {
        List<String> all = new ArrayList<>(list);
        all.addAll(List.of(more));
        return all;
    }

    @Override
    public void close() {
        try {
            instances.forEach(AgentProcess::close);
            if (agent != null) {
                agent.close();
            }
        } finally {
            loadMaster.close();
        }
    }
}
