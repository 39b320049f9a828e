package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import kubelmagent.ha.HaSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HaSectionTest {

    @TempDir
    Path dir;

    ConfigFixture fixture;

    @BeforeEach
    void createFiles() {
        fixture = new ConfigFixture(dir);
    }

    AgentConfig load(String ha) throws ConfigException {
        return ConfigLoader.parse(fixture.yaml() + ha, "agent.yaml", fixture.dir);
    }

    @Test
    void withoutTheSectionTheAgentIsOnItsOwn() throws ConfigException {
        assertNull(fixture.load().ha());
    }

    @Test
    void needsOnlyTheNamespaceAndTakesTheHostNameAndSaneTimesOtherwise() throws ConfigException {
        HaSettings ha = load("ha:\n  lease:\n    namespace: kube-lm-agent\n").ha();

        assertEquals(
                new HaSettings(
                        "kube-lm-agent",
                        "kube-lm-agent",
                        HaSection.hostName(),
                        Duration.ofSeconds(15),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(2),
                        "kube-lm-agent-ledger"),
                ha);
    }

    @Test
    void takesEverySettingAsWrittenAndNamesTheLedgerAfterTheLease() throws ConfigException {
        HaSettings ha = load("ha:\n  lease:\n    namespace: lb\n    name: edge\n    identity: lb-agent-2\n"
                        + "    leaseDuration: 6s\n    renewDeadline: 4s\n    retryPeriod: 1s\n")
                .ha();

        assertEquals(
                new HaSettings(
                        "lb",
                        "edge",
                        "lb-agent-2",
                        Duration.ofSeconds(6),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(1),
                        "edge-ledger"),
                ha);
        assertEquals(
                "owned",
                load("ha:\n  lease:\n    namespace: lb\n  ledger:\n    configMap: owned\n")
                        .ha()
                        .ledgerName());
    }

    static Stream<Arguments> badSections() {
        return Stream.of(
                Arguments.of(
                        "ha:\n  lease:\n    name: edge\n",
                        List.of("ha.lease.namespace: the namespace of the Lease and the ledger's ConfigMaps: the"
                                + " agent's own, e.g. kube-lm-agent (see conf/rbac-ha.yaml)")),
                Arguments.of(
                        "ha:\n  lease:\n    namespace: Kube_LM\n    name: Edge!\n",
                        List.of(
                                "ha.lease.namespace: " + KubernetesSection.NAMESPACE_NAME + " (got \"Kube_LM\")",
                                "ha.lease.name: " + HaSection.NAME + " (got \"Edge!\")")),
                Arguments.of(
                        "ha:\n  lease:\n    namespace: lb\n    leaseDuration: 1500ms\n",
                        List.of("ha.lease.leaseDuration: must be between 2s and 10m (got \"1500ms\")")),
                Arguments.of(
                        "ha:\n  lease:\n    namespace: lb\n    leaseDuration: 4500ms\n    renewDeadline: 2s\n"
                                + "    retryPeriod: 1s\n",
                        List.of("ha.lease.leaseDuration: must be whole seconds: the Lease stores it in seconds (got"
                                + " \"4500ms\")")),
                Arguments.of(
                        "ha:\n  lease:\n    namespace: lb\n    leaseDuration: 10s\n",
                        List.of("ha.lease.renewDeadline: must be shorter than leaseDuration (10s), so that a holder"
                                + " that cannot renew has stopped writing before the other agent may take over (got"
                                + " \"10s\")")),
                Arguments.of(
                        "ha:\n  lease:\n    namespace: lb\n    leaseDuration: 5s\n    renewDeadline: 4s\n"
                                + "    retryPeriod: 1s\n",
                        List.of("ha.lease.renewDeadline: must be at least 2s shorter than leaseDuration (5s): a"
                                + " LoadMaster write waits for its answer at most leaseDuration - renewDeadline, and"
                                + " less would time writes out (got \"4s\")")),
                Arguments.of(
                        "ha:\n  lease:\n    namespace: lb\n    retryPeriod: 9s\n",
                        List.of("ha.lease.retryPeriod: must be below renewDeadline / 1.2 (10s / 1.2), so that the"
                                + " holder tries to renew more than once before its deadline (got \"9s\")")),
                Arguments.of(
                        "ha:\n  lease:\n    namespace: lb\n    identity: \"  \"\n  ledger:\n    configMap: a/b\n"
                                + "  leader: x\n",
                        List.of(
                                "ha.lease.identity: " + HaSection.IDENTITY + ", 1 to 128 characters (got \"  \")",
                                "ha.ledger.configMap: " + HaSection.NAME + " (got \"a/b\")",
                                "ha.leader: unknown key (known keys: lease, ledger)")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSections")
    void reportsEveryProblemOfTheSectionWithItsPath(String ha, List<String> expected) {
        assertEquals(expected, fixture.problemsOf(fixture.yaml() + ha));
    }
}
