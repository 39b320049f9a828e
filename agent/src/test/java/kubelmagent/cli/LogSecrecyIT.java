package kubelmagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import kubelmagent.config.AgentConfig;
import kubelmagent.config.ConfigException;
import kubelmagent.config.ConfigLoader;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.simulator.LoadMasterSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real passes ({@code --once --debug}, as an operator runs them) against the stand-in Kubernetes API and
 * the LoadMaster simulator, with distinctive credentials, through success and failure: no credential
 * shows up in any log record (message, parameters, exception chain), on stdout or stderr, in the
 * text of the loaded configuration, or in a configuration error.
 */
class LogSecrecyIT {

    private static final String TOKEN = "kube-token-1f9c3a7e-SECRET";
    private static final String WRONG_TOKEN = "kube-token-wrong-8d2b64-SECRET";
    private static final String API_KEY = "lm-apikey-5e7a0c93-SECRET";
    private static final String WRONG_API_KEY = "lm-apikey-wrong-2c4e81-SECRET";
    private static final String USER = "kube-lm-agent";
    private static final String PASSWORD = "lm-password-b7d3f015-SECRET";
    private static final String WRONG_PASSWORD = "lm-password-wrong-93ae27-SECRET";

    private static final List<String> SECRETS = List.of(
            TOKEN,
            WRONG_TOKEN,
            API_KEY,
            WRONG_API_KEY,
            PASSWORD,
            WRONG_PASSWORD,
            basic(PASSWORD),
            basic(WRONG_PASSWORD));

    /** Loggers that get the capturing handler: the agent's, and the libraries' (HttpClient, Quartz, Gson). */
    private static final List<String> LOGGERS = List.of("kubelmagent", "org", "com");

    @TempDir
    Path dir;

