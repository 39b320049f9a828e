package kubelmagent.config;

import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import kubelmagent.ha.HaSettings;
import kubelmagent.kube.Selector;
import kubelmagent.loadmaster.LoadMasterConnection;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads and validates {@code agent.yaml} (see {@code conf/agent.yaml} for the commented example): reads
 * the file, composes its YAML and runs one class per section ({@link KubernetesSection},
 * {@link LoadMasterSection}, {@link SyncSection}, {@link SelectorSection}, {@link PolicySection},
 * {@link MetricsSection}).
 *
 * <p>Everything is checked before the agent starts, and every problem is reported at once, in
 * document order, each as {@code path: message (got value)}. Files named in the configuration are
 * read now ({@link ConfigFiles}): certificates are parsed, credentials must be non-empty, the token
 * file must be readable (it is read again on every pass). Relative file paths are taken relative to
 * the directory of {@code agent.yaml}. No problem ever contains a credential read from a file; values
 * written in {@code agent.yaml} itself (paths, URLs) are echoed, except the user-info and query of a
 * URL. Credential files that other users can read are allowed, but listed in {@link AgentConfig#warnings()}.
 * Under systemd, {@code sync.stateDir} must be the unit's state directory ({@link UnitStateDirectory}).
 */
public final class ConfigLoader {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/kube-lm-agent");

    static final List<String> ROOT_KEYS =
            List.of("kubernetes", "loadmaster", "sync", "selector", "policy", "metrics", "ha");

    static final String EMPTY_FILE = "the file is empty; see conf/agent.yaml for an example";

    static final int MAX_CONFIG_BYTES = 1 << 20;

    private final Problems problems = new Problems();
    private final ConfigFiles files;
    private final UnitStateDirectory unitStateDirectory;

    private ConfigLoader(Path baseDir, CredentialFiles credentials, UnitStateDirectory unitStateDirectory) {
        this.files = new ConfigFiles(baseDir, credentials);
        this.unitStateDirectory = unitStateDirectory;
    }

    /**
     * Reads {@code file}. Relative paths inside it are resolved against its directory. The other agents' files
     * beside it ({@link InstanceFiles}) must not share its {@code metrics.listen} or {@code sync.stateDir}.
     *
     * @throws ConfigException listing every problem, if the file cannot be read or is not valid
     */
    public static AgentConfig load(Path file) throws ConfigException {
        return load(file, CredentialFiles.ofThisProcess(), UnitStateDirectory.ofThisProcess());
    }

    static AgentConfig load(Path file, CredentialFiles credentials, UnitStateDirectory unitStateDirectory)
            throws ConfigException {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = ConfigFiles.readBytes(file, MAX_CONFIG_BYTES);
        } catch (ConfigFiles.FileProblem e) {
            throw new ConfigException(name, List.of("(root): " + e.getMessage()));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name, List.of("(root): the file is not UTF-8 text; save it as UTF-8"));
        }
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent() != null ? absolute.getParent() : absolute.getRoot();
        AgentConfig config = new ConfigLoader(dir, credentials, unitStateDirectory).read(text, name);
        List<String> clashes = InstanceFiles.clashes(file, config);
        if (!clashes.isEmpty()) {
            throw new ConfigException(name, clashes);
        }
        return config;
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
        return parse(
                yaml,
                fileNameForMessages,
                baseDir,
                CredentialFiles.ofThisProcess(),
                UnitStateDirectory.ofThisProcess());
    }

    static AgentConfig parse(
            String yaml,
            String fileNameForMessages,
            Path baseDir,
            CredentialFiles credentials,
            UnitStateDirectory unitStateDirectory)
            throws ConfigException {
        return new ConfigLoader(baseDir, credentials, unitStateDirectory).read(yaml, fileNameForMessages);
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
        KubernetesSection kubernetes = KubernetesSection.read(top.section("kubernetes", KubernetesSection.KEYS), files);
        LoadMasterConnection loadMaster =
                LoadMasterSection.read(top.section("loadmaster", LoadMasterSection.KEYS), files);
        SyncSection sync = SyncSection.read(top.section("sync", SyncSection.KEYS), unitStateDirectory);
        Selector selector = SelectorSection.read(top.section("selector", SelectorSection.KEYS));
        BindingPolicy policy = PolicySection.read(top);
        InetSocketAddress metricsListen = MetricsSection.listen(top.section("metrics", MetricsSection.KEYS));
        HaSettings ha = HaSection.read(top);
        failIfAny(fileName);

        return new AgentConfig(
                kubernetes.connection(),
                kubernetes.namespaces(),
                selector,
                loadMaster,
                sync.schedule(),
                sync.watch(),
                sync.stateDir(),
                sync.removals(),
                policy,
                kubernetes.networks(),
                kubernetes.modes(),
                metricsListen,
                sync.passGap().multipliedBy(3),
                instance(fileName),
                ha,
                files.warnings());
    }

    /** {@code prod} for {@code /etc/kube-lm-agent/prod.yaml}: the file's name without directory and extension. */
    static String instance(String fileName) {
        String name = Path.of(fileName).getFileName() == null
                ? fileName
                : Path.of(fileName).getFileName().toString();
        for (String extension : List.of(".yaml", ".yml")) {
            if (name.endsWith(extension) && name.length() > extension.length()) {
                return name.substring(0, name.length() - extension.length());
            }
        }
        return name;
    }

    private void failIfAny(String fileName) throws ConfigException {
        if (!problems.isEmpty()) {
            throw new ConfigException(fileName, problems.inDocumentOrder());
        }
    }

    private Node compose(String text) {
        try {
            return composeYaml(text);
        } catch (MarkedYAMLException e) {
            problems.atStart("(root)", syntaxError(e));
        } catch (YAMLException e) {
            problems.atStart("(root)", "not valid YAML: " + e.getMessage());
        }
        return null;
    }

    /**
     * The node tree of a configuration file's text (a leading byte order mark aside), composed safely: no
     * types, no recursive keys, few aliases, limited depth and size.
     *
     * @throws YAMLException if it is not YAML
     */
    static Node composeYaml(String text) {
        LoaderOptions options = new LoaderOptions();
        // compose() keeps every key and YamlSection reports duplicates with both line numbers;
        // this setting makes any future load() through these options reject them too.
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(20);
        options.setCodePointLimit(MAX_CONFIG_BYTES);
        String withoutBom = text.startsWith("\uFEFF") ? text.substring(1) : text;
        return new Yaml(new SafeConstructor(options)).compose(new StringReader(withoutBom));
    }

    private static String syntaxError(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        StringBuilder message = new StringBuilder("not valid YAML");
        if (mark != null) {
            message.append(" at line ")
                    .append(mark.getLine() + 1)
                    .append(", column ")
                    .append(mark.getColumn() + 1);
        }
        message.append(": ");
        if (e.getContext() != null) {
            message.append(e.getContext()).append(": ");
        }
        message.append(e.getProblem() != null ? e.getProblem() : "unknown error");
        return message.toString();
    }
}
