package kubelmagent.simulator;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The last {@link #CAPACITY} {@link Write}s, oldest first. Bounded so that a simulator serving a long
 * benchmark or demo keeps a fixed amount of memory; a test that needs more than the last 100,000
 * writes is not one this journal serves. Not thread-safe: {@link SimulatedLoadMaster} guards it with
 * its own lock, the one its commands run under, so the journal's order is the order the writes were
 * applied in.
 */
final class WriteJournal {

    /** How many writes are kept; older ones are forgotten. */
    static final int CAPACITY = 100_000;

    private final int capacity;
    private final Deque<Write> writes = new ArrayDeque<>();

    WriteJournal() {
        this(CAPACITY);
    }

    /** A journal of another size, for tests of the bound. */
    WriteJournal(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1 (got " + capacity + ")");
        }
        this.capacity = capacity;
    }

    void add(Write write) {
        if (writes.size() == capacity) {
            writes.removeFirst();
        }
        writes.addLast(write);
    }

    /** The writes kept, oldest first; an immutable copy. */
    List<Write> writes() {
        return List.copyOf(writes);
    }

    void clear() {
        writes.clear();
    }
}