    private final List<LogRecord> records = new ArrayList<>();
    private final List<Logger> capturing = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (records) {
                records.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final StringBuilder lines = new StringBuilder();
    private PrintStream originalOut;
    private PrintStream originalErr;

    private StandInKubernetesApi cluster;
    private LoadMasterSimulator loadMaster;

    @BeforeEach
    void capture() {
        capture.setLevel(Level.ALL);
        for (String name : LOGGERS) {
            Logger logger = Logger.getLogger(name);
            logger.addHandler(capture);
            capturing.add(logger);
        }
        originalOut = System.out;
        originalErr = System.err;
        PrintStream both = new PrintStream(console, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
    }

    @AfterEach
    void release() {
        System.setOut(originalOut);
        System.setErr(originalErr);
        capturing.forEach(logger -> logger.removeHandler(capture));
        if (cluster != null) {
            cluster.close();
        }
        if (loadMaster != null) {
            loadMaster.close();
        }
    }

    private static String basic(String password) {
        return Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    // ---- the stand-ins and the configuration -----------------------------------------------------

    /** Both stand-ins, the LoadMaster with an API key, and a labelled Service with two ready pods. */
    private Path startWithApiKey(String tokenInFile, String apiKeyInFile) throws IOException {
        cluster = StandInKubernetesApi.start(dir, TOKEN);
        loadMaster = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .apiKey(API_KEY)
                .nonLocalRs(true)
                .workDir(dir.resolve("loadmaster")));
        return withService(Demo.writeConfig(dir, cluster, loadMaster, tokenInFile, apiKeyInFile));
    }

    /** Both stand-ins, the LoadMaster with a user and password, and a labelled Service. */
    private Path startWithPassword(String passwordInFile) throws IOException {
        cluster = StandInKubernetesApi.start(dir, TOKEN);
        loadMaster = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .credentials(USER, PASSWORD)
                .nonLocalRs(true)
                .workDir(dir.resolve("loadmaster")));
        Path config = withService(Demo.writeConfig(dir, cluster, loadMaster, TOKEN, "unused"));
        Files.writeString(dir.resolve("lm-password"), passwordInFile + "\n");
        replace(config, "  apiKeyFile: lm-apikey\n", "  username: " + USER + "\n  passwordFile: lm-password\n");
        return config;
    }

    private Path withService(Path config) {
        int vs = loadMaster
                .engine()
                .addVirtualService("10.0.0.3", 80, "tcp", "web")
                .index();
        cluster.service(
                "shop",
                "web",
                Map.of("kempLB", "Enabled"),
                Map.of("vsid", String.valueOf(vs)),
                List.of(StandInKubernetesApi.Port.tcp("http", 80, 8080)));
        cluster.scale("shop", "web", "10.244.1.7", "10.244.1.8");
        return config;
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertTrue(text.contains(from), () -> from + " is not in " + text);
        Files.writeString(file, text.replace(from, to));
    }

    // ---- running the agent and searching what it said --------------------------------------------

    /** Runs the agent as an operator would, with debug lines on; returns its exit code. */
    private int run(Path config, String... more) {
        List<String> args = new ArrayList<>(List.of("--config", config.toString(), "--debug"));
        args.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8));
        lines.append(out.toString(StandardCharsets.UTF_8));
        return code;
    }

    /** Everything the agent said: its lines, the console, and every captured record with its exceptions. */
    private String everythingSaid() {
        StringBuilder all = new StringBuilder(lines).append('\n').append(console.toString(StandardCharsets.UTF_8));
        SimpleFormatter formatter = new SimpleFormatter();
        synchronized (records) {
            for (LogRecord record : records) {
                all.append('\n').append(formatter.formatMessage(record));
                if (record.getThrown() != null) {
                    StringWriter trace = new StringWriter();
                    record.getThrown().printStackTrace(new PrintWriter(trace));
                    all.append('\n').append(trace);
                }
            }
        }
        return all.toString();
    }

    private void assertNoSecretIn(String text) {
        for (String secret : SECRETS) {
            assertFalse(text.contains(secret), () -> "a credential leaked:\n" + text);
        }
    }

    private void assertSaid(String fragment) {
        String lines = this.lines.toString();
        assertTrue(lines.contains(fragment), () -> "expected \"" + fragment + "\" in:\n" + lines);
    }

    private void assertNothingLeaked() {
        String all = everythingSaid();
        assertTrue(all.contains("<7>"), "debug lines were on");
        assertFalse(records.isEmpty(), "log records were captured");
        assertNoSecretIn(all);
    }

    // ---- cases -----------------------------------------------------------------------------------

    @Test
    void keepsTheTokenAndApiKeyOutOfASuccessfulPassAPreviewAndACheck() throws IOException {
        Path config = startWithApiKey(TOKEN, API_KEY);

        assertEquals(0, run(config, "--check-config"));
        assertEquals(0, run(config, "--once", "--dry-run"));
        assertEquals(0, run(config, "--once"));

        assertEquals(2, loadMaster.engine().calls("addrs"), "the pass really ran");
        assertNothingLeaked();
    }

    @Test
    void keepsAWrongTokenOutOfTheUnauthorizedError() throws IOException {
        Path config = startWithApiKey(WRONG_TOKEN, API_KEY);

        assertEquals(1, run(config, "--once"));

        assertSaid("401");
        assertNothingLeaked();
    }

    @Test
    void keepsAWrongApiKeyOutOfTheUnauthorizedError() throws IOException {
        Path config = startWithApiKey(TOKEN, WRONG_API_KEY);

        assertEquals(1, run(config, "--once"));

        assertSaid("401");
        assertNothingLeaked();
    }

    @Test
    void keepsThePasswordOutOfASuccessfulPassAndOfTheUnauthorizedError() throws IOException {
        Path config = startWithPassword(PASSWORD);
        assertEquals(0, run(config, "--once"));
        assertEquals(2, loadMaster.engine().calls("addrs"), "the pass really ran");

        Files.writeString(dir.resolve("lm-password"), WRONG_PASSWORD + "\n");
        cluster.scale("shop", "web", "10.244.1.9");
        assertEquals(1, run(config, "--once"));

        assertSaid("401");
        assertNothingLeaked();
    }

    @Test
    void keepsCredentialsOutOfTheErrorsOfUnreachableApis() throws IOException {
        Path config = startWithApiKey(TOKEN, API_KEY);
        cluster.close();
        loadMaster.close();

        assertEquals(1, run(config, "--once"));

        assertNothingLeaked();
    }

    @Test
    void keepsCredentialsOutOfTheErrorsOfAnUntrustedCertificate() throws IOException {
        Path config = startWithApiKey(TOKEN, API_KEY);
        String text = Files.readString(config);
        Files.writeString(
                config,
                text.replace("  caFile: " + cluster.caFile() + "\n", "  caFile: LM-CA\n")
                        .replace("  caFile: " + loadMaster.caFile() + "\n", "  caFile: " + cluster.caFile() + "\n")
                        .replace("  caFile: LM-CA\n", "  caFile: " + loadMaster.caFile() + "\n"));

        assertEquals(1, run(config, "--once"));

        assertNothingLeaked();
    }

    @Test
    void keepsCredentialsOutOfConfigurationErrors() throws IOException {
        Path config = startWithApiKey(TOKEN, API_KEY);
        Files.writeString(dir.resolve("token"), TOKEN + "\n" + WRONG_TOKEN + "\n");
        Files.writeString(dir.resolve("lm-password"), PASSWORD + "\n" + WRONG_PASSWORD + "\n");
        replace(
                config,
                "  apiKeyFile: lm-apikey\n",
                "  apiKeyFile: lm-apikey\n  username: " + USER + "\n  passwordFile: lm-password\n  password: "
                        + PASSWORD + "\n");

        assertEquals(78, run(config, "--check-config"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(config));

        assertSaid("kubernetes.tokenFile");
        assertNoSecretIn(e.getMessage() + e.problems());
        assertNoSecretIn(everythingSaid());
    }

    @Test
    void keepsCredentialsOutOfTheLoadedConfigurationsText() throws Exception {
        Path withApiKey = startWithApiKey(TOKEN, API_KEY);
        AgentConfig apiKeyConfig = ConfigLoader.load(withApiKey);
        Files.writeString(dir.resolve("lm-password"), PASSWORD + "\n");
        replace(withApiKey, "  apiKeyFile: lm-apikey\n", "  username: " + USER + "\n  passwordFile: lm-password\n");
        AgentConfig passwordConfig = ConfigLoader.load(withApiKey);

        for (AgentConfig config : List.of(apiKeyConfig, passwordConfig)) {
            assertNoSecretIn(config.toString());
            assertNoSecretIn(config.kubernetes().toString());
            assertNoSecretIn(config.loadMaster().toString());
            assertNoSecretIn(String.valueOf(config.loadMaster().apiKey()));
            assertNoSecretIn(String.valueOf(config.loadMaster().password()));
            assertNoSecretIn(
                    config.kubernetes().tls().toString() + config.loadMaster().tls());
            assertNoSecretIn(config.warnings().toString());
        }
        assertEquals(API_KEY, apiKeyConfig.loadMaster().apiKey().reveal(), "the key was really loaded");
        assertEquals(PASSWORD, passwordConfig.loadMaster().password().reveal(), "the password was really loaded");
    }
}
