package kubelmagent.config;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.quartz.CronExpression;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

import kubelmagent.http.Pem;
import kubelmagent.http.TlsSettings;
import kubelmagent.kube.Kubeconfig;
import kubelmagent.kube.KubernetesConnection;
import kubelmagent.kube.Selector;
import kubelmagent.loadmaster.LoadMasterConnection;
import kubelmagent.log.Text;
import kubelmagent.model.BindingPolicy;
import kubelmagent.model.BindingPolicy.Binding;
import kubelmagent.model.Cidr;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.plan.RemovalPolicy;
import kubelmagent.secret.Secret;
import kubelmagent.secret.SecretFile;

/**
 * Reads and validates {@code agent.yaml} (see {@code conf/agent.yaml} for the commented example).
 *
 * <p>Everything is checked before the agent starts, and every problem is reported at once, in
 * document order, each as {@code path: message (got value)}. Files named in the configuration are
 * read now: certificates are parsed, credentials must be non-empty, the token file must be readable
 * (it is read again on every pass). Relative file paths are taken relative to the directory of
 * {@code agent.yaml}. No problem ever contains a credential read from a file; values written in
 * {@code agent.yaml} itself (paths, URLs) are echoed, except the user-info and query of a URL.
 * Credential files that other users can read are allowed, but listed in {@link AgentConfig#warnings()}.
 */
public final class ConfigLoader {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/kube-lm-agent");

    static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    static final Duration MAX_INTERVAL = Duration.ofHours(24);
    static final Duration MIN_REMOVAL_WINDOW = Duration.ofSeconds(1);
    static final Duration MAX_REMOVAL_WINDOW = Duration.ofDays(7);

    static final List<String> ROOT_KEYS = List.of("kubernetes", "loadmaster", "sync", "selector", "policy", "metrics");
    static final List<String> METRICS_KEYS = List.of("listen");
    static final String DEFAULT_METRICS_LISTEN = "127.0.0.1:9464";
    static final List<String> KUBERNETES_KEYS = List.of("server", "kubeconfig", "context", "tokenFile", "caFile",
            "insecureSkipTlsVerify", "namespaces", "timeout", "podCidrs");
    static final List<String> LOADMASTER_KEYS = List.of(
            "url", "apiKeyFile", "username", "passwordFile", "caFile", "insecureSkipTlsVerify", "nonLocal", "timeout");
    static final List<String> SYNC_KEYS = List.of("interval", "cron", "stateDir", "drainTimeout",
            "removalConfirmations", "maxRemovalFraction", "maxRemovalMinimum", "removalWindow");
    static final List<String> SELECTOR_KEYS = List.of("label", "vsidAnnotation");
    static final List<String> POLICY_KEYS = List.of("bindings");
    static final List<String> BINDING_KEYS = List.of("namespace", "vsids");

    static final String EMPTY_FILE = "the file is empty; see conf/agent.yaml for an example";
    static final String FILE_PATH = "must be a file path";
    static final String HTTPS_URL = "must be an https URL";
    static final String NAMESPACE_LIST = "must be a list of names";
    static final String NAMESPACE_NAME = "must be a namespace name (lowercase letters, digits and '-')";
    static final String NAMESPACE_TOO_LONG = "must be a namespace name of at most 63 characters";
    static final String LABEL = "must be key=value, e.g. kempLB=Enabled";
    static final String LABEL_KEY = "the key must be a label key: up to 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit, optionally after a DNS subdomain prefix and '/'";
    static final String LABEL_VALUE = "the value must be empty or up to 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit";
    static final String ANNOTATION_KEY = "must be an annotation key: up to 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit, optionally after a DNS subdomain prefix and '/'";
    static final String REMOVAL_FRACTION = "must be a fraction above 0 and at most 1, e.g. 0.5 for half";
    static final String CIDR_LIST = "must be a list of networks such as [10.244.0.0/16]";
    static final String BINDING_LIST = "must be a list of rules such as {namespace: shop, vsids: [3, 4]}";
    static final String NAMESPACE_PATTERN = "must be a namespace name (lowercase letters, digits and '-'), in which"
            + " * stands for any run of characters and ? for one";
    static final String VSID_LIST = "must be a list of Virtual Service ids, e.g. [3, 4]";
    static final String VSID = "must be a Virtual Service id: a whole number of 1 or more (the Id column of"
            + " View/Modify Services)";

