package kubelmagent.model;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Unmodifiable sorted copies, for model values whose order matters (the plan, the log and the ledger file
 * list members sorted): a value sorts once when it is made, and whoever walks it gets that order.
 */
final class Sorted {

    private Sorted() {}

    static <T extends Comparable<? super T>> SortedSet<T> set(Collection<? extends T> items) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(items));
    }

    static <K extends Comparable<? super K>, V> SortedMap<K, V> map(Map<? extends K, ? extends V> entries) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }
}
