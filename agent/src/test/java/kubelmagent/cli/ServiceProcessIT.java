package kubelmagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.simulator.LoadMasterSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The agent as systemd runs it: its own JVM, on the schedule, until SIGTERM. */
class ServiceProcessIT {

    @TempDir
    Path dir;

    Process agent;
    AgentProcess process;

    @AfterEach
    void killTheAgentIfTheTestDidNot() {
        if (agent != null) {
            agent.destroyForcibly();
        }
        if (process != null) {
            process.kill();
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void runsPassesUntilSigtermThenFinishesAndLogsToTheLastLine() throws Exception {
        try (StandInKubernetesApi cluster = AgentFiles.cluster(dir);
                LoadMasterSimulator loadMaster = AgentFiles.loadMaster(dir, 3)) {
            AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
            Path config = AgentFiles.write(dir, cluster, loadMaster);
            int port;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                port = free.getLocalPort();
            }
            java.nio.file.Files.writeString(
                    config, "metrics:\n  listen: 127.0.0.1:" + port + "\n", java.nio.file.StandardOpenOption.APPEND);
            agent = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            Main.class.getName(),
                            "--config",
                            config.toString())
                    .redirectErrorStream(true)
                    .start();
            List<String> lines = new ArrayList<>();
            List<String> scrapes = new ArrayList<>();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                    if (line.startsWith("<6>[pass #1] pass #1 (timer) done")) {
                        scrapes.add(get(port, "/healthz"));
                        scrapes.add(get(port, "/readyz"));
                        scrapes.add(get(port, "/metrics"));
                        agent.toHandle().destroy(); // SIGTERM, leaving the output stream open
                    }
                }
            }
            assertTrue(agent.waitFor(20, TimeUnit.SECONDS));
            assertEquals(143, agent.exitValue(), "the JVM's exit status after SIGTERM: " + lines);
            assertTrue(lines.contains("<5>[pass #1] added RS 10.244.1.7:8080 to VS 3 (shop/web)"), lines.toString());
            assertEquals("<6>stopped", lines.get(lines.size() - 1), lines.toString());
            assertEquals(List.of("10.244.1.7:8080"), AgentFiles.realServers(loadMaster, 3));
            assertTrue(
                    lines.contains("<6>serving /metrics, /healthz and /readyz on http://127.0.0.1:" + port),
                    lines.toString());
            assertEquals("200 ok", scrapes.get(0));
            assertTrue(scrapes.get(1).startsWith("200 ready: last successful pass "), scrapes.get(1));
            String metrics = scrapes.get(2);
            assertTrue(metrics.contains("kube_lm_agent_passes_total{agent=\"agent\",result=\"changed\"} 1.0"), metrics);
            assertTrue(
                    metrics.contains(
                            "kube_lm_agent_real_server_changes_total{agent=\"agent\",change=\"add\",vs=\"3\"} 1.0"),
                    metrics);
            assertTrue(metrics.contains("kube_lm_agent_bound_virtual_services{agent=\"agent\"} 1.0"), metrics);
            assertTrue(
                    metrics.contains(
                            "kube_lm_agent_api_request_duration_seconds_count{agent=\"agent\",api=\"loadmaster\","
                                    + "command=\"addrs\",outcome=\"2xx\"} 1"),
                    metrics);
        }
    }

    /**
     * With {@code sync.watch}, a new ready pod gets its Real Server without waiting for the schedule (an hour
     * here); without it, the schedule decides.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void withTheWatchANewPodIsServedAtOnceWithoutItAtTheNextScheduledPass(boolean watch) throws Exception {
        try (StandInKubernetesApi cluster = AgentFiles.cluster(dir);
                LoadMasterSimulator loadMaster = AgentFiles.loadMaster(dir, 3)) {
            AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
            Path config = AgentFiles.write(dir, cluster, loadMaster);
            String yaml = java.nio.file.Files.readString(config);
            java.nio.file.Files.writeString(
                    config, yaml.replace("  interval: 1s", "  interval: 1h\n  watch: " + watch));
            AgentProcess watched = AgentProcess.start(config, List.of());
            process = watched;
            assertTrue(
                    waitUntil(() -> AgentFiles.realServers(loadMaster, 3).equals(List.of("10.244.1.7:8080")), 20_000),
                    "the first pass ran");
            Thread.sleep(1500); // the passes that start-up brings about are over

            cluster.scale("shop", "web", "10.244.1.7", "10.244.1.8");

            boolean served =
                    waitUntil(() -> AgentFiles.realServers(loadMaster, 3).contains("10.244.1.8:8080"), 4_000);
            String log = String.join("\n", watched.lines());
            assertEquals(watch, served, log);
            assertEquals(watch, log.contains("(watch) done"), log);
        }
    }

    private static boolean waitUntil(java.util.function.BooleanSupplier condition, long millis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** {@code 200 ok}: the status and the body of a GET on the agent's metrics port. */
    private static String get(int port, String path) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }
}
