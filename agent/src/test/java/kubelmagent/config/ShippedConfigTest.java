package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import kubelmagent.kube.Selector;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.plan.RemovalPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Keeps {@code conf/agent.yaml}, the example operators start from, loadable and complete. */
class ShippedConfigTest {

    /** Tests run in {@code agent/}; the example ships at the top of the repository. */
    private static final Path SHIPPED = Path.of("../conf/agent.yaml");

    private static final String ETC = "/etc/kube-lm-agent/";

    @TempDir
    Path tempDir;

    @Test
    void theShippedExampleLoadsWithTheDocumentedValues() throws Exception {
        AgentConfig config = ConfigLoader.load(install(shipped()));

        assertEquals(URI.create("https://10.0.0.10:6443"), config.kubernetes().server());
        assertEquals(dir().resolve("token"), config.kubernetes().tokenFile());
        assertEquals(1, config.kubernetes().tls().trustedCas().size());
        assertFalse(config.kubernetes().tls().insecureSkipTlsVerify());
        assertEquals(List.of(), config.namespaces());
        assertEquals(Duration.ofSeconds(10), config.kubernetes().timeout());
        assertEquals(URI.create("https://10.0.0.2"), config.loadMaster().url());
        assertEquals("secret-lm-apikey", config.loadMaster().apiKey().reveal());
        assertEquals(1, config.loadMaster().tls().trustedCas().size());
        assertTrue(config.loadMaster().nonLocal());
        assertEquals(Duration.ofSeconds(10), config.loadMaster().timeout());
        assertEquals(1, config.loadMaster().maxInFlight());
        assertEquals(Schedule.every(Duration.ofSeconds(10)), config.schedule());
        assertEquals(ConfigLoader.DEFAULT_STATE_DIR, config.stateDir());
        assertEquals(Selector.KEMP_DEFAULT, config.selector());
        assertEquals(RemovalPolicy.defaults(Duration.ofSeconds(10)), config.removals());
        assertEquals(Duration.ofSeconds(50), config.removals().drainTimeout());
        assertTrue(config.policy().isAllowAll());
        assertEquals(List.of(), config.networks().pods());
    }

    @Test
    void theShippedExampleLoadsWithItsCommentedBindingsAndDrainTimeout() throws Exception {
        String text = uncomment(shipped(), "drainTimeout");
        Matcher bindings =
                Pattern.compile("(?m)^  # (bindings:\\n)((?:  #   .*\\n)+)").matcher(text);
        assertTrue(bindings.find(), "no commented-out policy.bindings in conf/agent.yaml");
        text = text.substring(0, bindings.start()) + "  " + bindings.group(1)
                + bindings.group(2).replace("  #   ", "    ") + text.substring(bindings.end());

        AgentConfig config = ConfigLoader.load(install(text));

        assertEquals(Duration.ofSeconds(50), config.removals().drainTimeout());
        assertTrue(config.policy().allows("shop", VirtualServiceId.of(4)));
        assertTrue(config.policy().allows("team-blue", VirtualServiceId.of(7)));
        assertFalse(config.policy().allows("shop", VirtualServiceId.of(7)));
    }

    @Test
    void theShippedExampleIsTheOneClusterUnitsAndBecomesAnInstanceAsItsCommentsSay() throws Exception {
        String text = shipped();
        assertTrue(text.contains("# /etc/kube-lm-agent/NAME.yaml"), "no word on instances at the top");
        assertTrue(text.contains("systemctl enable --now kube-lm-agent@NAME"), "no word on enabling an instance");
        UnitStateDirectory plainUnit =
                new UnitStateDirectory(Map.of(UnitStateDirectory.STATE_DIRECTORY, "/var/lib/kube-lm-agent"));
        UnitStateDirectory instance =
                new UnitStateDirectory(Map.of(UnitStateDirectory.STATE_DIRECTORY, "/var/lib/kube-lm-agent/prod"));
        CredentialFiles credentials = new CredentialFiles(Map.of(), null);

        assertEquals(
                ConfigLoader.DEFAULT_STATE_DIR,
                ConfigLoader.load(install(text), credentials, plainUnit).stateDir());
        ConfigException refused =
                assertThrows(ConfigException.class, () -> ConfigLoader.load(install(shipped()), credentials, instance));
        assertEquals(
                List.of("sync.stateDir: must be /var/lib/kube-lm-agent/prod, the unit's StateDirectory"
                        + " (got \"/var/lib/kube-lm-agent\"): each instance keeps its own ledger there, the one"
                        + " directory the unit lets it write"),
                refused.problems());

        String prod =
                replaceLine(text, "  stateDir: /var/lib/kube-lm-agent", "  stateDir: /var/lib/kube-lm-agent/prod");
        prod = replaceLine(prod, "  listen: 127.0.0.1:9464", "  listen: 127.0.0.1:9465");
        AgentConfig config = ConfigLoader.load(install(prod), credentials, instance);

        assertEquals(Path.of("/var/lib/kube-lm-agent/prod"), config.stateDir());
        assertEquals(9465, config.metricsListen().getPort());
    }

