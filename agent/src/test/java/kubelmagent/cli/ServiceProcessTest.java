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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import kubelmagent.simulator.LoadMasterSimulator;

import kubelmagent.demo.StandInKubernetesApi;

/** The agent as systemd runs it: its own JVM, on the schedule, until SIGTERM. */
class ServiceProcessTest {

    @TempDir
    Path dir;

    Process agent;

    @AfterEach
    void killTheAgentIfTheTestDidNot() {
        if (agent != null) {
            agent.destroyForcibly();
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void runsPassesUntilSigtermThenFinishesAndLogsToTheLastLine() throws Exception {
        try (StandInKubernetesApi cluster = AgentFiles.cluster(dir);
                LoadMasterSimulator loadMaster = AgentFiles.loadMaster(dir, 3)) {
            AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
            Path config = AgentFiles.write(dir, cluster, loadMaster);
            agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--config", config.toString())
                    .redirectErrorStream(true)
                    .start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                    if (line.startsWith("<6>[pass #1] pass #1 (timer) done")) {
                        agent.toHandle().destroy(); // SIGTERM, leaving the output stream open
                    }
                }
            }
            assertTrue(agent.waitFor(20, TimeUnit.SECONDS));
            assertEquals(143, agent.exitValue(), "the JVM's exit status after SIGTERM: " + lines);
            assertTrue(lines.contains("<5>[pass #1] added RS 10.244.1.7:8080 to VS 3 (shop/web)"), lines.toString());
            assertEquals("<6>stopped", lines.get(lines.size() - 1), lines.toString());
            assertEquals(List.of("10.244.1.7:8080"), AgentFiles.realServers(loadMaster, 3));
        }
    }
}
