package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several agents on one host, one configuration file each in one directory ({@code agent.yaml}, {@code prod.yaml}
 * for {@code kube-lm-agent@prod}, ...): a file that would share another's metrics port or ledger directory does not
 * load, and says which file it clashes with.
 */
class InstanceFilesTest {

    @TempDir
    Path tempDir;

    private ConfigFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new ConfigFixture(tempDir);
        fixture.write("agent.yaml", fixture.yaml()); // the shipped defaults: 127.0.0.1:9464, /var/lib/kube-lm-agent
        fixture.write(
                "rbac.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lm-agent\n"); // not an agent's
    }

    private Path instance(String name, String listen, String stateDir) {
        return fixture.write(
                name + ".yaml",
                fixture.with("metrics", "listen: " + listen)
                        .with("sync", "stateDir: " + stateDir)
                        .yaml());
    }

    @Test
    void anInstanceWithItsOwnPortAndDirectoryLoadsBesideTheOthers() throws ConfigException {
        instance("blue", "127.0.0.1:9466", "/var/lib/kube-lm-agent/blue");
        Path prod = instance("prod", "127.0.0.1:9465", "/var/lib/kube-lm-agent/prod");

        AgentConfig config = ConfigLoader.load(prod);

        assertEquals("prod", config.instance());
        assertEquals(9465, config.metricsListen().getPort());
        assertEquals(
                List.of("agent.yaml", "blue.yaml"),
                InstanceFiles.others(prod).stream()
                        .map(i -> i.file().getFileName().toString())
                        .toList(),
                "rbac.yaml is not an agent's file");
    }

    @Test
    void anInstanceSharingAnotherOnesPortOrLedgerDirectoryDoesNotLoadAndNamesTheOther() {
        Path prod = instance("prod", "127.0.0.1:9464", "/var/lib/kube-lm-agent/");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(prod));

        Path agent = tempDir.toAbsolutePath().normalize().resolve("agent.yaml");
        assertEquals(
                List.of(
                        "metrics.listen: is also the metrics.listen of " + agent + " (instance agent), so only one of"
                                + " them could serve /metrics; give each instance its own port (got \"127.0.0.1:9464\""
                                + " there)",
                        "sync.stateDir: is also the sync.stateDir of " + agent + " (instance agent); each instance"
                                + " keeps its own ledger of the Real Servers it added, so give it its own directory,"
                                + " e.g. /var/lib/kube-lm-agent/prod (got \"/var/lib/kube-lm-agent\" there)"),
                e.problems());
    }

    @Test
    void everyAddressOnAPortClashesWithOneAddressOnItAndMetricsOffClashesWithNothing() throws ConfigException {
        Path everywhere = instance("prod", "0.0.0.0:9464", "/var/lib/kube-lm-agent/prod");
        assertEquals(
                1,
                assertThrows(ConfigException.class, () -> ConfigLoader.load(everywhere))
                        .problems()
                        .size());

        Path other = instance("prod", "127.0.0.2:9464", "/var/lib/kube-lm-agent/prod");
        assertEquals(9464, ConfigLoader.load(other).metricsListen().getPort(), "another address, same port: fine");

        Path off = instance("prod", "\"\"", "/var/lib/kube-lm-agent/prod");
        assertEquals(null, ConfigLoader.load(off).metricsListen());
    }

    @Test
    void aBrokenNeighbourIsComparedByWhatCanBeReadOfIt() {
        fixture.write(
                "blue.yaml",
                "kubernetes: {server: ftp://nowhere}\nloadmaster: {}\nsync: {stateDir: /var/lib/kube-lm-agent/prod}\n"
                        + "metrics: {listen: \"127.0.0.1:9470\"}\n");
        Path prod = instance("prod", "127.0.0.1:9465", "/var/lib/kube-lm-agent/prod");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(prod));

        assertEquals(1, e.problems().size());
        assertEquals(true, e.problems().get(0).startsWith("sync.stateDir: is also the sync.stateDir of "));
    }
}