    static Stream<Arguments> alternatives() {
        return Stream.of(
                Arguments.of(
                        "username and passwordFile instead of apiKeyFile",
                        List.of("username", "passwordFile"),
                        List.of("apiKeyFile")),
                Arguments.of("cron instead of interval", List.of("cron"), List.of("interval")),
                Arguments.of(
                        "kubeconfig and context instead of server",
                        List.of("kubeconfig", "context"),
                        List.of("server")));
    }

    @ParameterizedTest(name = "with {0}")
    @MethodSource("alternatives")
    void theShippedExampleLoadsWithEachCommentedAlternative(String name, List<String> uncomment, List<String> drop)
            throws Exception {
        String text = shipped();
        for (String key : uncomment) {
            text = uncomment(text, key);
        }
        for (String key : drop) {
            text = drop(text, key);
        }

        AgentConfig config = ConfigLoader.load(install(text));

        if (uncomment.contains("username")) {
            assertNull(config.loadMaster().apiKey());
            assertEquals("secret-lm-password", config.loadMaster().password().reveal());
        }
        if (uncomment.contains("cron")) {
            assertEquals("0/30 * * * * ?", config.schedule().cron());
        }
        if (uncomment.contains("kubeconfig")) {
            assertEquals(
                    URI.create("https://10.0.0.20:6443"), config.kubernetes().server());
            assertEquals(dir().resolve("token"), config.kubernetes().tokenFile(), "tokenFile overrides the user");
        }
    }

    @Test
    void theShippedExampleMentionsEveryKeyInItsSection() throws IOException {
        String text = shipped();
        Map<String, List<String>> sections = Map.of(
                "kubernetes", KubernetesSection.KEYS,
                "loadmaster", LoadMasterSection.KEYS,
                "sync", SyncSection.KEYS,
                "selector", SelectorSection.KEYS,
                "policy", PolicySection.KEYS,
                "metrics", MetricsSection.KEYS);
        assertEquals(ConfigLoader.ROOT_KEYS.size(), sections.size() + 1, "and ha, optional, below");
        assertTrue(text.contains("\n# ha:\n#   lease:\n"), "the ha section, commented out");
        for (String key : HaSection.LEASE_KEYS) {
            assertTrue(
                    Pattern.compile("(?m)^#     (# )?" + key + ":( |$)")
                            .matcher(text)
                            .find(),
                    "ha.lease." + key);
        }
        for (String key : HaSection.LEDGER_KEYS) {
            assertTrue(
                    Pattern.compile("(?m)^#     " + key + ":( |$)")
                            .matcher(text)
                            .find(),
                    "ha.ledger." + key);
        }
        sections.forEach((section, keys) -> {
            Matcher m = Pattern.compile("(?ms)^" + section + ":\\n(.*?)(?=^\\S|\\z)")
                    .matcher(text);
            assertTrue(m.find(), "no section " + section);
            for (String key : keys) {
                assertTrue(
                        Pattern.compile("(?m)^  (# )?" + key + ":( |$)")
                                .matcher(m.group(1))
                                .find(),
                        () -> section + "." + key + " is not in conf/agent.yaml");
            }
        });
    }

    private static String shipped() throws IOException {
        return Files.readString(SHIPPED);
    }

    private Path dir() {
        return tempDir.toAbsolutePath().normalize();
    }

    /**
     * Writes {@code text} as {@code agent.yaml} into the temp dir, with {@code /etc/kube-lm-agent/}
     * pointing there, and creates every file it names: test CA certificates for {@code .crt}, a
     * kubeconfig, and a one-line secret for everything else.
     */
    private Path install(String text) throws IOException {
        Path dir = dir();
        Matcher context = Pattern.compile("(?m)^\\s*(?:# )?context: (\\S+)").matcher(text);
        String contextName = context.find() ? context.group(1) : "default";
        Matcher files =
                Pattern.compile(Pattern.quote(ETC) + "([A-Za-z0-9._-]+)").matcher(text);
        while (files.find()) {
            String name = files.group(1);
            String content = name.endsWith(".crt")
                    ? ConfigFixture.caPem()
                    : name.equals("kubeconfig") ? ConfigFixture.kubeconfig(contextName) : "secret-" + name + "\n";
            Files.writeString(dir.resolve(name), content);
        }
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, text.replace(ETC, dir + "/"));
        return file;
    }

    private static String uncomment(String text, String key) {
        Matcher m = Pattern.compile("(?m)^(\\s*)# (" + key + ": .*)$").matcher(text);
        assertTrue(m.find(), "no commented-out " + key + " in conf/agent.yaml");
        return text.substring(0, m.start()) + m.group(1) + m.group(2) + text.substring(m.end());
    }

    private static String replaceLine(String text, String line, String replacement) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(line) + "$").matcher(text);
        assertTrue(m.find(), "no line '" + line + "' in conf/agent.yaml");
        return text.substring(0, m.start()) + replacement + text.substring(m.end());
    }

    private static String drop(String text, String key) {
        Matcher m = Pattern.compile("(?m)^\\s*" + key + ": .*\\n").matcher(text);
        assertTrue(m.find(), "no " + key + " in conf/agent.yaml");
        return text.substring(0, m.start()) + text.substring(m.end());
    }
}
