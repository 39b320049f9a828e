package kubelmagent.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
        for (String line : lines(problems)) {
            Instant last = logged.get(line);
            if (last == null || !now.isBefore(last.plus(REPEAT))) {
                LOG.err(last == null ? line : line + " (still, since earlier passes)");
                next.put(line, now);
            } else {
                LOG.debug(line);
                next.put(line, last);
            }
        }
        for (String gone : logged.keySet()) {
            if (!next.containsKey(gone)) {
                LOG.notice("resolved: " + gone);
            }
        }
        logged = next;
    }

    /** One line per problem, except that problems sharing a cause are said once, naming all they hit. */
    static List<String> lines(List<Problem> problems) {
        Map<String, List<String>> byCause = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (Problem p : problems) {
            if (p.cause() == null) {
                lines.add(p.message());
            } else {
                byCause.computeIfAbsent(p.cause(), k -> new ArrayList<>()).add(p.subject());
            }
        }
        for (Problem p : problems) {
            List<String> subjects = p.cause() == null ? null : byCause.remove(p.cause());
            if (subjects == null) {
                continue;
            }
            if (subjects.size() == 1) {
                lines.add(p.message());
            } else {
                lines.add(p.cause() + "; so " + subjects.size() + " were left unchanged this pass: "
                        + String.join(", ", new java.util.TreeSet<>(subjects)));
            }
        }
        return lines;
    }
}
