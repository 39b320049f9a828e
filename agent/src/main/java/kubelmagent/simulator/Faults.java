package kubelmagent.simulator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Failures the simulator's HTTP layer injects, switchable at any time (by tests in the same JVM through
 * {@link SimulatedLoadMaster#faults()}, from outside through {@code POST /simulator/faults}). All
 * methods are synchronized; {@link #clear()} switches everything off.
 *
 * <ul>
 *   <li>{@link #latency}: every API request waits this long before it is handled;</li>
 *   <li>{@link #failNext} / {@link #failNextAfterApplying}: the next request for a command is answered
 *       with an error envelope of the given status and text, without or after taking effect;</li>
 *   <li>{@link #dropNext} / {@link #dropNextAfterApplying}: the next request for a command gets no
 *       answer, the connection is closed (the client sees EOF), without or after taking effect;</li>
 *   <li>{@link #unauthorizedAfter}: after that many more API requests, every request is answered 401
 *       (an API key revoked, a password changed);</li>
 *   <li>{@link #readAfterWriteDelay}: a Real Server that {@code addrs} creates stays invisible to
 *       {@code showvs}, {@code listvs} and {@code showrs} for that long (it exists: a second
 *       {@code addrs} is a duplicate).</li>
 * </ul>
 * One-shot faults queue up per command in the order they were added; the command {@code *} matches
 * any command.
 */
public final class Faults {

    /** What a one-shot fault does. */
    public enum Kind {
        /** Answer with an error envelope. */
        STATUS,
        /** Close the connection without an answer. */
        DROP
    }

    /**
     * One queued fault.
     *
     * @param command       the command it applies to, or {@code *}
     * @param kind          answer with an error or drop the connection
     * @param afterApplying whether the command takes effect first
     * @param status        the HTTP status and {@code stat} (STATUS only)
     * @param text          the error text (STATUS only)
     */
    public record Fault(String command, Kind kind, boolean afterApplying, int status, String text) {}

    /** The text of an injected 5xx unless told otherwise. UNVERIFIED: the appliance's own text is unknown. */
    public static final String INTERNAL_ERROR = "Internal error";

    private final Deque<Fault> queue = new ArrayDeque<>();
    private Duration latency = Duration.ZERO;
    private Duration readAfterWriteDelay = Duration.ZERO;
    private int unauthorizedAfter = -1;

    /** Every API request waits {@code delay} before it is handled; zero switches it off. */
    public synchronized Faults latency(Duration delay) {
        latency = nonNegative(delay);
        return this;
    }

    /** The next request for {@code command} is answered {@code status} with {@code text}, without effect. */
    public synchronized Faults failNext(String command, int status, String text) {
        queue.addLast(new Fault(command, Kind.STATUS, false, status, text));
        return this;
    }

    /** The next request for {@code command} takes effect, then is answered {@code status} with {@code text}. */
    public synchronized Faults failNextAfterApplying(String command, int status, String text) {
        queue.addLast(new Fault(command, Kind.STATUS, true, status, text));
        return this;
    }

    /** The next request for {@code command} gets no answer: the connection is closed, without effect. */
    public synchronized Faults dropNext(String command) {
        queue.addLast(new Fault(command, Kind.DROP, false, 0, null));
        return this;
    }

    /** The next request for {@code command} takes effect, then the connection is closed without an answer. */
    public synchronized Faults dropNextAfterApplying(String command) {
        queue.addLast(new Fault(command, Kind.DROP, true, 0, null));
        return this;
    }

    /** The next {@code calls} API requests are served; every one after them is answered 401. */
    public synchronized Faults unauthorizedAfter(int calls) {
        if (calls < 0) {
            throw new IllegalArgumentException("calls must be 0 or more (got " + calls + ")");
        }
        unauthorizedAfter = calls;
        return this;
    }

    /** Real Servers that {@code addrs} creates stay invisible to reads for {@code delay}. */
    public synchronized Faults readAfterWriteDelay(Duration delay) {
        readAfterWriteDelay = nonNegative(delay);
        return this;
    }

    /** Switches every fault off. */
    public synchronized Faults clear() {
        queue.clear();
        latency = Duration.ZERO;
        readAfterWriteDelay = Duration.ZERO;
        unauthorizedAfter = -1;
        return this;
    }

    public synchronized Duration latency() {
        return latency;
    }

    public synchronized Duration readAfterWriteDelay() {
        return readAfterWriteDelay;
    }

    /** The faults still queued, in order. */
    public synchronized List<Fault> pending() {
        return List.copyOf(queue);
    }

    /** For the inspection endpoint. */
    synchronized Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("latencyMs", latency.toMillis());
        m.put("readAfterWriteDelayMs", readAfterWriteDelay.toMillis());
        m.put("unauthorizedAfter", unauthorizedAfter);
        m.put("pending", new ArrayList<>(queue));
        return m;
    }

    /** Counts one API request against {@link #unauthorizedAfter}; true when it must be answered 401. */
    synchronized boolean revoked() {
        if (unauthorizedAfter < 0) {
            return false;
        }
        if (unauthorizedAfter == 0) {
            return true;
        }
        unauthorizedAfter--;
        return false;
    }

    /** Takes the first queued fault for {@code command}, or null. */
    synchronized Fault take(String command) {
        for (Iterator<Fault> it = queue.iterator(); it.hasNext(); ) {
            Fault f = it.next();
            if (f.command().equals("*") || f.command().equalsIgnoreCase(command)) {
                it.remove();
                return f;
            }
        }
        return null;
    }

    private static Duration nonNegative(Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("a delay must be zero or positive (got " + d + ")");
        }
        return d;
    }
}
