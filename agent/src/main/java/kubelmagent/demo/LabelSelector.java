package kubelmagent.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes {@code labelSelector}: comma-separated requirements that must all hold, each equality-based
 * ({@code key=value}, {@code key==value}, {@code key!=value}), set-based ({@code key in (a,b)}, {@code key
 * notin (a,b)}, whitespace allowed around the words, parentheses and commas) or an existence test ({@code
 * key}, {@code !key}). As on the real server, {@code notin} and {@code !=} also hold where the label is
 * missing, and a set may not be empty.
 */
record LabelSelector(List<Requirement> requirements) {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._/-]*");
    private static final Pattern SET = Pattern.compile("(\\S+)\\s+(in|notin)\\s*\\((.*)\\)", Pattern.DOTALL);
    private static final String UNDERSTOOD =
            "key=value, key==value, key!=value, key in (a,b), key notin (a,b), key" + " and !key";

    LabelSelector {
        requirements = List.copyOf(requirements);
    }

    /** One requirement; {@code values} is empty for the existence tests and has one value for the equalities. */
    record Requirement(String key, Operator operator, Set<String> values) {

        Requirement {
            values = Set.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String actual = labels.get(key);
            return switch (operator) {
                case EQUALS, IN -> actual != null && values.contains(actual);
                case NOT_EQUALS, NOT_IN -> actual == null || !values.contains(actual);
                case EXISTS -> actual != null;
                case DOES_NOT_EXIST -> actual == null;
            };
        }
    }

    enum Operator {
        EQUALS,
        NOT_EQUALS,
        IN,
        NOT_IN,
        EXISTS,
        DOES_NOT_EXIST
    }

    /**
     * @param text the query parameter as sent; null or blank selects everything
     * @throws IllegalArgumentException for anything that is not a selector, with a message fit for a 400
     *                                  Status
     */
    static LabelSelector parse(String text) {
        List<Requirement> requirements = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return new LabelSelector(requirements);
        }
        for (String part : split(text)) {
            requirements.add(requirement(part.strip(), text));
        }
        return new LabelSelector(requirements);
    }

    /** The requirements: split at the commas that are not inside a set's parentheses. */
    private static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
            if (depth < 0 || depth > 1) {
                throw unparsable(text, text);
            }
        }
        if (depth != 0) {
            throw unparsable(text, text);
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static Requirement requirement(String part, String whole) {
        Requirement r;
        Matcher set = SET.matcher(part);
        int ne = part.indexOf("!=");
        int eq = part.indexOf('=');
        if (set.matches()) {
            List<String> values = new ArrayList<>();
            for (String value : set.group(3).split(",", -1)) {
                values.add(value.strip());
            }
            if (set.group(3).isBlank()) {
                throw new IllegalArgumentException("unable to parse requirement: \"" + part + "\" in \"" + whole
                        + "\": for 'in', 'notin' operators, values set can't be empty");
            }
            r = new Requirement(
                    set.group(1), set.group(2).equals("in") ? Operator.IN : Operator.NOT_IN, Set.copyOf(values));
        } else if (ne > 0) {
            r = new Requirement(
                    part.substring(0, ne).strip(),
                    Operator.NOT_EQUALS,
                    Set.of(part.substring(ne + 2).strip()));
        } else if (eq > 0) {
            String value = part.startsWith("==", eq) ? part.substring(eq + 2) : part.substring(eq + 1);
            r = new Requirement(part.substring(0, eq).strip(), Operator.EQUALS, Set.of(value.strip()));
        } else if (part.startsWith("!")) {
            r = new Requirement(part.substring(1).strip(), Operator.DOES_NOT_EXIST, Set.of());
        } else {
            r = new Requirement(part, Operator.EXISTS, Set.of());
        }
        if (r.key().isEmpty()
                || !TOKEN.matcher(r.key()).matches()
                || !r.values().stream().allMatch(v -> TOKEN.matcher(v).matches())) {
            throw unparsable(part, whole);
        }
        return r;
    }

    private static IllegalArgumentException unparsable(String part, String whole) {
        return new IllegalArgumentException("unable to parse requirement: \"" + part + "\" in \"" + whole
                + "\" (this stand-in understands " + UNDERSTOOD + ")");
    }

    boolean matches(Map<String, String> labels) {
        return requirements.stream().allMatch(r -> r.matches(labels));
    }

    boolean isEmpty() {
        return requirements.isEmpty();
    }

    /** The values {@code key} must take, if a requirement ({@code key=v} or {@code key in (…)}) says so. */
    Optional<Set<String>> oneOf(String key) {
        return requirements.stream()
                .filter(r -> (r.operator() == Operator.EQUALS || r.operator() == Operator.IN)
                        && r.key().equals(key))
                .map(Requirement::values)
                .findFirst();
    }
}
