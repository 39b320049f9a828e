package kubelmagent.simulator;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The structure of an answer with its values replaced by their kinds, one line per element or field,
 * indented by nesting: what the fidelity tests compare between a captured answer and the simulator's.
 *
 * <p>XML: {@code Response stat=200 code=ok} (envelope attributes literally), then one line per
 * element, {@code name: kind} for leaves with kind {@code Y/N}, {@code int}, {@code empty} or
 * {@code text}; the text of {@code <Success>} and {@code <Error>} literally.
 * JSON: one line per field, {@code name: kind} with kind {@code number}, {@code bool},
 * {@code string}, {@code string(int)} (digits in a string), {@code string(empty)}; arrays as
 * {@code name[]} followed by their items; the envelope's {@code code}, {@code status} and
 * {@code message} literally.
 */
final class Skeleton {

    /** Elements or fields whose position the captures disagree on: compared by presence and kind only. */
    static final List<String> FLOATING = List.of("DefaultGW");

    private Skeleton() {}

    static List<String> ofXml(byte[] body) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(body));
        Element root = doc.getDocumentElement();
        List<String> lines = new ArrayList<>();
        lines.add(root.getTagName() + " stat=" + root.getAttribute("stat") + " code=" + root.getAttribute("code"));
        for (Element child : children(root)) {
            xml(child, 1, lines);
        }
        return lines;
    }

    private static void xml(Element e, int depth, List<String> lines) {
        String indent = "  ".repeat(depth);
        List<Element> children = children(e);
        if (children.isEmpty()) {
            String text = e.getTextContent().strip();
            boolean literal = e.getTagName().equals("Success") || e.getTagName().equals("Error");
            lines.add(indent + e.getTagName() + ": " + (literal ? "\"" + text + "\"" : xmlKind(text)));
            return;
        }
        lines.add(indent + e.getTagName());
        for (Element child : children) {
            xml(child, depth + 1, lines);
        }
    }

    private static String xmlKind(String text) {
        if (text.isEmpty()) {
            return "empty";
        }
        if (text.equals("Y") || text.equals("N")) {
            return "Y/N";
        }
        return text.matches("-?\\d+") ? "int" : "text";
    }

    private static List<Element> children(Element parent) {
        List<Element> result = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element) {
                result.add((Element) n);
            }
        }
        return result;
    }

    static List<String> ofJson(byte[] body) {
        JsonElement root = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        lines.add("{}");
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
            boolean literal = e.getKey().equals("code")
                    || e.getKey().equals("status")
                    || e.getKey().equals("message");
            if (literal) {
                lines.add("  " + e.getKey() + " = " + e.getValue());
            } else {
                json(e.getKey(), e.getValue(), 1, lines);
            }
        }
        return lines;
    }

    private static void json(String name, JsonElement v, int depth, List<String> lines) {
        String indent = "  ".repeat(depth);
        String label = name == null ? "-" : name;
        if (v.isJsonObject()) {
            lines.add(indent + label + " {}");
            for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
                json(e.getKey(), e.getValue(), depth + 1, lines);
            }
        } else if (v.isJsonArray()) {
            lines.add(indent + label + "[]");
            for (JsonElement item : v.getAsJsonArray()) {
                json(null, item, depth + 1, lines);
            }
        } else if (v.isJsonNull()) {
            lines.add(indent + label + ": null");
        } else {
            lines.add(indent + label + ": " + jsonKind(v.getAsJsonPrimitive()));
        }
    }

    private static String jsonKind(JsonPrimitive p) {
        if (p.isBoolean()) {
            return "bool";
        }
        if (p.isNumber()) {
            return "number";
        }
        String s = p.getAsString();
        if (s.isEmpty()) {
            return "string(empty)";
        }
        return s.matches("-?\\d+") ? "string(int)" : "string";
    }

    /** The lines without the {@link #FLOATING} ones: what must match in order. */
    static List<String> ordered(List<String> lines) {
        return lines.stream().filter(l -> !isFloating(l)).toList();
    }

    /** The {@link #FLOATING} lines: what must match by presence and kind. */
    static List<String> floating(List<String> lines) {
        return lines.stream().filter(Skeleton::isFloating).sorted().toList();
    }

    private static boolean isFloating(String line) {
        String name = line.strip().split("[:\\[ ]", 2)[0];
        return FLOATING.contains(name);
    }
}
