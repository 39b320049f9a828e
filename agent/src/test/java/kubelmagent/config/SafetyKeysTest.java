package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import kubelmagent.kube.NodeModeSettings;
import kubelmagent.model.Cidr;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.RemovalPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The keys that make removals cautious ({@code sync.*}), {@code policy.bindings} and {@code kubernetes.podCidrs}. */
class SafetyKeysTest {

    private static final String VSID =
            "must be a Virtual Service id: a whole number of 1 or more (the Id column of" + " View/Modify Services)";
    private static final String NAMESPACE_PATTERN = "must be a namespace name (lowercase letters, digits and '-'),"
            + " in which * stands for any run of characters and ? for one";
    private static final String FRACTION = "must be a fraction above 0 and at most 1, e.g. 0.5 for half";

    @TempDir
    Path tempDir;

    private ConfigFixture fixture;

    @BeforeEach
    void createFiles() {
        fixture = new ConfigFixture(tempDir);
    }

    // ---- sync: removals --------------------------------------------------------------------------

    @Test
    void removesCautiouslyByDefault() throws ConfigException {
        AgentConfig config = fixture.load();

        assertEquals(
                new RemovalPolicy(Duration.ofSeconds(50), 2, Duration.ofSeconds(10), 0.5, 5, Duration.ofMinutes(10)),
                config.removals());
    }

    @Test
    void confirmsRemovalsOnePassIntervalApartAndWidensTheWindowForSlowSchedules() throws ConfigException {
        AgentConfig config = fixture.with("sync", "interval: 5m").load();

        assertEquals(Duration.ofMinutes(5), config.removals().confirmationInterval());
        assertEquals(Duration.ofMinutes(15), config.removals().window(), "three passes, more than the 10 min default");
    }

    @Test
    void takesTheRemovalWindowAsWrittenAndRefusesOneThatCannotSeeTwoPasses() {
        assertEquals(
                Duration.ofHours(1),
                assertDoesNotThrow(
                                () -> fixture.with("sync", "removalWindow: 1h").load())
                        .removals()
                        .window());
        assertEquals(
                List.of("sync.removalWindow: must be at least two pass intervals (20s), or a take-out spread"
                        + " over passes would not be seen (got \"15s\")"),
                fixture.with("sync", "removalWindow: 15s").problems());
    }

    @Test
    void derivesTheDefaultDrainTimeoutFromTheInterval() throws ConfigException {
        AgentConfig config = fixture.with("sync", "interval: 1m").load();

        assertEquals(Duration.ofSeconds(150), config.removals().drainTimeout());
    }

    @Test
    void derivesTheDefaultDrainTimeoutFromTheGapBetweenCronFirings() throws ConfigException {
        AgentConfig config = fixture.with("sync", "cron: \"0 */5 * * * ?\"").load();

        assertEquals(Duration.ofMinutes(10).plusSeconds(30), config.removals().drainTimeout());
    }

    @Test
    void takesEveryRemovalSettingAsWritten() throws ConfigException {
        AgentConfig config = fixture.with("sync", """
                drainTimeout: 0s
                removalConfirmations: 1
                maxRemovalFraction: 1
                maxRemovalMinimum: 0""").load();

        assertEquals(
                new RemovalPolicy(Duration.ZERO, 1, Duration.ofSeconds(10), 1.0, 0, Duration.ofMinutes(10)),
                config.removals());
    }

    @Test
    void acceptsAFractionWrittenWithoutALeadingZeroOrInQuotes() throws ConfigException {
        assertEquals(
                0.25,
                fixture.with("sync", "maxRemovalFraction: .25")
                        .load()
                        .removals()
                        .maxFraction());
        assertEquals(
                0.3,
                fixture.with("sync", "maxRemovalFraction: \"0.3\"")
                        .load()
                        .removals()
                        .maxFraction());
    }

