package kubelmagent.yaml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One mapping of a YAML document (the root, or a section such as {@code kubernetes} of
 * {@code agent.yaml} or {@code users[admin].user} of a kubeconfig), read from SnakeYAML's node tree so
 * that every value keeps its position (its line) and its text exactly as written. The one walker of
 * YAML in the agent: the configuration loader and {@code kube.Kubeconfig} both use it. Reports, to
 * {@link Problems}: a value that is not a mapping, keys that are not known (with the list of known
 * keys; none for {@link #ANY_KEY}), duplicate keys, and values of the wrong type. A key whose value is
 * empty ({@code key:} or {@code key: null}) counts as absent.
 */
public final class YamlSection {

    /**
     * Known keys for a mapping whose keys are someone else's to define (a kubeconfig's are kubectl's):
     * any key is taken, and only the keys asked for are looked at.
     */
    public static final List<String> ANY_KEY = Collections.unmodifiableList(new ArrayList<>(0));

    private static final String MAPPING = "must be a mapping of indented \"key: value\" lines";

    /** A key shown in a path as it is; any other (empty, spaces, controls, ...) is shown quoted. */
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    /** Decimal digits that always fit an int. */
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[0-9]{1,9}");

    private final String path;
    private final Node anchor;
    private final boolean usable;
    private final Problems problems;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    private YamlSection(String path, Node anchor, boolean usable, Problems problems) {
        this.path = path;
        this.anchor = anchor;
        this.usable = usable;
        this.problems = problems;
    }

    /** The document's root mapping; the caller has checked it is a {@link MappingNode}. */
    public static YamlSection root(MappingNode root, List<String> knownKeys, Problems problems) {
        YamlSection section = new YamlSection("", root, true, problems);
        section.readKeys(root, knownKeys);
        return section;
    }

    /** The mapping under {@code key}; absent or empty gives a section with no keys. */
    public YamlSection section(String key, List<String> knownKeys) {
        NodeTuple tuple = entries.get(key);
        if (tuple == null) {
            return new YamlSection(path(key), null, true, problems);
        }
        return of(tuple.getValueNode(), path(key), knownKeys, problems);
    }

    /** A mapping found at {@code path}, such as an item of a list; empty gives a section with no keys. */
    public static YamlSection of(Node value, String path, List<String> knownKeys, Problems problems) {
        if (isNull(value)) {
            return new YamlSection(path, value, true, problems);
        }
        if (!(value instanceof MappingNode mapping)) {
            problems.at(value, path, MAPPING + Problems.gotKind(value));
            return new YamlSection(path, value, false, problems);
        }
        YamlSection section = new YamlSection(path, mapping, true, problems);
        section.readKeys(mapping, knownKeys);
        return section;
    }

    /** A mapping found at {@code path} below this one, such as an item of a list; problems go where this one's go. */
    public YamlSection mappingAt(Node value, String path, List<String> knownKeys) {
        return of(value, path, knownKeys, problems);
    }

    public static String mappingExpected(Node node) {
        return MAPPING + Problems.gotKind(node);
    }

    private void readKeys(MappingNode mapping, List<String> knownKeys) {
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey)) {
                problems.at(keyNode, displayPath(), "keys must be plain names" + Problems.gotKind(keyNode));
                continue;
            }
            String key = scalarKey.getValue();
            if (knownKeys != ANY_KEY && !knownKeys.contains(key)) { // the one instance, not any empty list
                String shown = PLAIN_KEY.matcher(key).matches() ? key : Problems.quote(key);
                problems.at(
                        keyNode,
                        path(shown),
                        "unknown key" + suggestion(key, knownKeys) + " (known keys: " + String.join(", ", knownKeys)
                                + ")");
                continue;
            }
            NodeTuple first = entries.get(key);
            if (first != null) {
                problems.at(
                        keyNode,
                        path(key),
                        "duplicate key (on lines " + line(first.getKeyNode()) + " and " + line(keyNode) + ")");
                continue;
            }
            entries.put(key, tuple);
        }
    }

    /** A hint for the likely mistakes: wrong case, kebab/snake case, or the secret itself instead of its file. */
    private static String suggestion(String key, List<String> knownKeys) {
        String normalized = normalize(key);
        for (String known : knownKeys) {
            if (normalize(known).equals(normalized)) {
                return ", did you mean " + known + "?";
            }
        }
        for (String known : knownKeys) {
            if (known.endsWith("File") && normalize(known).equals(normalized + "file")) {
                return ", did you mean " + known + "? It takes the path of a file that holds the value";
            }
        }
        return "";
    }

    private static String normalize(String key) {
        return key.replace("-", "").replace("_", "").replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    public static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    public String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Where this mapping is, such as {@code kubernetes} or {@code users[admin].user}; empty for the root. */
    public String path() {
        return path;
    }

    public String displayPath() {
        return path.isEmpty() ? "(root)" : path;
    }

    /** Whether {@code key} is given with a non-empty value. */
    public boolean has(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple != null && !isNull(tuple.getValueNode());
    }

    /** The value node of {@code key}; null if absent or empty. */
    public Node value(String key) {
        return has(key) ? entries.get(key).getValueNode() : null;
    }

    /** A problem with {@code node}, found at {@code nodePath} (an item of a list, say). */
    public void problemAt(Node node, String nodePath, String message) {
        problems.at(node, nodePath, message);
    }

    /** A problem with the value of {@code key}. */
    public void problem(String key, String message) {
        NodeTuple tuple = entries.get(key);
        problems.at(tuple == null ? anchor : tuple.getValueNode(), path(key), message);
    }

    /** A problem with {@code key} found only by looking at the whole section (e.g. "is required"). */
    public void missing(String key, String message) {
        if (usable) {
            problems.after(anchor, path(key), message);
        }
    }

    /** A problem with the section as a whole. */
    public void sectionProblem(String message) {
        if (usable) {
            problems.after(anchor, displayPath(), message);
        }
    }

    /**
     * The text of a scalar value; null if absent, or if it is not a scalar (then a problem
     * {@code mustBe (got a list)} is reported).
     */
    public String scalar(String key, String mustBe) {
        Node node = value(key);
        if (node == null) {
            return null;
        }
        return scalarText(node, path(key), mustBe);
    }

    public String scalarText(Node node, String nodePath, String mustBe) {
        if (!(node instanceof ScalarNode scalar)) {
            problems.at(node, nodePath, mustBe + Problems.gotKind(node));
            return null;
        }
        if (!node.getTag().getValue().startsWith(Tag.PREFIX)) {
            problems.at(
                    node,
                    nodePath,
                    "YAML tags are not supported (got " + node.getTag().getValue() + ")");
            return null;
        }
        return scalar.getValue();
    }

    /** {@code true}/{@code false}; null if absent or not a boolean (a problem is reported). */
    public Boolean bool(String key) {
        String text = scalar(key, "must be true or false");
        if (text == null) {
            return null;
        }
        switch (text) {
            case "true", "True", "TRUE":
                return Boolean.TRUE;
            case "false", "False", "FALSE":
                return Boolean.FALSE;
            default:
                problem(key, "must be true or false" + Problems.got(text));
                return null;
        }
    }

    /** A whole number from {@code min} up (written in decimal digits); null if absent or invalid (a problem is reported). */
    public Integer integer(String key, int min) {
        String mustBe = "must be a whole number, " + min + " or more";
        String text = scalar(key, mustBe);
        if (text == null) {
            return null;
        }
        String digits = text.strip();
        if (WHOLE_NUMBER.matcher(digits).matches() && Integer.parseInt(digits) >= min) {
            return Integer.parseInt(digits);
        }
        problem(key, mustBe + Problems.got(text));
        return null;
    }

    /**
     * A whole number from {@code min} to {@code max} (written in decimal digits); null if absent or invalid (a
     * problem is reported).
     */
    public Integer integer(String key, int min, int max) {
        String mustBe = "must be a whole number from " + min + " to " + max;
        String text = scalar(key, mustBe);
        if (text == null) {
            return null;
        }
        String digits = text.strip();
        if (WHOLE_NUMBER.matcher(digits).matches()
                && Integer.parseInt(digits) >= min
                && Integer.parseInt(digits) <= max) {
            return Integer.parseInt(digits);
        }
        problem(key, mustBe + Problems.got(text));
        return null;
    }

    /** An item of a list of scalars and its path; {@code text} is null if it is not a usable scalar (reported). */
    public record Item(Node node, String path, String text) {}

    /**
     * The items of the list under {@code key}, each checked to be a scalar: an empty item is reported as
     * {@code itemMustBe (got nothing)}, a list or mapping as {@code itemMustBe (got a list)}. Null if the key is
     * absent or not a list (a problem {@code listMustBe (got ...)} is reported).
     */
    public List<Item> scalarItems(String key, String listMustBe, String itemMustBe) {
        List<Node> nodes = list(key, listMustBe);
        if (nodes == null) {
            return null;
        }
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            String itemPath = path(key) + "[" + i + "]";
            if (isNull(node)) {
                problems.at(node, itemPath, itemMustBe + " (got nothing)");
                items.add(new Item(node, itemPath, null));
            } else {
                items.add(new Item(node, itemPath, scalarText(node, itemPath, itemMustBe)));
            }
        }
        return items;
    }

    /** The items of a list; null if absent, or not a list (a problem {@code mustBe (got ...)} is reported). */
    public List<Node> list(String key, String mustBe) {
        Node node = value(key);
        if (node == null) {
            return null;
        }
        if (!(node instanceof SequenceNode sequence)) {
            problems.at(node, path(key), mustBe + Problems.gotKind(node));
            return null;
        }
        return sequence.getValue();
    }
}
