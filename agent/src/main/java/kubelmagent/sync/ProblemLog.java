package kubelmagent.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import kubelmagent.log.Log;
import kubelmagent.model.Problem;

/**
 * Logs the problems of each pass without flooding the journal: a problem is logged at err when it
 * first appears and again every {@link #REPEAT} while it lasts (passes in between log it at debug),
 * and its end is logged at notice. The pass summary counts problems every pass regardless.
 */
final class ProblemLog {

    static final Duration REPEAT = Duration.ofMinutes(10);

    private static final Log LOG = Log.get(Reconciler.class);

    private final Clock clock;
    /** When each current problem was last logged at err, by its message. */
    private Map<String, Instant> logged = new HashMap<>();

    ProblemLog(Clock clock) {
        this.clock = clock;
    }

    void report(List<Problem> problems) {
        Instant now = clock.instant();
        Map<String, Instant> next = new HashMap<>();
        for (Problem p : problems) {
            Instant last = logged.get(p.message());
            if (last == null || !now.isBefore(last.plus(REPEAT))) {
                LOG.err(last == null ? p.message() : p.message() + " (still, since earlier passes)");
                next.put(p.message(), now);
            } else {
                LOG.debug(p.message());
                next.put(p.message(), last);
            }
        }
        for (String gone : logged.keySet()) {
            if (!next.containsKey(gone)) {
                LOG.notice("resolved: " + gone);
            }
        }
        logged = next;
    }
}
