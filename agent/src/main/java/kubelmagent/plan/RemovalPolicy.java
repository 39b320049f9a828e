package kubelmagent.plan;

import java.time.Duration;

/**
 * How cautiously the agent takes Real Servers out of service ({@code sync.*} in agent.yaml).
 *
 * @param drainTimeout   a Real Server disabled because its endpoint is terminating is deleted after
 *                       this long even if the endpoint is still there
 * @param confirmations  consecutive complete reads an owned Real Server must be absent from before it is
 *                       deleted (the first absence disables it; 1 deletes at once); also how many passes in
 *                       a row a Virtual Service must answer {@code Unknown VS} before the ledger lets go of it
 * @param confirmationInterval the least time between the disable and the delete of a Real Server whose
 *                       endpoint is gone, and between the first {@code Unknown VS} and letting go: one pass
 *                       interval, so passes in quick succession (a crash loop, a manual {@code --once})
 *                       cannot confirm in seconds
 * @param maxFraction    the capacity guard: a pass that would leave fewer of the agent's Real Servers in
 *                       service than the peak within {@code window}, by more than this fraction of it (and
 *                       by more than {@code maxMinimum}), per Virtual Service or in total, holds its take-outs
 * @param maxMinimum     see {@code maxFraction}
 * @param window         how long the guard remembers a peak ({@code sync.removalWindow})
 */
public record RemovalPolicy(
        Duration drainTimeout,
        int confirmations,
        Duration confirmationInterval,
        double maxFraction,
        int maxMinimum,
        Duration window) {

    public static final int DEFAULT_CONFIRMATIONS = 2;
    public static final double DEFAULT_MAX_FRACTION = 0.5;
    public static final int DEFAULT_MAX_MINIMUM = 5;
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);

    public RemovalPolicy {
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must be zero or more");
        }
        if (confirmations < 1) {
            throw new IllegalArgumentException("confirmations must be 1 or more");
        }
        if (confirmationInterval == null || confirmationInterval.isNegative()) {
            throw new IllegalArgumentException("confirmationInterval must be zero or more");
        }
        if (!(maxFraction >= 0 && maxFraction <= 1)) {
            throw new IllegalArgumentException("maxFraction must be 0..1");
        }
        if (maxMinimum < 0) {
            throw new IllegalArgumentException("maxMinimum must be 0 or more");
        }
        if (window == null || window.isNegative()) {
            throw new IllegalArgumentException("window must be zero or more");
        }
    }

    /** The defaults for passes every {@code interval}: drain timeout 2 × interval + 30 s. */
    public static RemovalPolicy defaults(Duration interval) {
        return new RemovalPolicy(
                defaultDrainTimeout(interval),
                DEFAULT_CONFIRMATIONS,
                interval,
                DEFAULT_MAX_FRACTION,
                DEFAULT_MAX_MINIMUM,
                DEFAULT_WINDOW);
    }

    public static Duration defaultDrainTimeout(Duration interval) {
        return interval.multipliedBy(2).plusSeconds(30);
    }

    /**
     * The same policy with the capacity guard off, for one pass run with {@code --force-removals}: that pass
     * also makes the guard forget its peaks, so what is left becomes the new reference.
     */
    public RemovalPolicy forced() {
        return new RemovalPolicy(drainTimeout, confirmations, confirmationInterval, 1.0, Integer.MAX_VALUE, window);
    }

    /** Whether the capacity guard can hold anything. */
    public boolean guarded() {
        return maxFraction < 1.0 || maxMinimum != Integer.MAX_VALUE;
    }
}
