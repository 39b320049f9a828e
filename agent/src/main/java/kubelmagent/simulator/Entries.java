package kubelmagent.simulator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import kubelmagent.simulator.VsFields.Kind;

/**
 * The data of one answer, independent of the format: named values in order, lists of strings, and
 * repeated objects ({@code Rs}, {@code SubVS}, {@code VS}). XML writes each as elements; JSON writes
 * values as fields and repeated objects as arrays.
 */
final class Entries {

    sealed interface Entry permits Leaf, Opts, Group {
        String name();
    }

    /** A value; {@code kind} is never OPTS. */
    record Leaf(String name, Kind kind, String value) implements Entry {}

    /** A list of strings ({@code InterceptOpts}). */
    record Opts(String name, List<String> values) implements Entry {}

    /** Repeated objects with one name. */
    record Group(String name, List<Entries> items) implements Entry {}

    private final List<Entry> list = new ArrayList<>();

    Entries leaf(String name, Kind kind, String value) {
        list.add(new Leaf(name, kind, value));
        return this;
    }

    Entries text(String name, String value) {
        return leaf(name, Kind.TEXT, value);
    }

    Entries number(String name, long value) {
        return leaf(name, Kind.INT, Long.toString(value));
    }

    Entries flag(String name, boolean value) {
        return leaf(name, Kind.FLAG, Values.yn(value));
    }

    Entries opts(String name, List<String> values) {
        list.add(new Opts(name, List.copyOf(values)));
        return this;
    }

    /** Adds the group unless {@code items} is empty. */
    Entries group(String name, List<Entries> items) {
        if (!items.isEmpty()) {
            list.add(new Group(name, List.copyOf(items)));
        }
        return this;
    }

    List<Entry> list() {
        return Collections.unmodifiableList(list);
    }
}
