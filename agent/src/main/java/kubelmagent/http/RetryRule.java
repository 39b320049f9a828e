package kubelmagent.http;

import java.util.Objects;

/**
 * The one rule, for the Kubernetes and the LoadMaster client alike, for what is worth sending again
 * within a pass, how often, and how long to wait in between:
 *
 * <ul>
 *   <li>only an idempotent request is sent again: a read. A LoadMaster write ({@code addrs},
 *       {@code delrs}, {@code modrs}) whose first attempt failed may have taken effect; sending it
 *       again could apply it twice or hide the failure, so the caller reads again on its next pass
 *       instead;</li>
 *   <li>after an answer: a 5xx, which may well pass a moment later; a 429 only where the API says
 *       that throttling passes ({@code throttlingPasses}: Kubernetes API Priority and Fairness asks the
 *       client to come back); never any other status, which would come again;</li>
 *   <li>without an answer ({@link NoAnswer.Kind}): a timeout, a refused, reset or dropped connection,
 *       a body cut short, as around failovers and restarts; never a TLS failure (an untrusted
 *       certificate stays untrusted), an unknown host name or anything else;</li>
 *   <li>as often, and with the waits, of the {@link Backoff}.</li>
 * </ul>
 *
 * @param backoff          the attempts an idempotent request gets, and the waits between them
 * @param throttlingPasses whether a 429 is worth another attempt
 */
public record RetryRule(Backoff backoff, boolean throttlingPasses) {

    public RetryRule {
        Objects.requireNonNull(backoff, "backoff");
    }

    /** The backoff for a request: one attempt only unless it is idempotent. */
    public Backoff backoffFor(boolean idempotent) {
        return idempotent ? backoff : Backoff.NONE;
    }

    /** Whether a request answered with {@code status} is worth sending again. */
    public boolean worthRetrying(int status, boolean idempotent) {
        return idempotent && (status >= 500 && status <= 599 || status == 429 && throttlingPasses);
    }

    /** Whether a request that got no whole answer is worth sending again. */
    public boolean worthRetrying(NoAnswer.Kind failure, boolean idempotent) {
        return idempotent
                && switch (failure) {
                    case TIMEOUT, CONNECTION, BROKEN_OFF -> true;
                    case TLS, UNKNOWN_HOST, OTHER -> false;
                };
    }
}
