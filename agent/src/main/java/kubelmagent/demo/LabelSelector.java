package kubelmagent.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The equality-based subset of a Kubernetes {@code labelSelector}: comma-separated requirements that
 * must all hold, each {@code key=value}, {@code key==value}, {@code key!=value}, {@code key} (the label
 * exists) or {@code !key} (it does not). Set-based requirements ({@code in}, {@code notin}) are refused.
 */
record LabelSelector(List<Requirement> requirements) {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._/-]*");

    LabelSelector {
        requirements = List.copyOf(requirements);
    }

    /** One requirement; {@code value} is null for the existence tests. */
    record Requirement(String key, Operator operator, String value) {

        boolean matches(Map<String, String> labels) {
            String actual = labels.get(key);
            return switch (operator) {
                case EQUALS -> value.equals(actual);
                case NOT_EQUALS -> !value.equals(actual);
                case EXISTS -> actual != null;
                case DOES_NOT_EXIST -> actual == null;
            };
        }
    }

    enum Operator {
        EQUALS,
        NOT_EQUALS,
        EXISTS,
        DOES_NOT_EXIST
    }

    /**
     * @param text the query parameter as sent; null or blank selects everything
     * @throws IllegalArgumentException for anything outside the supported subset, with a message fit for a
     *                                  400 Status
     */
    static LabelSelector parse(String text) {
        List<Requirement> requirements = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return new LabelSelector(requirements);
        }
        for (String part : text.split(",", -1)) {
            requirements.add(requirement(part.strip(), text));
        }
        return new LabelSelector(requirements);
    }

    private static Requirement requirement(String part, String whole) {
        Requirement r;
        int ne = part.indexOf("!=");
        int eq = part.indexOf('=');
        if (ne > 0) {
            r = new Requirement(
                    part.substring(0, ne).strip(),
                    Operator.NOT_EQUALS,
                    part.substring(ne + 2).strip());
        } else if (eq > 0) {
            String value = part.startsWith("==", eq) ? part.substring(eq + 2) : part.substring(eq + 1);
            r = new Requirement(part.substring(0, eq).strip(), Operator.EQUALS, value.strip());
        } else if (part.startsWith("!")) {
            r = new Requirement(part.substring(1).strip(), Operator.DOES_NOT_EXIST, null);
        } else {
            r = new Requirement(part, Operator.EXISTS, null);
        }
        if (r.key().isEmpty()
                || !TOKEN.matcher(r.key()).matches()
                || (r.value() != null && !TOKEN.matcher(r.value()).matches())) {
            throw new IllegalArgumentException("unable to parse requirement: \"" + part + "\" in \"" + whole
                    + "\" (this stand-in understands key=value, key==value, key!=value, key and !key)");
        }
        return r;
    }

    boolean matches(Map<String, String> labels) {
        return requirements.stream().allMatch(r -> r.matches(labels));
    }

    boolean isEmpty() {
        return requirements.isEmpty();
    }

    /** The value {@code key} must equal, if a requirement says so. */
    Optional<String> equalTo(String key) {
        return requirements.stream()
                .filter(r -> r.operator() == Operator.EQUALS && r.key().equals(key))
                .map(Requirement::value)
                .findFirst();
    }
}