    static Stream<Arguments> badSyncValues() {
        return Stream.of(
                Arguments.of(
                        "drainTimeout: 30",
                        "sync.drainTimeout: must be a duration such as 500ms, 10s, 5m or 1h" + " (got \"30\")"),
                Arguments.of(
                        "drainTimeout: -5s",
                        "sync.drainTimeout: must be a duration such as 500ms, 10s, 5m or 1h" + " (got \"-5s\")"),
                Arguments.of(
                        "removalConfirmations: 0",
                        "sync.removalConfirmations: must be a whole number, 1 or more (got \"0\")"),
                Arguments.of(
                        "removalConfirmations: 2.5",
                        "sync.removalConfirmations: must be a whole number, 1 or more (got \"2.5\")"),
                Arguments.of(
                        "removalConfirmations: 99999999999",
                        "sync.removalConfirmations: must be a whole number, 1 or more (got \"99999999999\")"),
                Arguments.of(
                        "removalConfirmations: [2]",
                        "sync.removalConfirmations: must be a whole number, 1 or more (got a list)"),
                Arguments.of(
                        "maxRemovalMinimum: -1",
                        "sync.maxRemovalMinimum: must be a whole number, 0 or more (got \"-1\")"),
                Arguments.of("maxRemovalFraction: 0", "sync.maxRemovalFraction: " + FRACTION + " (got \"0\")"),
                Arguments.of("maxRemovalFraction: 1.01", "sync.maxRemovalFraction: " + FRACTION + " (got \"1.01\")"),
                Arguments.of("maxRemovalFraction: 50%", "sync.maxRemovalFraction: " + FRACTION + " (got \"50%\")"),
                Arguments.of("maxRemovalFraction: .nan", "sync.maxRemovalFraction: " + FRACTION + " (got \".nan\")"),
                Arguments.of("maxRemovalFraction: 5e-1", "sync.maxRemovalFraction: " + FRACTION + " (got \"5e-1\")"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSyncValues")
    void reportsABadRemovalSettingWithItsPath(String line, String expected) {
        assertEquals(List.of(expected), fixture.with("sync", line).problems());
    }

    // ---- policy.bindings -------------------------------------------------------------------------

    @Test
    void letsAnyNamespaceBindAnyVirtualServiceWithoutAPolicy() throws ConfigException {
        assertTrue(fixture.load().policy().isAllowAll());
        assertTrue(
                ConfigLoader.parse(fixture.yaml() + "policy:\n", "agent.yaml", fixture.dir)
                        .policy()
                        .isAllowAll(),
                "an empty policy: counts as absent");
    }

    @Test
    void allowsNothingWithAnEmptyListOfBindings() throws ConfigException {
        BindingPolicy policy = fixture.with("policy", "bindings: []").load().policy();

        assertFalse(policy.isAllowAll());
        assertFalse(policy.allows("shop", VirtualServiceId.of(3)));
    }

    @Test
    void readsBindingsWithNamesPatternsAndQuotedIds() throws ConfigException {
        String yaml = fixture.yaml() + """
                policy:
                  bindings:
                    - namespace: shop
                      vsids: [3, "4"]
                    - namespace: "team-?-*"
                      vsids:
                        - 7
                """;

        BindingPolicy policy =
                ConfigLoader.parse(yaml, "agent.yaml", fixture.dir).policy();

        assertEquals(
                List.of(
                        new BindingPolicy.Binding("shop", Set.of(VirtualServiceId.of(3), VirtualServiceId.of(4))),
                        new BindingPolicy.Binding("team-?-*", Set.of(VirtualServiceId.of(7)))),
                policy.bindings());
        assertTrue(policy.allows("shop", VirtualServiceId.of(4)));
        assertTrue(policy.allows("team-a-payments", VirtualServiceId.of(7)));
        assertFalse(policy.allows("team-ab-payments", VirtualServiceId.of(7)));
        assertFalse(policy.allows("shop", VirtualServiceId.of(7)));
    }

    static Stream<Arguments> badPolicies() {
        return Stream.of(
                Arguments.of(
                        "policy: [shop]",
                        List.of("policy: must be a mapping of indented \"key: value\" lines (got a list)")),
                Arguments.of(
                        "policy:\n  rules: []",
                        List.of(
                                "policy.rules: unknown key (known keys: bindings)",
                                "policy.bindings: is required with policy: list which namespaces may bind which Virtual"
                                        + " Services, write [] to allow none, or remove policy to let any namespace bind any"
                                        + " Virtual Service")),
                Arguments.of(
                        "policy:\n  bindings: {namespace: shop, vsids: [3]}",
                        List.of("policy.bindings: must be a list of rules such as {namespace: shop, vsids: [3, 4]}"
                                + " (got a mapping)")),
                Arguments.of(
                        "policy:\n  bindings: [shop]",
                        List.of(
                                "policy.bindings[0]: must be a mapping of indented \"key: value\" lines (got a string)")),
                Arguments.of(
                        "policy:\n  bindings:\n    - namespace: shop\n    - vsids: [3]",
                        List.of(
                                "policy.bindings[0].vsids: is required: the Virtual Service ids the namespace may bind, e.g."
                                        + " [3, 4]",
                                "policy.bindings[1].namespace: is required: the namespace, or a pattern such as shop-*")),
                Arguments.of(
                        "policy:\n  bindings:\n    - {namespace: Shop_1, vsids: [3], colour: red}",
                        List.of(
                                "policy.bindings[0].namespace: " + NAMESPACE_PATTERN + " (got \"Shop_1\")",
                                "policy.bindings[0].colour: unknown key (known keys: namespace, vsids)")),
                Arguments.of(
                        "policy:\n  bindings:\n    - {namespace: \"" + "a".repeat(64) + "\", vsids: [3]}",
                        List.of("policy.bindings[0].namespace: " + NAMESPACE_PATTERN + " (got \"" + "a".repeat(64)
                                + "\")")),
                Arguments.of(
                        "policy:\n  bindings:\n    - {namespace: shop, vsids: 3}",
                        List.of(
                                "policy.bindings[0].vsids: must be a list of Virtual Service ids, e.g. [3, 4] (got a number)")),
                Arguments.of(
                        "policy:\n  bindings:\n    - {namespace: shop, vsids: []}",
                        List.of(
                                "policy.bindings[0].vsids: must list at least one Virtual Service id; remove the rule to allow"
                                        + " the namespace none")),
                Arguments.of(
                        "policy:\n  bindings:\n    - {namespace: shop, vsids: [0, -3, 2.5, x, 99999999999, ~, [4]]}",
                        List.of(
                                "policy.bindings[0].vsids[0]: " + VSID + " (got \"0\")",
                                "policy.bindings[0].vsids[1]: " + VSID + " (got \"-3\")",
                                "policy.bindings[0].vsids[2]: " + VSID + " (got \"2.5\")",
                                "policy.bindings[0].vsids[3]: " + VSID + " (got \"x\")",
                                "policy.bindings[0].vsids[4]: " + VSID + " (got \"99999999999\")",
                                "policy.bindings[0].vsids[5]: " + VSID + " (got nothing)",
                                "policy.bindings[0].vsids[6]: " + VSID + " (got a list)")),
                Arguments.of(
                        "policy:\n  bindings:\n    - {namespace: shop, vsids: [3]}\n    - {namespace: web, vsids: [\"٣\"]}",
                        List.of("policy.bindings[1].vsids[0]: " + VSID + " (got \"٣\")")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPolicies")
    void reportsEveryProblemOfAPolicyWithItsPath(String policy, List<String> expected) {
        assertEquals(expected, fixture.problemsOf(fixture.yaml() + policy + "\n"));
    }

    // ---- kubernetes.podCidrs ---------------------------------------------------------------------

    @Test
    void readsThePodNetworks() throws ConfigException {
        AgentConfig config = fixture.with("kubernetes", "podCidrs: [10.244.0.0/16, \"fd00:10:244::/56\"]")
                .load();

        assertEquals(
                List.of(new Cidr("10.244.0.0", 16), new Cidr("fd00:10:244::", 56)),
                config.networks().pods());
        assertEquals(
                List.of(),
                fixture.with("kubernetes", "-podCidrs").load().networks().pods());
    }

    @Test
    void reportsEachBadPodNetworkWithItsIndex() {
        List<String> problems = fixture.with("kubernetes", "podCidrs: [10.244.0.0/16, 10.244.0.0, 10.0.0.0/33, ~, [x]]")
                .problems();

        assertEquals(
                List.of(
                        "kubernetes.podCidrs[1]: must be a network such as 10.244.0.0/16: there is no / and prefix length"
                                + " (got \"10.244.0.0\")",
                        "kubernetes.podCidrs[2]: must be a network such as 10.244.0.0/16: the prefix length of an IPv4 network"
                                + " is 0 to 32 (got \"10.0.0.0/33\")",
                        "kubernetes.podCidrs[3]: must be a network such as 10.244.0.0/16 (got nothing)",
                        "kubernetes.podCidrs[4]: must be a network such as 10.244.0.0/16 (got a list)"),
                problems);
    }

    // ---- kubernetes.nodeCidrs, defaultMode, nodeAddress ----------------------------------------------

    @Test
    void readsTheNodeNetworksAndTheModeSettings() throws ConfigException {
        AgentConfig config = fixture.with(
                        "kubernetes",
                        "nodeCidrs: [192.168.50.0/24, \"FD00:50::/64\"]\ndefaultMode: nodeports\nnodeAddress: external")
                .load();

        assertEquals(
                List.of(new Cidr("192.168.50.0", 24), new Cidr("FD00:50::", 64)),
                config.networks().nodes());
        assertTrue(config.networks().allows("fd00:50:0:0::7", kubelmagent.model.Backends.NODE_PORTS));
        assertEquals(new NodeModeSettings(kubelmagent.model.Backends.NODE_PORTS, true), config.modes());
        assertEquals(
                NodeModeSettings.DEFAULT,
                fixture.with("kubernetes", "-defaultMode\n-nodeAddress").load().modes(),
                "pods, InternalIP, unless agent.yaml says so");
    }

    @Test
    void reportsEveryBadModeSettingWithItsPath() {
        assertEquals(
                List.of(
                        "kubernetes.nodeCidrs[0]: must be a network such as 10.244.0.0/16: there is no / and prefix"
                                + " length (got \"192.168.50.1\")",
                        "kubernetes.defaultMode: must be pods or nodeports (got \"nodeport-ish\")",
                        "kubernetes.nodeAddress: must be internal or external (got \"public\")"),
                fixture.with("kubernetes", "nodeCidrs: [192.168.50.1]\ndefaultMode: nodeport-ish\nnodeAddress: public")
                        .problems());
    }

    @Test
    void reportsPodNetworksThatAreNotAList() {
        assertEquals(
                List.of("kubernetes.podCidrs: must be a list of networks such as [10.244.0.0/16] (got a string)"),
                fixture.with("kubernetes", "podCidrs: 10.244.0.0/16").problems());
    }
}
