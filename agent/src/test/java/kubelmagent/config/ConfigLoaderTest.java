package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import kubelmagent.kube.KubernetesConnection;
import kubelmagent.kube.Selector;
import kubelmagent.loadmaster.LoadMasterConnection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

    private static final String KUBERNETES_KEYS =
            "server, kubeconfig, context, tokenFile, caFile, insecureSkipTlsVerify, namespaces, timeout, podCidrs, nodeCidrs,"
                    + " defaultMode, nodeAddress";
    private static final String LOADMASTER_KEYS =
            "url, apiKeyFile, username, passwordFile, caFile, insecureSkipTlsVerify, nonLocal, timeout, maxInFlight";
    private static final String NAMESPACE_NAME = "must be a namespace name (lowercase letters, digits and '-')";
    private static final String LABEL_KEY = "the key must be a label key: up to 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit, optionally after a DNS subdomain prefix and '/'";
    private static final String LABEL_VALUE = "the value must be empty or up to 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit";
    private static final String ANNOTATION_KEY = "must be an annotation key: up to 63 letters, digits, '-', '_' or "
            + "'.', starting and ending with a letter or digit, optionally after a DNS subdomain prefix and '/'";
    private static final String DURATION = "must be a duration such as 500ms, 10s, 5m or 1h";

    @TempDir
    Path tempDir;

    private ConfigFixture fixture;

    @BeforeEach
    void createFiles() {
        fixture = new ConfigFixture(tempDir);
    }

    // ---- valid configurations --------------------------------------------------------------------

    @Test
    void namesTheInstanceAfterTheConfigurationFile() {
        assertEquals("agent", ConfigLoader.instance("/etc/kube-lm-agent/agent.yaml"));
        assertEquals("prod", ConfigLoader.instance("/etc/kube-lm-agent/prod.yaml"));
        assertEquals("blue-2", ConfigLoader.instance("blue-2.yml"));
        assertEquals("agent.conf", ConfigLoader.instance("agent.conf"));
        assertEquals(".yaml", ConfigLoader.instance(".yaml"));
    }

    @Test
    void loadsTheMinimalConfigWithEveryDefaultApplied() throws ConfigException {
        AgentConfig config = fixture.load();

        KubernetesConnection kube = config.kubernetes();
        assertEquals(URI.create("https://10.0.0.10:6443"), kube.server());
        assertEquals(fixture.dir.resolve("token"), kube.tokenFile());
        assertNull(kube.staticToken());
        assertTrue(kube.tls().trustedCas().isEmpty(), "no caFile: the system trust store");
        assertNull(kube.tls().clientKeyStore());
        assertFalse(kube.tls().insecureSkipTlsVerify());
        assertEquals(Duration.ofSeconds(10), kube.timeout());
        assertEquals(List.of(), config.namespaces());

        LoadMasterConnection lm = config.loadMaster();
        assertEquals(URI.create("https://10.0.0.2"), lm.url());
        assertEquals(ConfigFixture.API_KEY, lm.apiKey().reveal());
        assertNull(lm.username());
        assertNull(lm.password());
        assertTrue(lm.tls().trustedCas().isEmpty());
        assertFalse(lm.tls().insecureSkipTlsVerify());
        assertTrue(lm.nonLocal());
        assertEquals(Duration.ofSeconds(10), lm.timeout());
        assertEquals(1, lm.maxInFlight(), "one write at a time");

        assertEquals(Schedule.every(Duration.ofSeconds(10)), config.schedule());
        assertEquals(Path.of("/var/lib/kube-lm-agent"), config.stateDir());
        assertEquals(Selector.KEMP_DEFAULT, config.selector());
    }

    @Test
    void loadsAConfigThatSetsEveryKey() throws ConfigException {
        AgentConfig config = fixture.with("kubernetes", """
                        server: https://k8s.example.com:6443/
                        caFile: kube-ca.crt
                        insecureSkipTlsVerify: false
                        namespaces: [shop, payments-2]
                        timeout: 30s""")
                .with("loadmaster", """
                        url: https://10.0.0.2:8443/
                        caFile: lm-ca.crt
                        insecureSkipTlsVerify: false
                        nonLocal: false
                        timeout: 2m
                        maxInFlight: 4""")
                .with("sync", """
                        interval: 1h
                        stateDir: /srv/kube-lm-agent/../kube-lm-agent/state""")
                .with("selector", """
                        label: lb.example.com/kemp=
                        vsidAnnotation: lb.example.com/vsid""")
                .load();

        assertEquals(
                URI.create("https://k8s.example.com:6443"), config.kubernetes().server());
        assertEquals(1, config.kubernetes().tls().trustedCas().size());
        assertEquals(Duration.ofSeconds(30), config.kubernetes().timeout());
        assertEquals(List.of("shop", "payments-2"), config.namespaces());
        assertEquals(URI.create("https://10.0.0.2:8443"), config.loadMaster().url());
        assertEquals(1, config.loadMaster().tls().trustedCas().size());
        assertFalse(config.loadMaster().nonLocal());
        assertEquals(Duration.ofMinutes(2), config.loadMaster().timeout());
        assertEquals(4, config.loadMaster().maxInFlight());
        assertEquals(Schedule.every(Duration.ofHours(1)), config.schedule());
        assertTrue(config.watch(), "sync.watch is on by default");
        assertEquals(Path.of("/srv/kube-lm-agent/state"), config.stateDir());
        assertEquals(new Selector("lb.example.com/kemp", "", "lb.example.com/vsid"), config.selector());
    }

    @Test
    void theWatchCanBeTurnedOff() throws ConfigException {
        assertFalse(fixture.with("sync", "watch: false").load().watch());
    }

    @Test
    void acceptsInsecureSkipTlsVerifyWithoutCaFile() throws ConfigException {
        AgentConfig config = fixture.with("kubernetes", "insecureSkipTlsVerify: true")
                .with("loadmaster", "insecureSkipTlsVerify: True")
                .load();

        assertTrue(config.kubernetes().tls().insecureSkipTlsVerify());
        assertTrue(config.loadMaster().tls().insecureSkipTlsVerify());
    }

    @Test
    void keepsAServerPathButDropsItsTrailingSlash() throws ConfigException {
        AgentConfig config = fixture.with("kubernetes", "server: https://rancher.example.com/k8s/clusters/c-m-1/")
                .load();

        assertEquals(
                URI.create("https://rancher.example.com/k8s/clusters/c-m-1"),
                config.kubernetes().server());
    }

    @Test
    void authenticatesToTheLoadMasterWithUsernameAndPasswordFile() throws ConfigException {
        AgentConfig config = fixture.with(
                        "loadmaster", "-apiKeyFile\nusername: kube-lm-agent\npasswordFile: lm-password")
                .load();

        assertNull(config.loadMaster().apiKey());
        assertEquals("kube-lm-agent", config.loadMaster().username());
        assertEquals(ConfigFixture.PASSWORD, config.loadMaster().password().reveal());
    }

    @Test
    void authenticatesToTheLoadMasterWithAnApiKeyFile() throws ConfigException {
        LoadMasterConnection lm = fixture.load().loadMaster();

        assertEquals(ConfigFixture.API_KEY, lm.apiKey().reveal(), "the trailing newline is stripped");
        assertNull(lm.username());
        assertNull(lm.password());
    }

    @Test
    void runsOnACronScheduleInsteadOfAnInterval() throws ConfigException {
        AgentConfig config = fixture.with("sync", "cron: \"0/30 * * * * ?\"").load();

        assertEquals(Schedule.cron("0/30 * * * * ?"), config.schedule());
    }

    @Test
    void resolvesRelativePathsAgainstTheConfigFilesDirectory() throws Exception {
        fixture.write("etc/agent/secrets/lm-apikey", "nested-key");
        fixture.write("etc/kube-ca.crt", ConfigFixture.caPem());
        fixture.write("etc/agent/token", "t");
        Path file = fixture.write("etc/agent/agent.yaml", """
                kubernetes:
                  server: https://10.0.0.10:6443
                  tokenFile: token
                  caFile: ../kube-ca.crt
                loadmaster:
                  url: https://10.0.0.2
                  apiKeyFile: ./secrets/lm-apikey
                """);

        AgentConfig config = ConfigLoader.load(file);

        assertEquals(fixture.dir.resolve("etc/agent/token"), config.kubernetes().tokenFile());
        assertEquals(1, config.kubernetes().tls().trustedCas().size());
        assertEquals("nested-key", config.loadMaster().apiKey().reveal());
    }

    @Test
    void keepsAbsolutePathsAsTheyAre() throws ConfigException {
        Path elsewhere = fixture.write("elsewhere/token", "t");

        String yaml = fixture.with("kubernetes", "tokenFile: " + elsewhere)
                .with("loadmaster", "apiKeyFile: " + fixture.dir.resolve("lm-apikey"))
                .yaml();

        AgentConfig config = ConfigLoader.parse(yaml, "agent.yaml", fixture.dir.resolve("etc"));

        assertEquals(elsewhere, config.kubernetes().tokenFile());
        assertEquals(ConfigFixture.API_KEY, config.loadMaster().apiKey().reveal());
    }

    @Test
    void readsAFileWithAByteOrderMarkAndWindowsLineEndings() throws ConfigException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] text = fixture.yaml().replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[bom.length + text.length];
        System.arraycopy(bom, 0, bytes, 0, bom.length);
        System.arraycopy(text, 0, bytes, bom.length, text.length);
        Path file = fixture.write("agent.yaml", "");
        try {
            Files.write(file, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        assertEquals(
                URI.create("https://10.0.0.2"),
                ConfigLoader.load(file).loadMaster().url());
    }

    // ---- kubeconfig ------------------------------------------------------------------------------

    @Test
    void connectsWithTheKubeconfigsClusterAndUser() throws ConfigException {
        AgentConfig config = fixture.with("kubernetes", "-server\n-tokenFile\nkubeconfig: kubeconfig\ntimeout: 20s")
                .load();

        KubernetesConnection kube = config.kubernetes();
        assertEquals(URI.create("https://10.0.0.20:6443"), kube.server());
        assertEquals(ConfigFixture.KUBECONFIG_TOKEN, kube.staticToken().reveal());
        assertNull(kube.tokenFile());
        assertEquals(1, kube.tls().trustedCas().size());
        assertEquals(Duration.ofSeconds(20), kube.timeout());
    }

    @Test
    void usesTheNamedKubeconfigContext() throws ConfigException {
        fixture.write("kubeconfig", ConfigFixture.kubeconfig("prod"));

        AgentConfig config = fixture.with("kubernetes", "-server\n-tokenFile\nkubeconfig: kubeconfig\ncontext: prod")
                .load();

        assertEquals(URI.create("https://10.0.0.20:6443"), config.kubernetes().server());
    }

    @Test
    void letsTokenFileOverrideTheKubeconfigsCredentials() throws ConfigException {
        AgentConfig config =
                fixture.with("kubernetes", "-server\nkubeconfig: kubeconfig").load();

        KubernetesConnection kube = config.kubernetes();
        assertEquals(URI.create("https://10.0.0.20:6443"), kube.server());
        assertEquals(fixture.dir.resolve("token"), kube.tokenFile());
        assertNull(kube.staticToken());
        assertNull(kube.tls().clientKeyStore());
        assertEquals(1, kube.tls().trustedCas().size(), "the kubeconfig's CA is kept");
    }

    @Test
    void letsInsecureSkipTlsVerifyOverrideTheKubeconfigsCertificateSettings() throws ConfigException {
        AgentConfig config = fixture.with(
                        "kubernetes", "-server\n-tokenFile\nkubeconfig: kubeconfig\ninsecureSkipTlsVerify: true")
                .load();

        assertTrue(config.kubernetes().tls().insecureSkipTlsVerify());
        assertTrue(config.kubernetes().tls().trustedCas().isEmpty());
    }

    @Test
    void reportsWhatIsWrongWithTheKubeconfig() {
        List<String> problems = fixture.with(
                        "kubernetes", "-server\n-tokenFile\nkubeconfig: kubeconfig\ncontext: no-such-context")
                .problems();

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("kubernetes.kubeconfig: "), problems.get(0));
        assertFalse(problems.get(0).contains(ConfigFixture.KUBECONFIG_TOKEN));
    }

    // ---- one problem per bad value ---------------------------------------------------------------

    static Stream<Arguments> badValues() {
        return Stream.of(
                // kubernetes
                bad("kubernetes", "server: ftp://x", "kubernetes.server: must be an https URL (got \"ftp://x\")"),
                bad(
                        "kubernetes",
                        "server: http://10.0.0.10:6443",
                        "kubernetes.server: must be an https URL (got \"http://10.0.0.10:6443\")"),
                bad(
                        "kubernetes",
                        "server: https://admin:s3cret@10.0.0.10:6443",
                        "kubernetes.server: must not contain a user name or password; use tokenFile instead"
                                + " (got \"https://***@10.0.0.10:6443\")"),
                bad(
                        "kubernetes",
                        "server: https://10.0.0.10:6443/?watch=1",
                        "kubernetes.server: must not have a query or fragment (got \"https://10.0.0.10:6443/?***\")"),
                bad(
                        "kubernetes",
                        "server: [https://10.0.0.10]",
                        "kubernetes.server: must be an https URL (got a list)"),
                bad("kubernetes", "kubeconfig: kubeconfig", "kubernetes: set either server or kubeconfig, not both"),
                bad("kubernetes", "-server", "kubernetes: set either server or kubeconfig"),
                bad("kubernetes", "server:", "kubernetes: set either server or kubeconfig"),
                bad("kubernetes", "-tokenFile", "kubernetes.tokenFile: is required with server"),
                bad("kubernetes", "context: prod", "kubernetes.context: applies only with kubeconfig"),
                bad(
                        "kubernetes",
                        "-server\n-tokenFile\nkubeconfig: missing",
                        "kubernetes.kubeconfig: cannot read {dir}/missing: No such file or directory"),
                bad(
                        "kubernetes",
                        "tokenFile: missing",
                        "kubernetes.tokenFile: cannot read {dir}/missing: No such file or directory"),
                bad("kubernetes", "tokenFile: empty", "kubernetes.tokenFile: {dir}/empty is empty"),
                bad("kubernetes", "tokenFile: blank", "kubernetes.tokenFile: {dir}/blank is empty"),
                bad("kubernetes", "tokenFile: .", "kubernetes.tokenFile: cannot read {dir}: Is a directory"),
                bad(
                        "kubernetes",
                        "tokenFile: two-lines",
                        "kubernetes.tokenFile: {dir}/two-lines has more than one line; it must hold only the token"),
                bad("kubernetes", "tokenFile: \"\"", "kubernetes.tokenFile: must be a file path (got \"\")"),
                bad(
                        "kubernetes",
                        "tokenFile: ~/token",
                        "kubernetes.tokenFile: must be an absolute path or one relative to this file's directory;"
                                + " ~ is not expanded (got \"~/token\")"),
                bad(
                        "kubernetes",
                        "caFile: missing.crt",
                        "kubernetes.caFile: cannot read {dir}/missing.crt: No such file or directory"),
                bad("kubernetes", "caFile: empty", "kubernetes.caFile: {dir}/empty is empty"),
                bad(
                        "kubernetes",
                        "caFile: key.pem",
                        "kubernetes.caFile: {dir}/key.pem: no PEM certificate found"
                                + " (a \"-----BEGIN CERTIFICATE-----\" block is expected)"),
                bad(
                        "kubernetes",
                        "caFile: kube-ca.crt\ninsecureSkipTlsVerify: true",
                        "kubernetes: set caFile or insecureSkipTlsVerify: true, not both"),
                bad(
                        "kubernetes",
                        "insecureSkipTlsVerify: yes",
                        "kubernetes.insecureSkipTlsVerify: must be true or false (got \"yes\")"),
                bad("kubernetes", "namespaces: shop", "kubernetes.namespaces: must be a list of names (got a string)"),
                bad(
                        "kubernetes",
                        "namespaces: {shop: 1}",
                        "kubernetes.namespaces: must be a list of names (got a mapping)"),
                bad(
                        "kubernetes",
                        "namespaces: [shop, Shop_1]",
                        "kubernetes.namespaces[1]: " + NAMESPACE_NAME + " (got \"Shop_1\")"),
                bad(
                        "kubernetes",
                        "namespaces: [-shop]",
                        "kubernetes.namespaces[0]: " + NAMESPACE_NAME + " (got \"-shop\")"),
                bad(
                        "kubernetes",
                        "namespaces: [shop, ~]",
                        "kubernetes.namespaces[1]: " + NAMESPACE_NAME + " (got nothing)"),
                bad(
                        "kubernetes",
                        "namespaces: [[shop]]",
                        "kubernetes.namespaces[0]: " + NAMESPACE_NAME + " (got a list)"),
                bad(
                        "kubernetes",
                        "namespaces: [" + "a".repeat(64) + "]",
                        "kubernetes.namespaces[0]: must be a namespace name of at most 63 characters (got \""
                                + "a".repeat(64) + "\")"),
                bad(
                        "kubernetes",
                        "namespaces: [shop, web, shop]",
                        "kubernetes.namespaces[2]: is listed twice (got \"shop\")"),
                bad("kubernetes", "timeout: ten", "kubernetes.timeout: " + DURATION + " (got \"ten\")"),
                bad("kubernetes", "timeout: 10", "kubernetes.timeout: " + DURATION + " (got \"10\")"),
                bad("kubernetes", "timeout: 500ms", "kubernetes.timeout: must be between 1s and 5m (got \"500ms\")"),
                bad("kubernetes", "timeout: 6m", "kubernetes.timeout: must be between 1s and 5m (got \"6m\")"),
                bad("kubernetes", "foo: bar", "kubernetes.foo: unknown key (known keys: " + KUBERNETES_KEYS + ")"),
                bad(
                        "kubernetes",
                        "TokenFile: token",
                        "kubernetes.TokenFile: unknown key, did you mean tokenFile? (known keys: " + KUBERNETES_KEYS
                                + ")"),
                bad(
                        "kubernetes",
                        "insecure-skip-tls-verify: true",
                        "kubernetes.insecure-skip-tls-verify: unknown key,"
                                + " did you mean insecureSkipTlsVerify? (known keys: " + KUBERNETES_KEYS + ")"),
                // loadmaster
                bad("loadmaster", "url: ftp://x", "loadmaster.url: must be an https URL (got \"ftp://x\")"),
                bad("loadmaster", "url: 10.0.0.2", "loadmaster.url: must be an https URL (got \"10.0.0.2\")"),
                bad("loadmaster", "url: https://", "loadmaster.url: must be an https URL (got \"https://\")"),
                bad(
                        "loadmaster",
                        "url: https://10.0.0.2:70000",
                        "loadmaster.url: must be an https URL (got \"https://10.0.0.2:70000\")"),
                bad(
                        "loadmaster",
                        "url: https://bal:1fr0g@10.0.0.2",
                        "loadmaster.url: must not contain a user name or password; set apiKeyFile, or username and"
                                + " passwordFile, instead (got \"https://***@10.0.0.2\")"),
                bad(
                        "loadmaster",
                        "url: https://10.0.0.2/access",
                        "loadmaster.url: must have no path, only https://host or https://host:port"
                                + " (got \"https://10.0.0.2/access\")"),
                bad(
                        "loadmaster",
                        "url: https://10.0.0.2/#top",
                        "loadmaster.url: must not have a query or fragment (got \"https://10.0.0.2/#top\")"),
                bad("loadmaster", "-url", "loadmaster.url: is required"),
                bad("loadmaster", "-apiKeyFile", "loadmaster: set apiKeyFile, or username and passwordFile"),
                bad(
                        "loadmaster",
                        "username: bal",
                        "loadmaster: set apiKeyFile, or username and passwordFile, not both"),
                bad(
                        "loadmaster",
                        "passwordFile: lm-password",
                        "loadmaster: set apiKeyFile, or username and passwordFile, not both"),
                bad("loadmaster", "-apiKeyFile\nusername: bal", "loadmaster.passwordFile: is required with username"),
                bad(
                        "loadmaster",
                        "-apiKeyFile\npasswordFile: lm-password",
                        "loadmaster.username: is required with passwordFile"),
                bad(
                        "loadmaster",
                        "-apiKeyFile\nusername: \"bal:x\"\npasswordFile: lm-password",
                        "loadmaster.username: must be a user name without spaces, ':' or control characters"
                                + " (got \"bal:x\")"),
                bad(
                        "loadmaster",
                        "apiKeyFile: /nonexistent/lm-apikey",
                        "loadmaster.apiKeyFile: cannot read /nonexistent/lm-apikey: No such file or directory"),
                bad("loadmaster", "apiKeyFile: empty", "loadmaster.apiKeyFile: {dir}/empty is empty"),
                bad(
                        "loadmaster",
                        "apiKeyFile: big",
                        "loadmaster.apiKeyFile: {dir}/big is larger than 64 KiB; is it the right file?"),
                bad(
                        "loadmaster",
                        "apiKeyFile: two-lines",
                        "loadmaster.apiKeyFile: {dir}/two-lines has more than one line; it must hold only the API key"),
                bad(
                        "loadmaster",
                        "-apiKeyFile\nusername: bal\npasswordFile: empty",
                        "loadmaster.passwordFile: {dir}/empty is empty"),
                bad(
                        "loadmaster",
                        "caFile: key.pem",
                        "loadmaster.caFile: {dir}/key.pem: no PEM certificate found"
                                + " (a \"-----BEGIN CERTIFICATE-----\" block is expected)"),
                bad(
                        "loadmaster",
                        "caFile: lm-ca.crt\ninsecureSkipTlsVerify: true",
                        "loadmaster: set caFile or insecureSkipTlsVerify: true, not both"),
                bad("loadmaster", "nonLocal: yes", "loadmaster.nonLocal: must be true or false (got \"yes\")"),
                bad("loadmaster", "nonLocal: 1", "loadmaster.nonLocal: must be true or false (got \"1\")"),
                bad("loadmaster", "nonLocal: [true]", "loadmaster.nonLocal: must be true or false (got a list)"),
                bad("loadmaster", "timeout: 0s", "loadmaster.timeout: must be between 1s and 5m (got \"0s\")"),
                bad(
                        "loadmaster",
                        "maxInFlight: 0",
                        "loadmaster.maxInFlight: must be a whole number from 1 to 16 (got \"0\")"),
                bad(
                        "loadmaster",
                        "maxInFlight: 17",
                        "loadmaster.maxInFlight: must be a whole number from 1 to 16 (got \"17\")"),
                bad(
                        "loadmaster",
                        "maxInFlight: 99999999999",
                        "loadmaster.maxInFlight: must be a whole number from 1 to 16 (got \"99999999999\")"),
                bad(
                        "loadmaster",
                        "maxInFlight: four",
                        "loadmaster.maxInFlight: must be a whole number from 1 to 16 (got \"four\")"),
                bad(
                        "loadmaster",
                        "maxInFlight: [4]",
                        "loadmaster.maxInFlight: must be a whole number from 1 to 16 (got a list)"),
                bad("loadmaster", "foo: 1", "loadmaster.foo: unknown key (known keys: " + LOADMASTER_KEYS + ")"),
                bad(
                        "loadmaster",
                        "apiKey: " + ConfigFixture.API_KEY,
                        "loadmaster.apiKey: unknown key, did you mean"
                                + " apiKeyFile? It takes the path of a file that holds the value (known keys: "
                                + LOADMASTER_KEYS + ")"),
                // sync
                bad("sync", "interval: ten", "sync.interval: " + DURATION + " (got \"ten\")"),
                bad("sync", "interval: 500ms", "sync.interval: must be between 1s and 24h (got \"500ms\")"),
                bad("sync", "interval: 25h", "sync.interval: must be between 1s and 24h (got \"25h\")"),
                bad("sync", "interval: 10s\ncron: \"0/30 * * * * ?\"", "sync: set either interval or cron, not both"),
                bad(
                        "sync",
                        "cron: \"*/5 * * * *\"",
                        "sync.cron: not a valid Quartz cron expression: it has 5 fields,"
                                + " Quartz needs 6 or 7 starting with seconds, e.g. \"0 */5 * * * ?\" (got \"*/5 * * * *\")"),
                bad(
                        "sync",
                        "cron: \"0 0 12 ? * FOO\"",
                        "sync.cron: not a valid Quartz cron expression:"
                                + " Invalid Day-of-Week value: 'FOO' (got \"0 0 12 ? * FOO\")"),
                bad(
                        "sync",
                        "cron: \"0 0 12 * * *\"",
                        "sync.cron: not a valid Quartz cron expression: Support for"
                                + " specifying both a day-of-week AND a day-of-month parameter is not implemented;"
                                + " put ? in one of the two (got \"0 0 12 * * *\")"),
                bad(
                        "sync",
                        "cron: \"0 0 0 1 1 ? 2001\"",
                        "sync.cron: never fires from now on (got \"0 0 0 1 1 ? 2001\")"),
                bad("sync", "stateDir: state", "sync.stateDir: must be an absolute path (got \"state\")"),
                bad("sync", "watch: on", "sync.watch: must be true or false (got \"on\")"),
                bad("sync", "stateDir: [/var/lib]", "sync.stateDir: must be an absolute path (got a list)"),
                bad(
                        "sync",
                        "every: 10s",
                        "sync.every: unknown key (known keys: interval, cron, watch, stateDir, drainTimeout, "
                                + "removalConfirmations, maxRemovalFraction, maxRemovalMinimum, removalWindow)"),
                // selector
                bad(
                        "selector",
                        "label: kempLB",
                        "selector.label: must be key=value, e.g. kempLB=Enabled (got \"kempLB\")"),
                bad(
                        "selector",
                        "label: kemp LB=Enabled",
                        "selector.label: " + LABEL_KEY + " (got \"kemp LB=Enabled\")"),
                bad("selector", "label: =Enabled", "selector.label: " + LABEL_KEY + " (got \"=Enabled\")"),
                bad(
                        "selector",
                        "label: Example.com/kempLB=Enabled",
                        "selector.label: " + LABEL_KEY + " (got \"Example.com/kempLB=Enabled\")"),
                bad("selector", "label: kempLB=on off", "selector.label: " + LABEL_VALUE + " (got \"kempLB=on off\")"),
                bad("selector", "label: kempLB=-on", "selector.label: " + LABEL_VALUE + " (got \"kempLB=-on\")"),
                bad(
                        "selector",
                        "label: kempLB=" + "x".repeat(64),
                        "selector.label: " + LABEL_VALUE + " (got \"kempLB=" + "x".repeat(64) + "\")"),
                bad(
                        "selector",
                        "vsidAnnotation: v sid",
                        "selector.vsidAnnotation: " + ANNOTATION_KEY + " (got \"v sid\")"),
                bad(
                        "selector",
                        "vsidAnnotation: [vsid]",
                        "selector.vsidAnnotation: " + ANNOTATION_KEY + " (got a list)"),
                bad(
                        "selector",
                        "annotation: vsid",
                        "selector.annotation: unknown key (known keys: label, vsidAnnotation)"),
                // top level
                bad(
                        "logging",
                        "level: debug",
                        "logging: unknown key (known keys: kubernetes, loadmaster, sync, selector, policy, metrics, ha)"),
                bad(
                        "loadMaster",
                        "url: https://10.0.0.2",
                        "loadMaster: unknown key, did you mean loadmaster?"
                                + " (known keys: kubernetes, loadmaster, sync, selector, policy, metrics, ha)"));
    }

    private static Arguments bad(String section, String lines, String expected) {
        return Arguments.of(section, lines, expected);
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("badValues")
    void reportsEachBadValueWithItsPathAndWhatWasGiven(String section, String lines, String expected) {
        assertEquals(
                List.of(fixture.inDir(expected)), fixture.with(section, lines).problems());
    }

    // ---- whole-file problems ---------------------------------------------------------------------

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("", "(root): the file is empty; see conf/agent.yaml for an example"),
                Arguments.of("# only a comment\n\n", "(root): the file is empty; see conf/agent.yaml for an example"),
                Arguments.of("---\n", "(root): the file is empty; see conf/agent.yaml for an example"),
                Arguments.of(
                        "- kubernetes\n", "(root): must be a mapping of indented \"key: value\" lines (got a list)"),
                Arguments.of(
                        "kubernetes\n", "(root): must be a mapping of indented \"key: value\" lines (got a string)"),
                Arguments.of(
                        "kubernetes:\n  server: https://10.0.0.10\n tokenFile: token\n",
                        "(root): not valid YAML at line 3, column 2: while parsing a block mapping:"
                                + " expected <block end>, but found '<block mapping start>'"),
                Arguments.of(
                        "kubernetes:\n\tserver: https://10.0.0.10\n",
                        "(root): not valid YAML at line 2, column 1: while scanning for the next token: found"
                                + " character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for"
                                + " indentation)"),
                Arguments.of(
                        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                + "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
                        "(root): not valid YAML: Number of aliases for non-scalar nodes exceeds the specified max=10"),
                Arguments.of(
                        "one: 1\n---\ntwo: 2\n",
                        "(root): not valid YAML at line 2, column 1: expected a single document in the stream:"
                                + " but found another document"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badFiles")
    void reportsAnUnusableFileAsOneProblem(String yaml, String expected) {
        assertEquals(List.of(expected), fixture.problemsOf(yaml));
    }

    @Test
    void reportsADuplicateKeyWithBothLines() {
        String yaml = fixture.yaml() + "  url: https://10.0.0.3\n";

        assertEquals(List.of("loadmaster.url: duplicate key (on lines 5 and 7)"), fixture.problemsOf(yaml));
    }

    @Test
    void reportsADuplicateSection() {
        String yaml = fixture.yaml() + "kubernetes:\n  namespaces: [shop]\n";

        assertEquals(List.of("kubernetes: duplicate key (on lines 1 and 7)"), fixture.problemsOf(yaml));
    }

    @Test
    void reportsASectionThatIsNotAMappingOnlyOnce() {
        String yaml = "kubernetes: https://10.0.0.10:6443\n"
                + fixture.yaml().substring(fixture.yaml().indexOf("loadmaster"));

        assertEquals(
                List.of("kubernetes: must be a mapping of indented \"key: value\" lines (got a string)"),
                fixture.problemsOf(yaml));
    }

    @Test
    void treatsAnEmptySectionAsMissingKeys() {
        String yaml = fixture.yaml().substring(0, fixture.yaml().indexOf("loadmaster")) + "loadmaster:\n";

        assertEquals(
                List.of("loadmaster.url: is required", "loadmaster: set apiKeyFile, or username and passwordFile"),
                fixture.problemsOf(yaml));
    }

    @Test
    void reportsMissingSectionsAtTheEnd() {
        assertEquals(
                List.of(
                        "kubernetes: set either server or kubeconfig",
                        "loadmaster.url: is required",
                        "loadmaster: set apiKeyFile, or username and passwordFile"),
                fixture.problemsOf("sync:\n  interval: 5s\n"));
    }

    @Test
    void rejectsYamlTags() {
        List<String> problems =
                fixture.with("loadmaster", "apiKeyFile: !vault secret/lm").problems();

        assertEquals(List.of("loadmaster.apiKeyFile: YAML tags are not supported (got !vault)"), problems);
    }

    @Test
    void rejectsAConfigFileThatIsNotUtf8() throws Exception {
        Path file = fixture.write("agent.yaml", "");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xFF, '\n'});

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        assertEquals(List.of("(root): the file is not UTF-8 text; save it as UTF-8"), e.problems());
    }

    @Test
    void reportsAConfigFileThatCannotBeRead() {
        Path missing = fixture.dir.resolve("nope.yaml");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));

        assertEquals(List.of("(root): cannot read " + missing + ": No such file or directory"), e.problems());
        assertEquals(
                missing + ": 1 problem(s): (root): cannot read " + missing + ": No such file or directory",
                e.getMessage());
    }

    // ---- several problems ------------------------------------------------------------------------

    @Test
    void listsEveryProblemAtOnceWithItsPathInDocumentOrder() {
        String yaml = """
                loadmaster:
                  url: ftp://x
                  nonLocal: yes
                kubernetes:
                  server: https://10.0.0.10:6443
                  namespaces: [shop, Shop_1]
                  timeout: ten
                selector:
                  label: kempLB
                  colour: blue
                sync:
                  interval: 10s
                  cron: "0/30 * * * * ?"
                  stateDir: state
                """;

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "agent.yaml", tempDir));

        List<String> expected = List.of(
                "loadmaster.url: must be an https URL (got \"ftp://x\")",
                "loadmaster.nonLocal: must be true or false (got \"yes\")",
                "loadmaster: set apiKeyFile, or username and passwordFile",
                "kubernetes.namespaces[1]: " + NAMESPACE_NAME + " (got \"Shop_1\")",
                "kubernetes.timeout: " + DURATION + " (got \"ten\")",
                "kubernetes.tokenFile: is required with server",
                "selector.label: must be key=value, e.g. kempLB=Enabled (got \"kempLB\")",
                "selector.colour: unknown key (known keys: label, vsidAnnotation)",
                "sync.stateDir: must be an absolute path (got \"state\")",
                "sync: set either interval or cron, not both");
        assertEquals(expected, e.problems());
        assertEquals("agent.yaml: 10 problem(s): " + String.join("; ", expected), e.getMessage());
    }

    // ---- secrets ---------------------------------------------------------------------------------

    @Test
    void neverPutsASecretIntoAProblemEvenAmongOtherErrors() {
        fixture.write("password-two-lines", ConfigFixture.PASSWORD + "\n" + ConfigFixture.PASSWORD + "\n");
        List<String> secrets = List.of(ConfigFixture.API_KEY, ConfigFixture.PASSWORD, ConfigFixture.TOKEN, "1fr0g");
        String yaml = fixture.with(
                        "kubernetes", "tokenFile: two-lines\nnamespaces: [Bad_Name]\ntoken: " + ConfigFixture.TOKEN)
                .with(
                        "loadmaster",
                        "url: https://bal:1fr0g@10.0.0.2/?apikey=" + ConfigFixture.API_KEY
                                + "\nusername: bal\npasswordFile: password-two-lines\npassword: "
                                + ConfigFixture.PASSWORD
                                + "\nnonLocal: maybe")
                .yaml();

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "agent.yaml", tempDir));

        assertTrue(e.problems().size() >= 7, e.problems().toString());
        for (String secret : secrets) {
            assertFalse(e.getMessage().contains(secret), () -> "a secret leaked into: " + e.getMessage());
            e.problems().forEach(p -> assertFalse(p.contains(secret), () -> "a secret leaked into: " + p));
        }
    }

    @Test
    void keepsTheApiKeyOutOfProblemsWhenTheKeyFileIsValid() {
        List<String> problems = fixture.with("kubernetes", "timeout: forever")
                .with("sync", "stateDir: relative")
                .problems();

        assertEquals(2, problems.size(), problems.toString());
        problems.forEach(p -> assertFalse(p.contains(ConfigFixture.API_KEY), p));
    }

    @Test
    void keepsSecretsOutOfTheLoadedConfigsText() throws ConfigException {
        AgentConfig withApiKey = fixture.load();
        AgentConfig withPassword = fixture.with("loadmaster", "-apiKeyFile\nusername: bal\npasswordFile: lm-password")
                .load();

        assertFalse(withApiKey.toString().contains(ConfigFixture.API_KEY), withApiKey.toString());
        assertFalse(withPassword.toString().contains(ConfigFixture.PASSWORD), withPassword.toString());
    }
}
