package kubelmagent.http;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with full jitter, for retrying a read inside one pass: attempt 1 at once,
 * then before attempt {@code n} a wait drawn uniformly from {@code [0, min(cap, first × 2^(n-2))]}.
 * Writes are never retried this way; after a write that may or may not have happened, the caller
 * re-reads instead.
 *
 * @param attempts how many tries in all (1 = no retry)
 * @param first    the upper bound of the first wait
 * @param cap      the upper bound of any wait
 */
public record Backoff(int attempts, Duration first, Duration cap) {

    /** Three tries, waits up to 200 ms then 400 ms: a pass is delayed by at most 0.6 s per read. */
    public static final Backoff READS = new Backoff(3, Duration.ofMillis(200), Duration.ofSeconds(2));

    /** One try. */
    public static final Backoff NONE = new Backoff(1, Duration.ZERO, Duration.ZERO);

    public Backoff {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be 1 or more (got " + attempts + ")");
        }
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(cap, "cap");
        if (first.isNegative() || cap.isNegative()) {
            throw new IllegalArgumentException("waits must not be negative (got first " + first + ", cap " + cap + ")");
        }
    }

    /** What a retried call does: one attempt, which may fail. */
    @FunctionalInterface
    public interface Attempt<T, E extends Exception> {
        T call() throws E;
    }

    /**
     * Whether a failure is worth another try (for example a dropped connection, a timeout or a 5xx);
     * asked only when another attempt is left.
     */
    @FunctionalInterface
    public interface Retryable<E extends Exception> {
        boolean test(E failure);
    }

    /**
     * Runs {@code attempt} until it succeeds, fails with a failure {@code retryable} rejects, or the
     * attempts run out; then rethrows the last failure. Runtime exceptions are never retried.
     *
     * @throws InterruptedException if the thread is interrupted while it waits
     */
    public <T, E extends Exception> T run(Attempt<T, E> attempt, Class<E> failureType, Retryable<E> retryable)
            throws E, InterruptedException {
        for (int n = 1; ; n++) {
            try {
                return attempt.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                // Attempt.call() throws only E or unchecked exceptions, so this cast holds.
                E failure = failureType.cast(e);
                if (n >= attempts || !retryable.test(failure)) {
                    throw failure;
                }
                Thread.sleep(delayBefore(n + 1).toMillis());
            }
        }
    }

    /** The wait before attempt {@code n} (n ≥ 2), with jitter. */
    public Duration delayBefore(int n) {
        long limit = cap.toMillis();
        long bound = Math.min(first.toMillis(), limit);
        for (int i = 2; i < n && bound < limit; i++) {
            bound = bound > limit / 2 ? limit : bound * 2;
        }
        return bound <= 0
                ? Duration.ZERO
                : Duration.ofMillis(ThreadLocalRandom.current().nextLong(bound + 1));
    }
}
