package kubelmagent.http;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What was read from earlier answers, handed out again for an answer that is byte for byte the same: a steady
 * pass reads the same long lists (every Virtual Service with its Real Servers, every EndpointSlice of a
 * namespace), and parsing them is most of what it costs. Only a {@code 200} answer is remembered, under the
 * request it answered and the SHA-256 of its body; what is read from it must be immutable, since every pass
 * that gets the same answer gets the same object.
 *
 * <p>A reading not asked for during a round ({@link #nextRound}) is forgotten at the end of the next one, so
 * that lists that went away do not stay in memory. Thread-safe.
 */
public final class Readings {

    /** Reads an answer; may fail as the caller's reading does. */
    @FunctionalInterface
    public interface Reading<T, E extends Exception> {
        T read(Reply answer) throws E;
    }

    private record Remembered(byte[] digest, Object value) {}

    private Map<String, Remembered> previous = new HashMap<>();
    private Map<String, Remembered> current = new HashMap<>();

    /** Starts a round (a pass): what the last round did not ask for is forgotten. */
    public synchronized void nextRound() {
        previous = current;
        current = new HashMap<>();
    }

    /**
     * What {@code reading} makes of {@code answer}, or what it made of the last answer to {@code request} if that
     * was the same.
     *
     * @param request what the answer is to, e.g. the request's path and query
     */
    public <T, E extends Exception> T read(String request, Reply answer, Class<T> type, Reading<T, E> reading)
            throws E {
        if (answer.status() != 200) {
            return reading.read(answer);
        }
        byte[] digest = answer.digest();
        Remembered known;
        synchronized (this) {
            known = current.getOrDefault(request, previous.get(request));
        }
        if (known != null && Arrays.equals(known.digest(), digest) && type.isInstance(known.value())) {
            synchronized (this) {
                current.put(request, known);
            }
            return type.cast(known.value());
        }
        T value = reading.read(answer);
        synchronized (this) {
            current.put(request, new Remembered(digest, value));
        }
        return value;
    }
}
