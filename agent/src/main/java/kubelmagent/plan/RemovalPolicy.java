package kubelmagent.plan;

import java.time.Duration;

/**
 * How cautiously the agent takes Real Servers out of service ({@code sync.*} in agent.yaml).
 *
 * @param drainTimeout   a Real Server disabled because its endpoint is terminating is deleted after
 *                       this long even if the endpoint is still there
 * @param confirmations  consecutive complete reads an owned Real Server must be absent from before it is
 *                       deleted; the first absence disables it. 1 deletes at once
 * @param maxFraction    a pass that would take out more than this fraction of the Real Servers the agent
 *                       owns (and more than {@code maxMinimum}) holds all those removals
 * @param maxMinimum     see {@code maxFraction}
 */
public record RemovalPolicy(Duration drainTimeout, int confirmations, double maxFraction, int maxMinimum) {

    public static final int DEFAULT_CONFIRMATIONS = 2;
    public static final double DEFAULT_MAX_FRACTION = 0.5;
    public static final int DEFAULT_MAX_MINIMUM = 5;

    public RemovalPolicy {
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must be zero or more");
        }
        if (confirmations < 1) {
            throw new IllegalArgumentException("confirmations must be 1 or more");
        }
        if (!(maxFraction >= 0 && maxFraction <= 1)) {
            throw new IllegalArgumentException("maxFraction must be 0..1");
        }
        if (maxMinimum < 0) {
            throw new IllegalArgumentException("maxMinimum must be 0 or more");
        }
    }

    /** The defaults for passes every {@code interval}: drain timeout 2 × interval + 30 s. */
    public static RemovalPolicy defaults(Duration interval) {
        return new RemovalPolicy(defaultDrainTimeout(interval), DEFAULT_CONFIRMATIONS, DEFAULT_MAX_FRACTION,
                DEFAULT_MAX_MINIMUM);
    }

    public static Duration defaultDrainTimeout(Duration interval) {
        return interval.multipliedBy(2).plusSeconds(30);
    }

    /** The same policy with the mass-removal guard off, for one pass run with {@code --force-removals}. */
    public RemovalPolicy forced() {
        return new RemovalPolicy(drainTimeout, confirmations, 1.0, Integer.MAX_VALUE);
    }
}
