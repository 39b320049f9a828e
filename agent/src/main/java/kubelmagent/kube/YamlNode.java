package kubelmagent.kube;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A value in a parsed YAML document together with where it is ({@code users[admin].user}), so that
 * every error can name the file and the place inside it.
 */
final class YamlNode {

    private final Path file;
    private final String path;
    private final Object value;

    YamlNode(Path file, String path, Object value) {
        this.file = file;
        this.path = path;
        this.value = value;
    }

    String path() {
        return path;
    }

    /** An error about this node: {@code /etc/k.yaml: users[admin].user: <what>}. */
    IOException error(String what) {
        return new IOException(file + ": " + (path.isEmpty() ? "" : path + ": ") + what);
    }

    /** An error about one of this node's keys. */
    IOException error(String key, String what) {
        return child(key).error(what);
    }

    boolean has(String key) {
        return map().map(m -> m.get(key) != null).orElse(false);
    }

    /** The mapping below {@code key}; an error if it is absent or not a mapping. */
    YamlNode mapping(String key) throws IOException {
        YamlNode child = child(key);
        if (child.value == null) {
            throw error("has no " + key);
        }
        if (child.map().isEmpty()) {
            throw child.error("must be a mapping");
        }
        return child;
    }

    /** A scalar below {@code key}, as text; empty if absent or blank. */
    Optional<String> string(String key) throws IOException {
        YamlNode child = child(key);
        if (child.value == null) {
            return Optional.empty();
        }
        if (child.value instanceof Map || child.value instanceof List) {
            throw child.error("must be a single value");
        }
        String text = child.value.toString().strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** A scalar below {@code key} that must be there. */
    String requiredString(String key) throws IOException {
        Optional<String> text = string(key);
        if (text.isEmpty()) {
            throw error("has no " + key);
        }
        return text.get();
    }

    /** {@code true}/{@code false} below {@code key}; false if absent. */
    boolean bool(String key) throws IOException {
        YamlNode child = child(key);
        if (child.value == null) {
            return false;
        }
        if (child.value instanceof Boolean b) {
            return b;
        }
        throw child.error("must be true or false");
    }

    /**
     * In a kubeconfig list such as {@code users: [{name: admin, user: {...}}]}, the {@code field} of
     * the entry named {@code name}: {@code users[admin].user}.
     */
    YamlNode named(String list, String name, String field) throws IOException {
        List<String> names = new ArrayList<>();
        for (Object entry : list(list)) {
            if (entry instanceof Map<?, ?> m && m.get("name") != null) {
                String entryName = m.get("name").toString();
                if (entryName.equals(name)) {
                    YamlNode found = new YamlNode(file, list + "[" + name + "]", entry);
                    return found.mapping(field);
                }
                names.add(entryName);
            }
        }
        throw error(list, "has no entry named \"" + name + "\""
                + (names.isEmpty() ? "" : " (it has: " + String.join(", ", names) + ")"));
    }

    private List<?> list(String key) throws IOException {
        Object child = map().map(m -> m.get(key)).orElse(null);
        if (child == null) {
            return List.of();
        }
        if (child instanceof List<?> l) {
            return l;
        }
        throw error(key, "must be a list");
    }

    private YamlNode child(String key) {
        Object child = map().map(m -> m.get(key)).orElse(null);
        return new YamlNode(file, path.isEmpty() ? key : path + "." + key, child);
    }

    private Optional<Map<?, ?>> map() {
        return value instanceof Map<?, ?> m ? Optional.of(m) : Optional.empty();
    }
}
