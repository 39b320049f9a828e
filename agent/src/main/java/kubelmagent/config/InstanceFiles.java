package kubelmagent.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * What must differ between the agents ("instances") whose configuration files sit side by side, as {@code
 * /etc/kube-lm-agent/agent.yaml} and the {@code NAME.yaml} of each {@code kube-lm-agent@NAME}: each needs its own
 * {@code metrics.listen} (two cannot listen on one port) and its own {@code sync.stateDir} (each owns only the Real
 * Servers its own ledger records). A file beside this one counts as an agent's when it is YAML whose top level has
 * a {@code loadmaster} key; only those two settings are read from it, so a file that is wrong in other ways (or
 * whose credentials this agent cannot read) is still compared, and its own start says what else is wrong.
 */
public final class InstanceFiles {

    private InstanceFiles() {}

    /** Another agent's file and the two settings read from it. */
    public record Instance(Path file, String metricsListen, Path stateDir) {

        /** Its instance name: {@code prod} for {@code prod.yaml}. */
        public String name() {
            return ConfigLoader.instance(file.getFileName().toString());
        }
    }

    /**
     * The problems of {@code config} (read from {@code file}) against the other agents' files beside it, each as
     * {@code path: message}; none when there are no others.
     */
    static List<String> clashes(Path file, AgentConfig config) {
        List<String> problems = new ArrayList<>();
        for (Instance other : others(file)) {
            String name = other.name();
            if (config.metricsListen() != null && sameSocket(config.metricsListen(), other.metricsListen())) {
                problems.add("metrics.listen: is also the metrics.listen of " + other.file() + " (instance " + name
                        + "), so only one of them could serve /metrics; give each instance its own port (got \""
                        + other.metricsListen() + "\" there)");
            }
            if (config.stateDir().toAbsolutePath().normalize().equals(other.stateDir())) {
                problems.add("sync.stateDir: is also the sync.stateDir of " + other.file() + " (instance " + name
                        + "); each instance keeps its own ledger of the Real Servers it added, so give it its own"
                        + " directory, e.g. /var/lib/kube-lm-agent/" + config.instance() + " (got \""
                        + other.stateDir() + "\" there)");
            }
        }
        return problems;
    }

    /** The other agents' files beside {@code file}, sorted by name; unreadable or foreign files are left out. */
    public static List<Instance> others(Path file) {
        Path self = file.toAbsolutePath().normalize();
        Path dir = self.getParent();
        TreeMap<String, Instance> found = new TreeMap<>();
        if (dir == null) {
            return List.of();
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{yaml,yml}")) {
            for (Path candidate : files) {
                Path normal = candidate.toAbsolutePath().normalize();
                if (!normal.equals(self) && Files.isRegularFile(normal)) {
                    Instance instance = read(normal);
                    if (instance != null) {
                        found.put(normal.getFileName().toString(), instance);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // the directory cannot be listed: nothing to compare with
        }
        return List.copyOf(found.values());
    }

    /** The two settings of an agent's file, with their defaults; null if it is not an agent's file or unreadable. */
    private static Instance read(Path file) {
        Node root;
        try {
            root = ConfigLoader.composeYaml(
                    new String(ConfigFiles.readBytes(file, ConfigLoader.MAX_CONFIG_BYTES), StandardCharsets.UTF_8));
        } catch (ConfigFiles.FileProblem | RuntimeException e) { // YAMLException is a RuntimeException
            return null;
        }
        if (!(root instanceof MappingNode top) || value(top, "loadmaster") == null) {
            return null;
        }
        String listen = scalar(value(top, "metrics"), "listen", MetricsSection.DEFAULT_LISTEN);
        String stateDir = scalar(value(top, "sync"), "stateDir", ConfigLoader.DEFAULT_STATE_DIR.toString());
        Path dir;
        try {
            dir = Path.of(stateDir.strip()).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            return null;
        }
        return new Instance(file, listen.strip(), dir);
    }

    private static Node value(Node mapping, String key) {
        if (mapping instanceof MappingNode m) {
            for (NodeTuple tuple : m.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode k && key.equals(k.getValue())) {
                    return tuple.getValueNode();
                }
            }
        }
        return null;
    }

    private static String scalar(Node section, String key, String otherwise) {
        return value(section, key) instanceof ScalarNode s ? s.getValue() : otherwise;
    }

    /**
     * Whether an agent listening on {@code mine} and one configured with {@code theirs} would want the same socket:
     * the same port, and the same address or either on every address ({@code 0.0.0.0}, {@code [::]}).
     */
    private static boolean sameSocket(InetSocketAddress mine, String theirs) {
        Matcher m = MetricsSection.HOST_PORT.matcher(theirs);
        if (!m.matches()) {
            return false;
        }
        int port = Integer.parseInt(m.group(3));
        if (port != mine.getPort()) {
            return false;
        }
        String host = m.group(1) != null ? m.group(1) : m.group(2);
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return false;
        }
        InetAddress own = mine.getAddress();
        return own == null || own.isAnyLocalAddress() || address.isAnyLocalAddress() || own.equals(address);
    }
}
