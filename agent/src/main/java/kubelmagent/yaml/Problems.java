package kubelmagent.yaml;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import kubelmagent.log.Text;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Collects the problems found in a YAML document such as {@code agent.yaml}, each as
 * {@code path: message (got value)}, and hands them back in document order: each problem is anchored
 * to the YAML node it is about, and problems about a section as a whole (a missing key, two keys that
 * exclude each other) come after the problems of that section's keys.
 */
public final class Problems {

    /** Longest value echoed back; anything longer is cut, so a pasted blob cannot flood the log. */
    private static final int MAX_ECHO = 200;

    private static final long END_OF_DOCUMENT = Long.MAX_VALUE;

    private record Entry(long position, int sequence, String text) {}

    private final List<Entry> entries = new ArrayList<>();

    /** A problem about {@code node} (or, if null, about the document as a whole: it sorts last). */
    public void at(Node node, String path, String message) {
        add(node == null ? END_OF_DOCUMENT : node.getStartMark().getIndex() * 2L, path, message);
    }

    /** A problem that sorts just after everything inside {@code node}; last if {@code node} is null. */
    public void after(Node node, String path, String message) {
        add(node == null ? END_OF_DOCUMENT : Math.max(0, node.getEndMark().getIndex() * 2L - 1), path, message);
    }

    /** A problem with no place in the document (the file itself, a YAML syntax error). */
    public void atStart(String path, String message) {
        add(-1, path, message);
    }

    private void add(long position, String path, String message) {
        entries.add(new Entry(position, entries.size(), path + ": " + message));
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public List<String> inDocumentOrder() {
        return entries.stream()
                .sorted(Comparator.comparingLong(Entry::position).thenComparingInt(Entry::sequence))
                .map(Entry::text)
                .toList();
    }

    /** {@code  (got "value")}, escaped and shortened. Only for values that are not secrets. */
    public static String got(String value) {
        return " (got " + quote(value) + ")";
    }

    /** {@code  (got a list)}: what kind of YAML value a node is, for type mismatches. */
    public static String gotKind(Node node) {
        return " (got " + kind(node) + ")";
    }

    public static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof ScalarNode) {
            Tag tag = node.getTag();
            if (Tag.INT.equals(tag) || Tag.FLOAT.equals(tag)) {
                return "a number";
            }
            if (Tag.BOOL.equals(tag)) {
                return "a boolean";
            }
            if (Tag.NULL.equals(tag)) {
                return "nothing";
            }
            return "a string";
        }
        return "an unsupported value";
    }

    public static String quote(String value) {
        return Text.quote(value, MAX_ECHO);
    }
}
