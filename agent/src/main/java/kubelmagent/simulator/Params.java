package kubelmagent.simulator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parameters of one command, by name in any case (the first of repeated names wins). Missing
 * mandatory ones are refused with 400 and {@code <name>: <Type> Value missing}.
 */
final class Params {

    private final Map<String, String> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Map<String, String> inOrder = new LinkedHashMap<>();

    Params put(String name, String value) {
        if (!values.containsKey(name)) {
            values.put(name, value);
            inOrder.put(name, value);
        }
        return this;
    }

    boolean has(String name) {
        String v = values.get(name);
        return v != null && !v.isBlank();
    }

    String optional(String name, String fallback) {
        return has(name) ? values.get(name).strip() : fallback;
    }

    /** The value, or 400 {@code <name>: <type> Value missing} when absent or blank. */
    String required(String name, String type) throws RefusalException {
        if (!has(name)) {
            throw missing(name, type);
        }
        return values.get(name).strip();
    }

    /** An integer, or 400 {@code <name>: Integer Value missing} when absent or not a number. */
    int requiredInt(String name) throws RefusalException {
        Integer i = Values.integer(values.get(name));
        if (i == null) {
            throw missing(name, "Integer");
        }
        return i;
    }

    /** All parameters, in the order they came. */
    Map<String, String> asMap() {
        return Collections.unmodifiableMap(inOrder);
    }

    static RefusalException missing(String name, String type) {
        return new RefusalException(400, name + ": " + type + " Value missing");
    }
}
