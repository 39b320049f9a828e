package kubelmagent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kubelmagent.simulator.LoadMasterSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a steady pass costs, measured where it lands: 200 labelled Services bound to 200 Virtual Services
 * (4 namespaces × 50, 10 ready endpoints each, so 2,000 Real Servers), the agent synced, then nothing
 * changes for a few passes. The Kubernetes figures come from the API server's own {@code /metrics}, the
 * LoadMaster figures from the simulator's call counters.
 *
 * <p>The Services have no selector: their EndpointSlices ({@code discovery.k8s.io/v1beta1}, what this
 * 1.20 API server serves) are written by the test, marked as managed by something other than the
 * EndpointSlice controller, which leaves them alone. 2,000 pods would not fit the two stand-in nodes'
 * /24 pod networks, and making them run would take minutes.
 *
 * <p>Whose requests: {@code apiserver_request_total} has no user label, and the controller manager, the
 * stand-in nodes and this test talk to the same API server. Three things isolate the agent:
 *
 * <ul>
 *   <li>a FlowSchema of API Priority and Fairness that matches only the agent's ServiceAccount: the API
 *       server's {@code apiserver_flowcontrol_dispatched_requests_total} for it counts every request the
 *       agent makes, whatever its verb or URL, discovery included (discovery is not counted in
 *       {@code apiserver_request_total} at all), watches excepted (long-running requests bypass APF in
 *       1.20; the agent's two watches, on by default with {@code sync.watch}, last 5 to 10 minutes and are
 *       seen in {@code apiserver_registered_watchers});</li>
 *   <li>{@code apiserver_request_total} for the only resources the agent reads, {@code services} and
 *       {@code endpointslices}, by verb: during the window no one else lists or writes them (this test
 *       only reads {@code /metrics}, the stand-in nodes list pods);</li>
 *   <li>a baseline window of the same length with the agent stopped, whose counts on those two resources
 *       are subtracted (background: the API server's own GET of the {@code kubernetes} Service every 10 s,
 *       the controller manager's watches when they end), and {@code apiserver_registered_watchers}, which
 *       shows the watches the agent holds open: one on Services, one on EndpointSlices.</li>
 * </ul>
 *
 * <p>The agent uses its own label ({@code selector.label}), so that the labelled Services other
 * {@code *E2E} classes leave in the same cluster are not in its world.
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class RequestCountE2E {

    static final int NAMESPACES = 4;
    static final int SERVICES_PER_NAMESPACE = 50;
    static final int ENDPOINTS = 10;
    static final int STEADY_PASSES = 5;
    static final String LABEL_KEY = "e2e-request-count";
    static final String FLOW_SCHEMA = "e2e-kube-lm-agent";
    static final String MANAGED_BY = "request-count.e2e.kube-lm-agent";
    static final Duration CONVERGE = Duration.ofSeconds(120);

    /** The verbs that change something, as {@code apiserver_request_total} names them. */
    static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION", "APPLY");

    /** The LoadMaster commands that change something. */
    static final Set<String> LM_WRITES = Set.of("addvs", "modvs", "delvs", "addrs", "delrs", "modrs", "set");

    @TempDir
    Path dir;

    @Test
    void aSteadyPassOf200ServicesCostsOneLoadMasterReadOneServiceListAndOneSliceListPerNamespace() throws Exception {
        RealCluster cluster = RealCluster.get();
        Kube admin = cluster.admin;
        String token = AgentIdentity.applyShippedManifest(admin);
        agentFlowSchema(admin);

        int services = NAMESPACES * SERVICES_PER_NAMESPACE;
        try (LoadMasterSimulator loadMaster = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .apiKey(Scenario.API_KEY)
                .nonLocalRs(true)
                .workDir(dir.resolve("loadmaster")))) {
            long setUp = System.nanoTime();
            for (int n = 0; n < NAMESPACES; n++) {
                String namespace = "e2e-count-" + n;
                admin.post("/api/v1/namespaces", Map.of("metadata", Map.of("name", namespace)));
                for (int s = 0; s < SERVICES_PER_NAMESPACE; s++) {
                    int vs = n * SERVICES_PER_NAMESPACE + s + 1; // 1..200
                    loadMaster
                            .engine()
                            .addVirtualService(vs, "10.0." + (vs / 250) + "." + (vs % 250), 80, "tcp", "vs" + vs);
                    String name = "svc-" + vs;
                    service(admin, namespace, name, vs);
                    endpointSlice(admin, namespace, name, vs);
                }
            }
            System.out.printf(
                    "[request-count] made %d Services with %d ready endpoints each in %d namespaces in %.1f s%n",
                    services, ENDPOINTS, NAMESPACES, (System.nanoTime() - setUp) / 1e9);

            writeConfig(cluster, loadMaster, token);
            long start = System.nanoTime();
            AgentProcess agent = AgentProcess.start(dir.resolve("agent.yaml"));
            try {
                agent.await(
                        () -> "2,000 Real Servers (the simulator holds " + realServers(loadMaster, services) + ")",
                        () -> realServers(loadMaster, services) == services * ENDPOINTS,
                        CONVERGE);
                System.out.printf(
                        "[request-count] the agent put %d Real Servers on %d VSs in %.1f s%n",
                        services * ENDPOINTS, services, (System.nanoTime() - start) / 1e9);
                agent.awaitPasses(1, CONVERGE); // the pass that added them (or a later one) is over
                agent.awaitPasses(1, CONVERGE); // a whole pass after it: nothing changes from here on

                // The window opens just after a pass ends; the next one starts an interval later.
                Snapshot a = Snapshot.take(admin, loadMaster, agent);
                agent.awaitPasses(STEADY_PASSES, CONVERGE);
                Snapshot b = Snapshot.take(admin, loadMaster, agent);
                agent.close();

                // The baseline: as long a window, the agent stopped.
                Snapshot c = Snapshot.take(admin, loadMaster, agent);
                Thread.sleep(Duration.ofNanos(b.nanos - a.nanos).toMillis());
                Snapshot d = Snapshot.take(admin, loadMaster, agent);

                report(a, b, c, d);
            } finally {
                agent.close();
            }
        }
    }

    /** A FlowSchema that puts the agent's requests, and no one else's, in a flow of their own. */
    private static void agentFlowSchema(Kube admin) {
        String path = "/apis/flowcontrol.apiserver.k8s.io/v1beta1/flowschemas";
        if (admin.exists(path + "/" + FLOW_SCHEMA)) {
            return;
        }
        admin.post(
                path,
                Map.of(
                        "metadata",
                        Map.of("name", FLOW_SCHEMA),
                        "spec",
                        Map.of(
                                "priorityLevelConfiguration", Map.of("name", "workload-low"),
                                "matchingPrecedence", 500, // before "service-accounts" (9000)
                                "distinguisherMethod", Map.of("type", "ByUser"),
                                "rules",
                                        List.of(Map.of(
                                                "subjects",
                                                List.of(Map.of(
                                                        "kind",
                                                        "ServiceAccount",
                                                        "serviceAccount",
                                                        Map.of(
                                                                "namespace",
                                                                AgentIdentity.NAMESPACE,
                                                                "name",
                                                                AgentIdentity.ACCOUNT))),
                                                "resourceRules",
                                                List.of(Map.of(
                                                        "verbs", List.of("*"),
                                                        "apiGroups", List.of("*"),
                                                        "resources", List.of("*"),
                                                        "namespaces", List.of("*"),
                                                        "clusterScope", true)),
                                                "nonResourceRules",
                                                List.of(Map.of(
                                                        "verbs", List.of("*"), "nonResourceURLs", List.of("*"))))))));
    }

    private static void service(Kube admin, String namespace, String name, int vs) {
        admin.post(
                "/api/v1/namespaces/" + namespace + "/services",
                Map.of(
                        "metadata",
                        Map.of(
                                "name",
                                name,
                                "labels",
                                Map.of(LABEL_KEY, "Enabled"),
                                "annotations",
                                Map.of("vsid", Integer.toString(vs))),
                        "spec",
                        Map.of("ports", List.of(Map.of("name", "web", "port", 80, "targetPort", 8080)))));
    }

    /** The Service's one EndpointSlice: {@link #ENDPOINTS} ready addresses 10.100.(vs/250).(vs%250)+…. */
    private static void endpointSlice(Kube admin, String namespace, String name, int vs) {
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (int e = 0; e < ENDPOINTS; e++) {
            endpoints.add(
                    Map.of("addresses", List.of("10.100." + vs + "." + (e + 10)), "conditions", Map.of("ready", true)));
        }
        admin.post(
                "/apis/discovery.k8s.io/v1beta1/namespaces/" + namespace + "/endpointslices",
                Map.of(
                        "metadata",
                        Map.of(
                                "name",
                                name + "-1",
                                "labels",
                                Map.of(
                                        "kubernetes.io/service-name",
                                        name,
                                        "endpointslice.kubernetes.io/managed-by",
                                        MANAGED_BY)),
                        "addressType",
                        "IPv4",
                        "ports",
                        List.of(Map.of("name", "web", "port", 8080, "protocol", "TCP")),
                        "endpoints",
                        endpoints));
    }

    private void writeConfig(RealCluster cluster, LoadMasterSimulator loadMaster, String token) throws Exception {
        Files.writeString(dir.resolve("token"), token + "\n");
        Files.writeString(dir.resolve("lm-apikey"), Scenario.API_KEY + "\n");
        Files.writeString(
                dir.resolve("agent.yaml"),
                String.join(
                        "\n",
                        "kubernetes:",
                        "  server: " + cluster.server,
                        "  tokenFile: " + dir.resolve("token"),
                        "  caFile: " + cluster.caFile,
                        "  namespaces: []",
                        "loadmaster:",
                        "  url: " + loadMaster.url(),
                        "  apiKeyFile: lm-apikey",
                        "  caFile: " + loadMaster.caFile(),
                        "sync:",
                        "  interval: 2s",
                        "  stateDir: " + dir.resolve("state"),
                        "selector:",
                        "  label: " + LABEL_KEY + "=Enabled",
                        "metrics:",
                        "  listen: \"\"",
                        ""));
    }

    private static int realServers(LoadMasterSimulator loadMaster, int services) {
        int count = 0;
        for (int vs = 1; vs <= services; vs++) {
            count += loadMaster.engine().realServers(vs).size();
        }
        return count;
    }

    private static void report(Snapshot a, Snapshot b, Snapshot c, Snapshot d) {
        int passes = b.passes - a.passes;
        assertTrue(passes >= STEADY_PASSES, "passes in the window: " + passes);
        // Before the window: the first pass discovered the API, which only the APF flow counts.
        double early = a.agentFlow - (1 + NAMESPACES) * (double) a.passes;
        System.out.printf(
                "[request-count] before the window: %.0f requests of the agent in %d passes, %.0f beyond the lists"
                        + " (the first pass's discovery; with sync.watch, the list of one item that starts each watch)%n",
                a.agentFlow, a.passes, early);
        assertTrue(early >= 1, "the agent's flow should have counted its discovery: " + early);
        double seconds = (b.nanos - a.nanos) / 1e9;
        System.out.printf(
                "[request-count] window: %d steady passes in %.1f s (interval 2 s); baseline (agent stopped): %.1f s%n",
                passes, seconds, (d.nanos - c.nanos) / 1e9);

        // apiserver_request_total on the agent's resources, by verb, group/version, resource, scope, code.
        Map<String, Double> window = delta(a.requests, b.requests);
        Map<String, Double> background = delta(c.requests, d.requests);
        // What the window saw beyond the baseline: the agent's share, if no one else's traffic changed.
        Map<String, Double> agent = new TreeMap<>();
        window.forEach((key, value) -> agent.merge(key, value, Double::sum));
        background.forEach((key, value) -> agent.merge(key, -value, Double::sum));
        agent.forEach((key, value) -> System.out.printf(
                "[request-count] Kubernetes %s: %.0f in the window, %.0f with the agent stopped; per steady pass:"
                        + " %.2f%n",
                key, window.getOrDefault(key, 0.0), background.getOrDefault(key, 0.0), value / passes));

        double listServices = sum(agent, "LIST", "services");
        double listSlices = sum(agent, "LIST", "endpointslices");
        double watches = sum(agent, "WATCH", "services") + sum(agent, "WATCH", "endpointslices");
        double writes = 0;
        for (String verb : WRITES) {
            writes += sum(window, verb, "services") + sum(window, verb, "endpointslices");
        }
        double flow = b.agentFlow - a.agentFlow;
        double discovery = flow - listServices - listSlices; // any other request of the agent, discovery first
        System.out.printf("[request-count] Kubernetes LIST services per steady pass: %.2f%n", listServices / passes);
        System.out.printf(
                "[request-count] Kubernetes LIST endpointslices per steady pass: %.2f (namespaces holding bound"
                        + " Services: %d)%n",
                listSlices / passes, NAMESPACES);
        System.out.printf(
                "[request-count] Kubernetes requests of the agent (its APF flow, any verb, discovery included) per"
                        + " steady pass: %.2f%n",
                flow / passes);
        System.out.printf(
                "[request-count] Kubernetes requests besides the two lists (discovery, gets, writes) per steady"
                        + " pass: %.2f%n",
                discovery / passes);
        System.out.printf(
                "[request-count] Kubernetes WATCH services/endpointslices ended in the window beyond the baseline:"
                        + " %.0f; watchers registered, agent running %s, agent stopped %s%n",
                watches, b.watchers, d.watchers);
        System.out.printf("[request-count] Kubernetes writes to services/endpointslices in the window: %.0f%n", writes);

        Map<String, Integer> lmCalls = new TreeMap<>();
        b.lmCalls.forEach((command, count) -> {
            int before = a.lmCalls.getOrDefault(command, 0);
            if (count != before) {
                lmCalls.put(command, count - before);
            }
        });
        int lmTotal = lmCalls.values().stream().mapToInt(Integer::intValue).sum();
        int lmWrites = lmCalls.entrySet().stream()
                .filter(e -> LM_WRITES.contains(e.getKey()))
                .mapToInt(Map.Entry::getValue)
                .sum();
        System.out.printf(
                "[request-count] LoadMaster listvs per steady pass: %.2f; all LoadMaster requests per steady pass:"
                        + " %.2f %s; writes: %d%n",
                lmCalls.getOrDefault("listvs", 0) / (double) passes, lmTotal / (double) passes, lmCalls, lmWrites);

        assertEquals(passes, lmCalls.getOrDefault("listvs", 0), "listvs calls in " + passes + " passes: " + lmCalls);
        assertEquals(passes, lmTotal, "LoadMaster calls in " + passes + " passes: " + lmCalls);
        assertEquals(0, lmWrites, lmCalls::toString);
        assertEquals(passes, listServices, 0, "Service lists in " + passes + " passes: " + agent);
        assertEquals(NAMESPACES * passes, listSlices, 0, "EndpointSlice lists in " + passes + " passes: " + agent);
        assertEquals(0, discovery, 0, "agent requests besides the lists (flow " + flow + "): " + agent);
        assertEquals(0, watches, 0, "watches: " + agent);
        for (String kind : List.of("Service", "EndpointSlice")) {
            assertEquals(
                    d.watchers.getOrDefault(kind, 0.0) + 1,
                    b.watchers.getOrDefault(kind, 0.0),
                    0,
                    "sync.watch: one " + kind + " watch held open by the agent; watchers with the agent running "
                            + b.watchers + " and stopped " + d.watchers);
        }
        assertEquals(0, writes, 0, "writes: " + window);
        assertEquals(0, d.agentFlow - c.agentFlow, 0, "the agent's flow while it was stopped");
    }

    private static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> delta = new TreeMap<>();
        after.forEach((key, value) -> {
            double d = value - before.getOrDefault(key, 0.0);
            if (d != 0) {
                delta.put(key, d);
            }
        });
        return delta;
    }

    /** The sum over the keys of that verb and resource. */
    private static double sum(Map<String, Double> counts, String verb, String resource) {
        return counts.entrySet().stream()
                .filter(e -> e.getKey().startsWith(verb + " ") && e.getKey().contains(" " + resource + " "))
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }

    /** The counters at one moment: the API server's, the simulator's and the agent's pass number. */
    private record Snapshot(
            long nanos,
            int passes,
            Map<String, Integer> lmCalls,
            Map<String, Double> requests,
            double agentFlow,
            Map<String, Double> watchers) {

        private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)} (\\S+)$");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        static Snapshot take(Kube admin, LoadMasterSimulator loadMaster, AgentProcess agent) {
            long nanos = System.nanoTime();
            int passes = agent.passesDone();
            Map<String, Integer> lmCalls = new HashMap<>(loadMaster.engine().calls());
            Map<String, Double> requests = new TreeMap<>();
            Map<String, Double> watchers = new TreeMap<>();
            double agentFlow = 0;
            for (String line : admin.text("/metrics").split("\n")) {
                Matcher sample = SAMPLE.matcher(line);
                if (!sample.matches()) {
                    continue;
                }
                Map<String, String> labels = new HashMap<>();
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
                double value = Double.parseDouble(sample.group(3));
                switch (sample.group(1)) {
                    case "apiserver_request_total" -> {
                        String resource = labels.getOrDefault("resource", "");
                        if (resource.equals("services") || resource.equals("endpointslices")) {
                            String group = labels.getOrDefault("group", "");
                            String key = String.join(
                                    " ",
                                    labels.get("verb"),
                                    (group.isEmpty() ? "" : group + "/") + labels.get("version"),
                                    resource,
                                    labels.getOrDefault("subresource", ""),
                                    "scope=" + labels.get("scope"),
                                    "code=" + labels.get("code"));
                            requests.merge(key, value, Double::sum);
                        }
                    }
                    case "apiserver_flowcontrol_dispatched_requests_total" -> {
                        if (FLOW_SCHEMA.equals(labels.get("flow_schema"))) {
                            agentFlow += value;
                        }
                    }
                    case "apiserver_registered_watchers" -> {
                        String kind = labels.getOrDefault("kind", "");
                        if (kind.equals("Service") || kind.equals("EndpointSlice")) {
                            watchers.merge(kind, value, Double::sum);
                        }
                    }
                    default -> {}
                }
            }
            return new Snapshot(nanos, passes, lmCalls, requests, agentFlow, watchers);
        }
    }
}
