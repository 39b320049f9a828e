package kubelmagent.model;

import java.time.Instant;

/**
 * An owned Real Server the agent has taken out of service (disabled with {@code modrs enable=N}) and
 * will delete unless its endpoint comes back.
 *
 * @param reason      why it was taken out
 * @param since       when it was taken out
 * @param absentReads for {@link Reason#GONE}: how many consecutive complete Kubernetes reads the endpoint
 *                    has been missing from; 0 for {@link Reason#DRAINING}
 */
public record Retiring(Reason reason, Instant since, int absentReads) {

    public enum Reason {
        /** Its endpoint is terminating but still serving: no new connections, existing ones finish. */
        DRAINING,
        /** Its endpoint is gone (or no longer ready): deleted once that is confirmed by the next read(s). */
        GONE
    }

    public static Retiring draining(Instant since) {
        return new Retiring(Reason.DRAINING, since, 0);
    }

    public static Retiring gone(Instant since, int absentReads) {
        return new Retiring(Reason.GONE, since, absentReads);
    }
}
