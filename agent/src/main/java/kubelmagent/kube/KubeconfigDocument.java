package kubelmagent.kube;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import kubelmagent.log.Text;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A kubeconfig file as YAML, walked with the agent's one YAML walker, {@link YamlSection}, and looked
 * up the way kubectl does: blank values count as absent, list entries are found by {@code name}, and
 * flags are YAML 1.1 booleans. Every error names the file and the place inside it
 * ({@code /etc/k.yaml: users[admin].user: ...}); what the values mean is {@link Kubeconfig}'s business.
 */
final class KubeconfigDocument {

    /** YAML 1.1's words for true, lowercased; anything else with the boolean tag is false. */
    private static final Set<String> TRUE = Set.of("true", "yes", "on");

    private final Path file;
    private final YamlSection root;

    private KubeconfigDocument(Path file, YamlSection root) {
        this.file = file;
        this.root = root;
    }

    /**
     * Reads {@code file}. load() rejects, in SnakeYAML's words, what is not a valid document
     * (syntax, duplicate keys, unknown tags), as it always did; compose() then gives the nodes, which
     * keep their text as written and their lines, for the agent's one YAML walker, {@link YamlSection}.
     */
    static KubeconfigDocument load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read kubeconfig " + file + " (" + Text.ioReason(e) + ")", e);
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        Node document;
        try {
            yaml.load(text);
            document = yaml.compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            // Not e.getMessage(): it quotes the offending line, which may hold a token or key.
            String where = e.getProblemMark() == null
                    ? ""
                    : " at line " + (e.getProblemMark().getLine() + 1) + ", column "
                            + (e.getProblemMark().getColumn() + 1);
            throw new IOException(file + ": is not valid YAML" + where + ": " + e.getProblem());
        } catch (YAMLException e) {
            throw new IOException(file + ": is not valid YAML (" + e.getClass().getSimpleName() + ")");
        }
        if (!(document instanceof MappingNode mapping)) {
            throw new IOException(
                    file + ": is not a kubeconfig (expected a YAML mapping with clusters, contexts" + " and users)");
        }
        // Its keys are kubectl's: any is taken, and what the walker would report on its own (a key
        // that is not a name, say) is no concern of the agent's, which looks up only the keys it needs.
        return new KubeconfigDocument(file, YamlSection.root(mapping, YamlSection.ANY_KEY, new Problems()));
    }

    /** The document's root mapping. */
    YamlSection root() {
        return root;
    }

    /** An error about a mapping, {@code /etc/k.yaml: users[admin].user: <what>}; no path for the root. */
    IOException error(YamlSection s, String what) {
        return new IOException(file + ": " + (s.path().isEmpty() ? "" : s.path() + ": ") + what);
    }

    /** An error about one of a mapping's keys: {@code /etc/k.yaml: users[admin].user.token: <what>}. */
    IOException error(YamlSection s, String key, String what) {
        return new IOException(file + ": " + s.path(key) + ": " + what);
    }

    /** The mapping below {@code key}; an error if it is absent or not a mapping. */
    YamlSection mapping(YamlSection s, String key) throws IOException {
        Node value = s.value(key);
        if (value == null) {
            throw error(s, "has no " + key);
        }
        if (!(value instanceof MappingNode)) {
            throw error(s, key, "must be a mapping");
        }
        return s.section(key, YamlSection.ANY_KEY);
    }

    /** A scalar below {@code key}, as written but without surrounding whitespace; empty if absent or blank. */
    Optional<String> string(YamlSection s, String key) throws IOException {
        Node value = s.value(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof ScalarNode scalar)) {
            throw error(s, key, "must be a single value");
        }
        String text = scalar.getValue().strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** A scalar below {@code key} that must be there. */
    String requiredString(YamlSection s, String key) throws IOException {
        Optional<String> text = string(s, key);
        if (text.isEmpty()) {
            throw error(s, "has no " + key);
        }
        return text.get();
    }

    /**
     * A YAML boolean below {@code key}; false if absent. YAML 1.1's words count, as they did when the
     * kubeconfig was loaded into Java objects: true, yes and on, in any of their three spellings.
     */
    boolean bool(YamlSection s, String key) throws IOException {
        Node value = s.value(key);
        if (value == null) {
            return false;
        }
        if (value instanceof ScalarNode scalar && Tag.BOOL.equals(value.getTag())) {
            return TRUE.contains(scalar.getValue().toLowerCase(Locale.ROOT));
        }
        throw error(s, key, "must be true or false");
    }

    /**
     * In a kubeconfig list such as {@code users: [{name: admin, user: {...}}]}, the {@code field} of
     * the entry named {@code name}: {@code users[admin].user}.
     */
    YamlSection named(String list, String name, String field) throws IOException {
        List<String> names = new ArrayList<>();
        for (Node entry : list(root, list)) {
            if (!(entry instanceof MappingNode)) {
                continue;
            }
            YamlSection candidate = root.mappingAt(entry, list + "[" + name + "]", YamlSection.ANY_KEY);
            if (candidate.value("name") instanceof ScalarNode entryName) {
                if (entryName.getValue().equals(name)) {
                    return mapping(candidate, field);
                }
                names.add(entryName.getValue());
            }
        }
        throw error(
                root,
                list,
                "has no entry named \"" + name + "\""
                        + (names.isEmpty() ? "" : " (it has: " + String.join(", ", names) + ")"));
    }

    List<Node> list(YamlSection s, String key) throws IOException {
        Node value = s.value(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        throw error(s, key, "must be a list");
    }
}
