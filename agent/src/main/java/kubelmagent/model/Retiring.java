package kubelmagent.model;

import java.time.Instant;

/**
 * An owned Real Server on its way out: disabled ({@code modrs enable=N}), or found disabled, and deleted
 * unless its endpoint comes back.
 *
 * @param reason          why it is on its way out
 * @param since           when the agent disabled it (or, if it was already disabled, first found its endpoint
 *                        gone or terminating); the delete waits at least one pass interval after this
 * @param absentReads     for {@link Reason#GONE}: how many consecutive complete Kubernetes reads the endpoint
 *                        has been missing from; 0 for {@link Reason#DRAINING}
 * @param disabledByAgent whether the agent disabled it. Only then may it enable it again: a Real Server that a
 *                        person disabled stays disabled
 */
public record Retiring(Reason reason, Instant since, int absentReads, boolean disabledByAgent) {

    public enum Reason {
        /** Its endpoint is terminating but still serving: no new connections, existing ones finish. */
        DRAINING,
        /** Its endpoint is gone (or no longer ready): deleted once that is confirmed by the next read(s). */
        GONE
    }

    /** The agent disabled it because its endpoint is terminating. */
    public static Retiring draining(Instant since) {
        return new Retiring(Reason.DRAINING, since, 0, true);
    }

    /** The agent disabled it because its endpoint is gone. */
    public static Retiring gone(Instant since, int absentReads) {
        return new Retiring(Reason.GONE, since, absentReads, true);
    }

    /** The same, but found already disabled (by a person), so the agent must never enable it. */
    public Retiring foundDisabled() {
        return new Retiring(reason, since, absentReads, false);
    }
}
