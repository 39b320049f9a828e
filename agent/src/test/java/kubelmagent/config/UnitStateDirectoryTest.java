package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Under systemd, sync.stateDir must be the unit's StateDirectory= ($STATE_DIRECTORY). */
class UnitStateDirectoryTest {

    private static final String WHY =
            ": each instance keeps its own ledger there, the one directory the unit lets it write";

    @TempDir
    Path tempDir;

    private ConfigFixture fixture;

    @BeforeEach
    void createFiles() {
        fixture = new ConfigFixture(tempDir);
    }

    private AgentConfig load(String stateDirectory) throws ConfigException {
        return ConfigLoader.parse(
                fixture.yaml(), "prod.yaml", fixture.dir, new CredentialFiles(Map.of(), null), unit(stateDirectory));
    }

    private List<String> problems(String stateDirectory) {
        return assertThrows(ConfigException.class, () -> load(stateDirectory)).problems();
    }

    private static UnitStateDirectory unit(String stateDirectory) {
        return new UnitStateDirectory(
                stateDirectory == null ? Map.of() : Map.of(UnitStateDirectory.STATE_DIRECTORY, stateDirectory));
    }

    @Test
    void anInstanceLoadsWhenStateDirIsItsStateDirectory() throws ConfigException {
        fixture.with("sync", "stateDir: /var/lib/kube-lm-agent/prod");

        assertEquals(
                Path.of("/var/lib/kube-lm-agent/prod"),
                load("/var/lib/kube-lm-agent/prod").stateDir());
    }

    @Test
    void theOneClusterUnitLoadsWithTheDefaultStateDir() throws ConfigException {
        assertEquals(
                Path.of("/var/lib/kube-lm-agent"),
                load("/var/lib/kube-lm-agent").stateDir());
    }

    @Test
    void anInstanceWithAnotherStateDirIsRefused() {
        fixture.with("sync", "stateDir: /var/lib/kube-lm-agent");

        assertEquals(
                List.of("sync.stateDir: must be /var/lib/kube-lm-agent/prod, the unit's StateDirectory"
                        + " (got \"/var/lib/kube-lm-agent\")" + WHY),
                problems("/var/lib/kube-lm-agent/prod"));
    }

    @Test
    void anInstanceWithoutStateDirIsRefusedNamingTheDefault() {
        assertEquals(
                List.of("sync.stateDir: must be /var/lib/kube-lm-agent/prod, the unit's StateDirectory"
                        + " (got nothing, so the default \"/var/lib/kube-lm-agent\")" + WHY),
                problems("/var/lib/kube-lm-agent/prod"));
    }

    @Test
    void anEmptyStateDirCountsAsTheDefault() {
        fixture.with("sync", "stateDir:");

        assertEquals(
                List.of("sync.stateDir: must be /var/lib/kube-lm-agent/blue, the unit's StateDirectory"
                        + " (got nothing, so the default \"/var/lib/kube-lm-agent\")" + WHY),
                problems("/var/lib/kube-lm-agent/blue"));
    }

    @Test
    void pathsAreComparedNormalized() throws ConfigException {
        fixture.with("sync", "stateDir: /var/lib/kube-lm-agent/./prod/");

        assertEquals(
                Path.of("/var/lib/kube-lm-agent/prod"),
                load("/var/lib/kube-lm-agent//prod/").stateDir());
    }

    @Test
    void withSeveralStateDirectoriesStateDirMustBeOneOfThem() throws ConfigException {
        fixture.with("sync", "stateDir: /srv/agent");

        assertEquals(
                List.of("sync.stateDir: must be one of /var/lib/kube-lm-agent/prod, /var/lib/extra, the unit's"
                        + " StateDirectory (got \"/srv/agent\")" + WHY),
                problems("/var/lib/kube-lm-agent/prod:/var/lib/extra"));
        fixture.with("sync", "stateDir: /var/lib/extra");
        assertEquals(
                Path.of("/var/lib/extra"),
                load("/var/lib/kube-lm-agent/prod:/var/lib/extra").stateDir());
    }

    @Test
    void withoutStateDirectoryAnyStateDirIsAccepted() throws ConfigException {
        fixture.with("sync", "stateDir: /srv/agent");

        assertEquals(Path.of("/srv/agent"), load(null).stateDir());
        assertEquals(Path.of("/srv/agent"), load("").stateDir());
        assertEquals(Path.of("/srv/agent"), load("relative/dir").stateDir());
    }

    @Test
    void anInvalidStateDirIsReportedOnce() {
        fixture.with("sync", "stateDir: state");

        assertEquals(
                List.of("sync.stateDir: must be an absolute path (got \"state\")"),
                problems("/var/lib/kube-lm-agent/prod"));
    }

    @Test
    void theProblemComesWithTheOthersInDocumentOrder() {
        fixture.with("sync", "stateDir: /var/lib/kube-lm-agent\ninterval: 1").with("metrics", "listen: nowhere");

        List<String> problems = problems("/var/lib/kube-lm-agent/prod");

        assertEquals(3, problems.size(), problems::toString);
        assertEquals(
                "sync.stateDir: must be /var/lib/kube-lm-agent/prod, the unit's StateDirectory"
                        + " (got \"/var/lib/kube-lm-agent\")" + WHY,
                problems.get(0));
        assertEquals(
                "sync.interval", problems.get(1).substring(0, problems.get(1).indexOf(':')));
        assertEquals(
                "metrics.listen", problems.get(2).substring(0, problems.get(2).indexOf(':')));
    }
}
