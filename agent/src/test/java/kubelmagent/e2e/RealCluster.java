package kubelmagent.e2e;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real control plane (etcd, kube-apiserver, kube-controller-manager) that {@code agent/e2e/cluster}
 * starts, once per test JVM, and stops when the JVM ends (its watchdog stops it too if the JVM is killed).
 * The binaries come from {@code agent/e2e/build-kubernetes}, which builds them once per machine.
 *
 * <p>If they cannot be built (no root, no apt, no Go), the tests are skipped with the build's own words,
 * unless {@code KUBE_LM_AGENT_E2E=required}, as in CI, where that is a failure.
 */
final class RealCluster {

    private static RealCluster shared;

    final Path dir;
    final URI server;
    final Path caFile;
    final Kube admin;
    final StandInNodes nodes;
    private final Path script;

    private RealCluster(Path dir, Path script) throws IOException {
        this.dir = dir;
        this.script = script;
        this.server = URI.create(Files.readString(dir.resolve("server")).trim());
        this.caFile = dir.resolve("pki/ca.crt");
        this.admin = new Kube(
                server, caFile, Files.readString(dir.resolve("admin-token")).trim());
        this.nodes = new StandInNodes(admin);
    }

    /** The cluster of this JVM, started on first use. */
    static synchronized RealCluster get() throws Exception {
        if (shared == null) {
            Path scripts = Path.of(System.getProperty("e2e.scripts", "e2e")).toAbsolutePath();
            String bin = run(
                    "build-kubernetes",
                    List.of(scripts.resolve("build-kubernetes").toString()),
                    true);
            Path dir = Files.createTempDirectory("kube-lm-agent-e2e-");
            run(
                    "cluster start",
                    List.of(
                            scripts.resolve("cluster").toString(),
                            "start",
                            dir.toString(),
                            "--owner-pid",
                            Long.toString(ProcessHandle.current().pid())),
                    false,
                    "K8S_BIN",
                    bin);
            RealCluster cluster = new RealCluster(dir, scripts.resolve("cluster"));
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "e2e-cluster-stop"));
            cluster.nodes.start();
            shared = cluster;
        }
        return shared;
    }

    void stopApiServer() throws Exception {
        run("cluster apiserver-stop", List.of(script.toString(), "apiserver-stop", dir.toString()), false);
    }

    void startApiServer() throws Exception {
        run(
                "cluster apiserver-start",
                List.of(script.toString(), "apiserver-start", dir.toString()),
                false,
                "K8S_BIN",
                binaries());
    }

    private String binaries() throws Exception {
        return run(
                "build-kubernetes",
                List.of(script.resolveSibling("build-kubernetes").toString()),
                true);
    }

    private void stop() {
        nodes.stop();
        try {
            new ProcessBuilder(script.toString(), "stop", dir.toString())
                    .inheritIO()
                    .start()
                    .waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            System.err.println("[e2e] could not stop the cluster in " + dir + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs a script, echoing its output; returns its last line. A failing build skips the tests unless
     * they are required; any other failure fails them.
     */
    private static String run(String what, List<String> command, boolean isBuild, String... env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        for (int i = 0; i < env.length; i += 2) {
            builder.environment().put(env[i], env[i + 1]);
        }
        Process process = builder.start();
        List<String> lines = new ArrayList<>();
        try (var out = process.inputReader(StandardCharsets.UTF_8)) {
            String line;
            while ((line = out.readLine()) != null) {
                System.out.println("[e2e] " + line);
                lines.add(line);
            }
        }
        int status = process.waitFor();
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        if (status != 0) {
            String message = what + " failed (exit " + status + "): "
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            if (isBuild && !"required".equals(System.getenv("KUBE_LM_AGENT_E2E"))) {
                Assumptions.abort("skipped: the Kubernetes binaries cannot be built on this machine. " + message);
            }
            Assertions.fail(message);
        }
        return last;
    }
}
