package kubelmagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.simulator.LoadMasterSimulator;

/** {@code kube-lm-agent status}: the table a person reads, and that it changes nothing. */
class StatusTest {

    @TempDir
    Path dir;

    StandInKubernetesApi cluster;
    LoadMasterSimulator loadMaster;
    Path config;

    @BeforeEach
    void setUp() throws IOException {
        cluster = AgentFiles.cluster(dir);
        loadMaster = AgentFiles.loadMaster(dir, 3, 4);
        config = AgentFiles.write(dir, cluster, loadMaster);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        loadMaster.close();
    }

    List<String> run(int expectedCode, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = Main.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(expectedCode, code, String.join("\n", lines));
        return lines;
    }

    @Test
    void showsEachServiceItsVirtualServiceAndWhatTheNextPassWouldDoWithoutDoingIt() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7", "10.244.1.8", "10.244.1.9");
        AgentFiles.service(cluster, "shop", "api", "4", "10.244.2.1");
        cluster.service("shop", "broken", Map.of("kempLB", "Enabled"), Map.of("vsid", "four"),
                List.of(StandInKubernetesApi.Port.tcp("http", 80, 8080)));
        loadMaster.engine().addRealServerByHand(3, "10.0.5.5", 8080);
        run(1, "--config", config.toString(), "--once"); // the broken Service makes --once exit 1
        cluster.scale("shop", "web", "10.244.1.7", "10.244.1.8", "10.244.1.10");
        loadMaster.engine().resetCalls();

        List<String> table = run(1, "status", "--config", config.toString());

        assertEquals(0, loadMaster.engine().calls("addrs") + loadMaster.engine().calls("delrs")
                + loadMaster.engine().calls("modrs"), "status changes nothing");
        assertEquals(List.of("SERVICE", "VS", "READY", "DRAINING", "ON", "LM", "(ENABLED)", "AGENT'S", "HAND-MADE",
                "NEXT", "PASS", "PROBLEM"), List.of(table.get(0).split(" +")));
        assertEquals("shop/api 4 1 0 1 (1) 1 0 in step", table.get(1).replaceAll(" +", " "));
        assertTrue(table.get(2).replaceAll(" +", " ").startsWith("shop/broken - - - - - - - shop/broken: annotation"
                + " vsid=\"four\""), table.get(2));
        assertEquals("shop/web 3 3 0 4 (4) 3 1 add 1, disable 1", table.get(3).replaceAll(" +", " "));
        assertEquals("the next pass would change or report something (see NEXT PASS, PROBLEM)",
                table.get(table.size() - 1));
    }

    @Test
    void exitsZeroWhenEverythingIsInStep() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
        run(0, "--config", config.toString(), "--once");
        List<String> table = run(0, "status", "--config", config.toString());
        assertEquals("shop/web 3 1 0 1 (1) 1 0 in step", table.get(1).replaceAll(" +", " "));
        assertEquals("everything is in step", table.get(table.size() - 1));
    }

    @Test
    void namesTheServiceOfAVirtualServiceThatIsNoLongerBound() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
        run(0, "--config", config.toString(), "--once");
        cluster.delete("shop", "web");
        List<String> table = run(1, "status", "--config", config.toString());
        assertEquals("shop/web (no longer bound) 3 0 0 1 (1) 1 0 disable 1", table.get(1).replaceAll(" +", " "));
    }

    @Test
    void takesOnlyTheConfig() {
        run(64, "status", "--config", config.toString(), "--once");
        run(64, "status");
    }
}