    private static final int MAX_CONFIG_BYTES = 1 << 20;
    private static final int MAX_FILE_BYTES = 4 << 20;

    /** The user-info part of a URL, which may hold a password: never echoed. */
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", Pattern.DOTALL);

    /** The query of a URL, which may hold an API key ({@code ?apikey=...}): never echoed. */
    private static final Pattern QUERY = Pattern.compile("\\?[^#]*", Pattern.DOTALL);

    /** A plain decimal fraction such as 0.5 or .25 (no exponent, so no huge numbers to parse). */
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{0,12})?|\\.[0-9]{1,12}");

    /** Decimal digits that fit an int when they are at most 9. */
    private static final Pattern VSID_DIGITS = Pattern.compile("[0-9]{1,9}");

    private final Problems problems = new Problems();
    private final List<String> warnings = new ArrayList<>();
    private final Path baseDir;
    private final CredentialFiles credentials;

    private ConfigLoader(Path baseDir, CredentialFiles credentials) {
        this.baseDir = baseDir.toAbsolutePath().normalize();
        this.credentials = credentials;
    }

    /**
     * Reads {@code file}. Relative paths inside it are resolved against its directory.
     *
     * @throws ConfigException listing every problem, if the file cannot be read or is not valid
     */
    public static AgentConfig load(Path file) throws ConfigException {
        return load(file, CredentialFiles.ofThisProcess());
    }

    static AgentConfig load(Path file, CredentialFiles credentials) throws ConfigException {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = readBytes(file, MAX_CONFIG_BYTES);
        } catch (FileProblem e) {
            throw new ConfigException(name, List.of("(root): " + e.getMessage()));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name, List.of("(root): the file is not UTF-8 text; save it as UTF-8"));
        }
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent() != null ? absolute.getParent() : absolute.getRoot();
        return new ConfigLoader(dir, credentials).read(text, name);
    }

    /**
     * Parses and validates configuration text.
     *
     * @param yaml                the contents of {@code agent.yaml}
     * @param fileNameForMessages names the file in {@link ConfigException#getMessage()}
     * @param baseDir             relative file paths are resolved against this directory
     * @throws ConfigException listing every problem
     */
    public static AgentConfig parse(String yaml, String fileNameForMessages, Path baseDir) throws ConfigException {
        return parse(yaml, fileNameForMessages, baseDir, CredentialFiles.ofThisProcess());
    }

    static AgentConfig parse(String yaml, String fileNameForMessages, Path baseDir, CredentialFiles credentials)
            throws ConfigException {
        return new ConfigLoader(baseDir, credentials).read(yaml, fileNameForMessages);
    }

    private AgentConfig read(String yaml, String fileName) throws ConfigException {
        Node root = compose(yaml);
        if (problems.isEmpty()) {
            if (root == null || YamlSection.isNull(root)) {
                problems.atStart("(root)", EMPTY_FILE);
            } else if (!(root instanceof MappingNode)) {
                problems.at(root, "(root)", YamlSection.mappingExpected(root));
            }
        }
        failIfAny(fileName);

        YamlSection top = YamlSection.root((MappingNode) root, ROOT_KEYS, problems);
        Kubernetes kubernetes = kubernetes(top.section("kubernetes", KUBERNETES_KEYS));
        LoadMasterConnection loadMaster = loadMaster(top.section("loadmaster", LOADMASTER_KEYS));
        Sync sync = sync(top.section("sync", SYNC_KEYS));
        Selector selector = selector(top.section("selector", SELECTOR_KEYS));
        BindingPolicy policy = policy(top);
        InetSocketAddress metricsListen = metricsListen(top.section("metrics", METRICS_KEYS));
        failIfAny(fileName);

        return new AgentConfig(kubernetes.connection(), kubernetes.namespaces(), selector, loadMaster,
                sync.schedule(), sync.stateDir(), sync.removals(), policy, kubernetes.podCidrs(), metricsListen,
                sync.passGap().multipliedBy(3), warnings);
    }

    private void failIfAny(String fileName) throws ConfigException {
        if (!problems.isEmpty()) {
            throw new ConfigException(fileName, problems.inDocumentOrder());
        }
    }

    private Node compose(String text) {
        LoaderOptions options = new LoaderOptions();
        // compose() keeps every key and YamlSection reports duplicates with both line numbers;
        // this setting makes any future load() through these options reject them too.
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(20);
        options.setCodePointLimit(MAX_CONFIG_BYTES);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        String withoutBom = text.startsWith("\uFEFF") ? text.substring(1) : text;
        try {
            return yaml.compose(new StringReader(withoutBom));
        } catch (MarkedYAMLException e) {
            problems.atStart("(root)", syntaxError(e));
        } catch (YAMLException e) {
            problems.atStart("(root)", "not valid YAML: " + e.getMessage());
        }
        return null;
    }

    private static String syntaxError(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        StringBuilder message = new StringBuilder("not valid YAML");
        if (mark != null) {
            message.append(" at line ").append(mark.getLine() + 1).append(", column ").append(mark.getColumn() + 1);
        }
        message.append(": ");
        if (e.getContext() != null) {
            message.append(e.getContext()).append(": ");
        }
        message.append(e.getProblem() != null ? e.getProblem() : "unknown error");
        return message.toString();
    }

    // ---- kubernetes ------------------------------------------------------------------------------

    private record Kubernetes(KubernetesConnection connection, List<String> namespaces, List<Cidr> podCidrs) {}

    private Kubernetes kubernetes(YamlSection s) {
        boolean hasServer = s.has("server");
        boolean hasKubeconfig = s.has("kubeconfig");

        URI server = httpsUrl(s, "server", true, "use tokenFile instead");
        FileContent kubeconfig = readFile(s, "kubeconfig", MAX_FILE_BYTES);
        String context = s.scalar("context", "must be a context name");
        if (context != null && context.isEmpty()) {
            s.problem("context", "must be a context name" + Problems.got(context));
            context = null;
        }
        Credential tokenFile = readSecret(s, "tokenFile", "token");
        List<X509Certificate> cas = caFile(s);
        Boolean insecure = s.bool("insecureSkipTlsVerify");
        List<String> namespaces = namespaces(s);
        Duration timeout = orDefault(s.duration("timeout", MIN_TIMEOUT, MAX_TIMEOUT), DEFAULT_TIMEOUT);
        List<Cidr> podCidrs = podCidrs(s);

        if (hasServer && hasKubeconfig) {
            s.sectionProblem("set either server or kubeconfig, not both");
        } else if (!hasServer && !hasKubeconfig) {
            s.sectionProblem("set either server or kubeconfig");
        } else if (hasServer && !s.has("tokenFile")) {
            s.missing("tokenFile", "is required with server");
        }
        if (s.has("context") && !hasKubeconfig) {
            s.problem("context", "applies only with kubeconfig");
        }
        if (Boolean.TRUE.equals(insecure) && s.has("caFile")) {
            s.sectionProblem("set caFile or insecureSkipTlsVerify: true, not both");
        }

        KubernetesConnection connection = null;
        if (hasServer && !hasKubeconfig && server != null) {
            TlsSettings tls = new TlsSettings(cas != null ? cas : List.of(), null, Boolean.TRUE.equals(insecure));
            connection = new KubernetesConnection(server, tls, tokenFile != null ? tokenFile.path() : null, null, timeout);
        } else if (hasKubeconfig && !hasServer && kubeconfig != null && (context != null || !s.has("context"))) {
            connection = fromKubeconfig(s, kubeconfig.path(), context, tokenFile, cas, insecure, timeout);
        }
        return new Kubernetes(connection, namespaces, podCidrs);
    }

    /**
     * The connection a kubeconfig describes, with agent.yaml's overrides: {@code tokenFile} replaces
     * the kubeconfig user's credentials (token or client certificate); {@code caFile} and
     * {@code insecureSkipTlsVerify}, when either is given, replace the cluster's trust settings.
     */
    private KubernetesConnection fromKubeconfig(YamlSection s, Path file, String context, Credential tokenFile,
            List<X509Certificate> cas, Boolean insecure, Duration timeout) {
        KubernetesConnection base;
        try {
            base = Kubeconfig.read(file, context, timeout);
        } catch (IOException e) {
            s.problem("kubeconfig", e.getMessage() != null ? e.getMessage() : e.toString());
            return null;
        }
        if (base.staticToken() != null || (base.tls() != null && base.tls().clientKeyStore() != null)) {
            warnIfExposed(s, "kubeconfig", file, "the kubeconfig's credentials");
        }
        TlsSettings tls = base.tls() != null ? base.tls() : TlsSettings.systemTrust();
        if (s.has("caFile") || s.has("insecureSkipTlsVerify")) {
            tls = new TlsSettings(cas != null ? cas : List.of(), tls.clientKeyStore(), Boolean.TRUE.equals(insecure));
        }
        if (tokenFile != null) {
            TlsSettings withoutClientCertificate = new TlsSettings(tls.trustedCas(), null, tls.insecureSkipTlsVerify());
            return new KubernetesConnection(base.server(), withoutClientCertificate, tokenFile.path(), null, timeout);
        }
        if (base.tokenFile() != null) {
            warnIfExposed(s, "kubeconfig", base.tokenFile(), "the token");
        }
        return new KubernetesConnection(base.server(), tls, base.tokenFile(), base.staticToken(), timeout);
    }

    private List<String> namespaces(YamlSection s) {
        List<Node> items = s.list("namespaces", NAMESPACE_LIST);
        if (items == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String itemPath = s.path("namespaces") + "[" + i + "]";
            if (YamlSection.isNull(item)) {
                problems.at(item, itemPath, NAMESPACE_NAME + " (got nothing)");
                continue;
            }
            String name = s.scalarText(item, itemPath, NAMESPACE_NAME);
            if (name == null) {
                continue;
            }
            if (!KubeNames.isNamespaceName(name)) {
                problems.at(item, itemPath,
                        (name.length() > KubeNames.MAX_NAME ? NAMESPACE_TOO_LONG : NAMESPACE_NAME) + Problems.got(name));
            } else if (!seen.add(name)) {
                problems.at(item, itemPath, "is listed twice" + Problems.got(name));
            } else {
                names.add(name);
            }
        }
        return names;
    }

    private List<Cidr> podCidrs(YamlSection s) {
        List<Node> items = s.list("podCidrs", CIDR_LIST);
        if (items == null) {
            return List.of();
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String itemPath = s.path("podCidrs") + "[" + i + "]";
            if (YamlSection.isNull(item)) {
                problems.at(item, itemPath, "must be a network such as 10.244.0.0/16 (got nothing)");
                continue;
            }
            String text = s.scalarText(item, itemPath, "must be a network such as 10.244.0.0/16");
            if (text == null) {
                continue;
            }
            try {
                cidrs.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                problems.at(item, itemPath, "must be a network such as 10.244.0.0/16: " + e.getMessage()
                        + Problems.got(text));
            }
        }
        return cidrs;
    }

    // ---- loadmaster ------------------------------------------------------------------------------

    private LoadMasterConnection loadMaster(YamlSection s) {
        URI url = httpsUrl(s, "url", false, "set apiKeyFile, or username and passwordFile, instead");
        Credential apiKey = readSecret(s, "apiKeyFile", "API key");
        String username = username(s);
        Credential password = readSecret(s, "passwordFile", "password");
        List<X509Certificate> cas = caFile(s);
        Boolean insecure = s.bool("insecureSkipTlsVerify");
        Boolean nonLocal = s.bool("nonLocal");
        Duration timeout = orDefault(s.duration("timeout", MIN_TIMEOUT, MAX_TIMEOUT), DEFAULT_TIMEOUT);

        if (!s.has("url")) {
            s.missing("url", "is required");
        }
        boolean hasKey = s.has("apiKeyFile");
        boolean hasUser = s.has("username");
        boolean hasPassword = s.has("passwordFile");
        if (hasKey && (hasUser || hasPassword)) {
            s.sectionProblem("set apiKeyFile, or username and passwordFile, not both");
        } else if (!hasKey && !hasUser && !hasPassword) {
            s.sectionProblem("set apiKeyFile, or username and passwordFile");
        } else if (hasUser && !hasPassword) {
            s.missing("passwordFile", "is required with username");
        } else if (hasPassword && !hasUser) {
            s.missing("username", "is required with passwordFile");
        }
        if (Boolean.TRUE.equals(insecure) && s.has("caFile")) {
            s.sectionProblem("set caFile or insecureSkipTlsVerify: true, not both");
        }

        TlsSettings tls = new TlsSettings(cas != null ? cas : List.of(), null, Boolean.TRUE.equals(insecure));
        return new LoadMasterConnection(url, tls, apiKey != null ? apiKey.secret() : null,
                apiKey != null ? apiKey.path() : null, username, password != null ? password.secret() : null,
                password != null ? password.path() : null, !Boolean.FALSE.equals(nonLocal), timeout);
    }

    private static String username(YamlSection s) {
        String mustBe = "must be a user name without spaces, ':' or control characters";
        String username = s.scalar("username", mustBe);
        if (username == null) {
            return null;
        }
        boolean valid = !username.isEmpty()
                && username.chars().noneMatch(c -> c == ':' || Character.isWhitespace(c) || Character.isISOControl(c));
        if (!valid) {
            s.problem("username", mustBe + Problems.got(username));
            return null;
        }
        return username;
    }

    // ---- sync ------------------------------------------------------------------------------------

    /** @param passGap the time between two passes (for a cron schedule: between its next two firings) */
    private record Sync(Schedule schedule, Path stateDir, RemovalPolicy removals, Duration passGap) {}

    /** A valid cron expression, and the time between its next two firings (zero if it fires only once more). */
    private record Cron(String expression, Duration gap) {}

    private static Sync sync(YamlSection s) {
        Duration interval = s.duration("interval", MIN_INTERVAL, MAX_INTERVAL);
        Cron cron = cron(s);
        Path stateDir = stateDir(s);
        Duration drainTimeout = s.duration("drainTimeout");
        Integer confirmations = s.integer("removalConfirmations", 1);
        Double maxFraction = removalFraction(s);
        Integer maxMinimum = s.integer("maxRemovalMinimum", 0);
        Duration window = s.duration("removalWindow", MIN_REMOVAL_WINDOW, MAX_REMOVAL_WINDOW);
        if (s.has("interval") && s.has("cron")) {
            s.sectionProblem("set either interval or cron, not both");
        }
        Schedule schedule = cron != null ? Schedule.cron(cron.expression())
                : Schedule.every(orDefault(interval, DEFAULT_INTERVAL));
        Duration passGap = cron != null ? cron.gap() : schedule.interval();
        // The window must see a drop spread over passes: at least two pass gaps.
        Duration shortestWindow = passGap.multipliedBy(2);
        if (window != null && window.compareTo(shortestWindow) < 0) {
            s.problem("removalWindow", "must be at least two pass intervals (" + Durations.format(shortestWindow)
                    + "), or a take-out spread over passes would not be seen" + Problems.got(Durations.format(window)));
        }
        Duration defaultWindow = RemovalPolicy.DEFAULT_WINDOW.compareTo(passGap.multipliedBy(3)) >= 0
                ? RemovalPolicy.DEFAULT_WINDOW : passGap.multipliedBy(3);
        RemovalPolicy removals = new RemovalPolicy(
                orDefault(drainTimeout, RemovalPolicy.defaultDrainTimeout(passGap)),
                confirmations != null ? confirmations : RemovalPolicy.DEFAULT_CONFIRMATIONS,
                passGap,
                maxFraction != null ? maxFraction : RemovalPolicy.DEFAULT_MAX_FRACTION,
                maxMinimum != null ? maxMinimum : RemovalPolicy.DEFAULT_MAX_MINIMUM,
                window != null && window.compareTo(shortestWindow) >= 0 ? window : defaultWindow);
        return new Sync(schedule, stateDir != null ? stateDir : DEFAULT_STATE_DIR, removals, passGap);
    }

    /** {@code metrics.listen}: host:port (IPv6 in brackets), or "" for off; default 127.0.0.1:9464. */
    private static InetSocketAddress metricsListen(YamlSection s) {
        String mustBe = "must be host:port, e.g. 127.0.0.1:9464, or \"\" to turn the metrics endpoints off";
        String text = s.has("listen") ? s.scalar("listen", mustBe) : DEFAULT_METRICS_LISTEN;
        if (text == null) {
            return null; // the problem is already recorded
        }
        String value = text.strip();
        if (value.isEmpty()) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?:\\[([0-9A-Fa-f:.]+)]|([A-Za-z0-9.-]+)):(\\d{1,5})").matcher(value);
        if (m.matches()) {
            int port = Integer.parseInt(m.group(3));
            String host = m.group(1) != null ? m.group(1) : m.group(2);
            if (port >= 1 && port <= 65535) {
                InetSocketAddress address = new InetSocketAddress(host, port);
                if (!address.isUnresolved()) {
                    return address;
                }
                s.problem("listen", "host " + host + " does not resolve to an address of this machine"
                        + Problems.got(text));
                return null;
            }
        }
        s.problem("listen", mustBe + Problems.got(text));
        return null;
    }

    private static Cron cron(YamlSection s) {
        String cron = s.scalar("cron", "must be a Quartz cron expression");
        if (cron == null) {
            return null;
        }
        String expression = cron.strip();
        int fields = expression.isEmpty() ? 0 : expression.split("\\s+").length;
        String reason = null;
        CronExpression parsed = null;
        if (fields < 6 || fields > 7) {
            reason = "it has " + fields + " field" + (fields == 1 ? "" : "s")
                    + ", Quartz needs 6 or 7 starting with seconds, e.g. \"0 */5 * * * ?\"";
        } else {
            try {
                parsed = new CronExpression(expression);
            } catch (ParseException e) {
                reason = String.valueOf(e.getMessage()).replaceAll("\\.$", "");
                if (reason.contains("day-of-week AND a day-of-month")) {
                    reason += "; put ? in one of the two";
                }
            }
        }
        if (reason != null) {
            s.problem("cron", "not a valid Quartz cron expression: " + reason + Problems.got(cron));
            return null;
        }
        Date first = parsed.getNextValidTimeAfter(new Date());
        if (first == null) {
            s.problem("cron", "never fires from now on" + Problems.got(cron));
            return null;
        }
        Date second = parsed.getNextValidTimeAfter(first);
        return new Cron(expression, second == null ? Duration.ZERO
                : Duration.ofMillis(second.getTime() - first.getTime()));
    }

    private static Double removalFraction(YamlSection s) {
        String text = s.scalar("maxRemovalFraction", REMOVAL_FRACTION);
        if (text == null) {
            return null;
        }
        String number = text.strip();
        if (DECIMAL.matcher(number).matches()) {
            BigDecimal fraction = new BigDecimal(number);
            if (fraction.signum() > 0 && fraction.compareTo(BigDecimal.ONE) <= 0) {
                return fraction.doubleValue();
            }
        }
        s.problem("maxRemovalFraction", REMOVAL_FRACTION + Problems.got(text));
        return null;
    }

    private static Path stateDir(YamlSection s) {
        String mustBe = "must be an absolute path";
        String text = s.scalar("stateDir", mustBe);
        if (text == null) {
            return null;
        }
        try {
            Path path = Path.of(text);
            if (!text.isEmpty() && path.isAbsolute()) {
                return path.normalize();
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        s.problem("stateDir", mustBe + Problems.got(text));
        return null;
    }

    // ---- selector --------------------------------------------------------------------------------

    private static Selector selector(YamlSection s) {
        Selector defaults = Selector.KEMP_DEFAULT;
        String labelKey = defaults.labelKey();
        String labelValue = defaults.labelValue();
        String label = s.scalar("label", LABEL);
        if (label != null) {
            int eq = label.indexOf('=');
            if (eq < 0) {
                s.problem("label", LABEL + Problems.got(label));
            } else {
                labelKey = label.substring(0, eq);
                labelValue = label.substring(eq + 1);
                if (!KubeNames.isQualifiedName(labelKey)) {
                    s.problem("label", LABEL_KEY + Problems.got(label));
                }
                if (!KubeNames.isLabelValue(labelValue)) {
                    s.problem("label", LABEL_VALUE + Problems.got(label));
                }
            }
        }
        String annotation = s.scalar("vsidAnnotation", ANNOTATION_KEY);
        if (annotation != null && !KubeNames.isQualifiedName(annotation)) {
            s.problem("vsidAnnotation", ANNOTATION_KEY + Problems.got(annotation));
        }
        return new Selector(labelKey, labelValue, annotation != null ? annotation : defaults.vsidAnnotation());
    }

    // ---- policy ----------------------------------------------------------------------------------

    /** {@code policy.bindings}; absent (or {@code policy:} left empty) lets any namespace bind any VS. */
    private BindingPolicy policy(YamlSection top) {
        YamlSection s = top.section("policy", POLICY_KEYS);
        if (!top.has("policy")) {
            return BindingPolicy.allowAll();
        }
        List<Node> items = s.list("bindings", BINDING_LIST);
        if (!s.has("bindings")) {
            s.missing("bindings", "is required with policy: list which namespaces may bind which Virtual Services,"
                    + " write [] to allow none, or remove policy to let any namespace bind any Virtual Service");
        }
        if (items == null) {
            return BindingPolicy.allowAll();
        }
        List<Binding> bindings = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            YamlSection rule = YamlSection.of(items.get(i), s.path("bindings") + "[" + i + "]", BINDING_KEYS, problems);
            String namespace = namespacePattern(rule);
            Set<VirtualServiceId> vsids = vsids(rule);
            if (!rule.has("namespace")) {
                rule.missing("namespace", "is required: the namespace, or a pattern such as shop-*");
            }
            if (!rule.has("vsids")) {
                rule.missing("vsids", "is required: the Virtual Service ids the namespace may bind, e.g. [3, 4]");
            }
            if (namespace != null && vsids != null) {
                bindings.add(new Binding(namespace, vsids));
            }
        }
        return new BindingPolicy(bindings);
    }

    private static String namespacePattern(YamlSection rule) {
        String namespace = rule.scalar("namespace", NAMESPACE_PATTERN);
        if (namespace != null && !KubeNames.isNamespacePattern(namespace)) {
            rule.problem("namespace", NAMESPACE_PATTERN + Problems.got(namespace));
            return null;
        }
        return namespace;
    }

    /** The ids under {@code vsids}; null if absent or if any is invalid (each is reported). */
    private Set<VirtualServiceId> vsids(YamlSection rule) {
        List<Node> items = rule.list("vsids", VSID_LIST);
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            rule.problem("vsids", "must list at least one Virtual Service id; remove the rule to allow the namespace"
                    + " none");
            return null;
        }
        Set<VirtualServiceId> vsids = new TreeSet<>();
        boolean valid = true;
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String itemPath = rule.path("vsids") + "[" + i + "]";
            if (YamlSection.isNull(item)) {
                problems.at(item, itemPath, VSID + " (got nothing)");
                valid = false;
                continue;
            }
            String text = rule.scalarText(item, itemPath, VSID);
            String digits = text == null ? "" : text.strip();
            if (VSID_DIGITS.matcher(digits).matches() && Integer.parseInt(digits) > 0) {
                vsids.add(VirtualServiceId.of(Integer.parseInt(digits)));
            } else {
                if (text != null) {
                    problems.at(item, itemPath, VSID + Problems.got(text));
                }
                valid = false;
            }
        }
        return valid ? vsids : null;
    }

    // ---- shared value types ----------------------------------------------------------------------

    /**
     * An https URL with a host, no user info, query or fragment; without a path unless
     * {@code pathAllowed}. Returned without trailing slashes. Null if absent or invalid.
     */
    private static URI httpsUrl(YamlSection s, String key, boolean pathAllowed, String credentialsHint) {
        String text = s.scalar(key, HTTPS_URL);
        if (text == null) {
            return null;
        }
        boolean hasUserInfo = USER_INFO.matcher(text).find();
        String shown = QUERY.matcher(USER_INFO.matcher(text).replaceFirst("$1***@")).replaceFirst("?***");
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            s.problem(key, HTTPS_URL + Problems.got(shown));
            return null;
        }
        if (uri.getRawUserInfo() != null || hasUserInfo) {
            s.problem(key, "must not contain a user name or password; " + credentialsHint + Problems.got(shown));
            return null;
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null
                || uri.getPort() == 0 || uri.getPort() > 65535) {
            s.problem(key, HTTPS_URL + Problems.got(shown));
            return null;
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            s.problem(key, "must not have a query or fragment" + Problems.got(shown));
            return null;
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!pathAllowed && !path.isEmpty() && !path.equals("/")) {
            s.problem(key, "must have no path, only https://host or https://host:port" + Problems.got(shown));
            return null;
        }
        return URI.create("https://" + uri.getRawAuthority() + path.replaceAll("/+$", ""));
    }

    private record FileContent(Path path, byte[] bytes) {}

    /** A credential and the file it came from. */
    private record Credential(Path path, Secret secret) {}

    /** A file given under {@code key}, read whole; null if absent or unreadable (a problem is reported). */
    private FileContent readFile(YamlSection s, String key, int maxBytes) {
        String text = s.scalar(key, FILE_PATH);
        if (text == null) {
            return null;
        }
        Path path = resolve(s, key, text);
        if (path == null) {
            return null;
        }
        try {
            return new FileContent(path, readBytes(path, maxBytes));
        } catch (FileProblem e) {
            s.problem(key, e.getMessage());
            return null;
        }
    }

    /**
     * A credential file, read by {@link SecretFile}: one non-empty line. A bare file name is looked up in
     * {@code $CREDENTIALS_DIRECTORY} when systemd set it. Its content never goes into a problem; its permissions are checked (a
     * warning if other users can read it). Null if absent or unusable (a problem is reported).
     */
    private Credential readSecret(YamlSection s, String key, String what) {
        String text = s.scalar(key, FILE_PATH);
        if (text == null) {
            return null;
        }
        Optional<Path> credential = credentials.inCredentialsDirectory(text);
        Path path = credential.isPresent() ? credential.get() : resolve(s, key, text);
        if (path == null) {
            return null;
        }
        Secret secret;
        try {
            secret = SecretFile.read(path, what, SecretFile.Form.LINE);
        } catch (SecretFile.UnusableException e) {
            s.problem(key, e.getMessage() + (credential.isPresent() && Files.notExists(path)
                    ? CredentialFiles.notInCredentialsDirectory(text) : ""));
            return null;
        }
        warnIfExposed(s, key, path, "the " + what);
        return new Credential(path, secret);
    }

    /** A warning, under {@code key}, if other users can read the credential {@code what} in {@code file}. */
    private void warnIfExposed(YamlSection s, String key, Path file, String what) {
        credentials.exposure(file, what).ifPresent(exposure -> warnings.add(s.path(key) + ": " + exposure));
    }

    /** The certificates of the PEM bundle under {@code caFile}; null if absent or invalid. */
    private List<X509Certificate> caFile(YamlSection s) {
        FileContent file = readFile(s, "caFile", MAX_FILE_BYTES);
        if (file == null) {
            return null;
        }
        if (file.bytes().length == 0) {
            s.problem("caFile", file.path() + " is empty");
            return null;
        }
        try {
            return Pem.readCertificates(file.path());
        } catch (IOException e) {
            s.problem("caFile", e.getMessage());
            return null;
        }
    }

    private Path resolve(YamlSection s, String key, String text) {
        if (text.startsWith("~")) {
            s.problem(key, "must be an absolute path or one relative to this file's directory; ~ is not expanded"
                    + Problems.got(text));
            return null;
        }
        try {
            if (!text.isEmpty()) {
                return baseDir.resolve(Path.of(text)).normalize();
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        s.problem(key, FILE_PATH + Problems.got(text));
        return null;
    }

    private static Duration orDefault(Duration value, Duration fallback) {
        return value != null ? value : fallback;
    }

    // ---- files -----------------------------------------------------------------------------------

    /** Why a file named in the configuration cannot be used; the message names the file. */
    private static final class FileProblem extends Exception {
        private static final long serialVersionUID = 1L;

        FileProblem(String message) {
            super(message);
        }
    }

    private static byte[] readBytes(Path file, int maxBytes) throws FileProblem {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new FileProblem("cannot read " + file + ": " + Text.ioReason(e));
        }
        if (attributes.isDirectory()) {
            throw new FileProblem("cannot read " + file + ": Is a directory");
        }
        if (!attributes.isRegularFile()) {
            throw new FileProblem("cannot read " + file + ": not a regular file");
        }
        if (attributes.size() > maxBytes) {
            throw new FileProblem(file + " is larger than " + (maxBytes >> 10) + " KiB; is it the right file?");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FileProblem("cannot read " + file + ": " + Text.ioReason(e));
        }
    }
}
