package kubelmagent.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import kubelmagent.log.Log;

/**
 * Says how a long apply is getting on: at the start when it has more than {@link #MANY} changes, then at
 * most every {@link #EVERY}, e.g. {@code applying: 1,200 of 20,000 changes, 6 failed, about 3 min left}.
 * Thread-safe.
 */
final class Progress {

    /** More changes than this, and the apply says at its start how many there are. */
    static final int MANY = 50;

    static final Duration EVERY = Duration.ofSeconds(5);

    private static final Log LOG = Log.get(Reconciler.class);

    private final Clock clock;
    private final int total;
    private final Instant started;
    private Instant lastLine;
    private int done;
    private int failed;

    Progress(Clock clock, int total) {
        this.clock = clock;
        this.total = total;
        this.started = clock.instant();
        this.lastLine = started;
        if (total > MANY) {
            LOG.info("applying " + count(total) + " changes");
        }
    }

    /** One change is done: {@code ok} or failed. Thread-safe: the threads of a pass share one progress. */
    synchronized void step(boolean ok) {
        done++;
        if (!ok) {
            failed++;
        }
        Instant now = clock.instant();
        if (done < total && !now.isBefore(lastLine.plus(EVERY))) {
            lastLine = now;
            Duration elapsed = Duration.between(started, now);
            Duration left = elapsed.multipliedBy(total - done).dividedBy(done);
            LOG.info("applying: " + count(done) + " of " + count(total) + " changes, " + count(failed)
                    + " failed, about " + roughly(left) + " left");
        }
    }

    /** How long the apply has taken so far. */
    synchronized Duration elapsed() {
        return Duration.between(started, clock.instant());
    }

    private static String count(int n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code 40 s}, {@code 3 min}, {@code 2 h}. */
    static String roughly(Duration d) {
        long s = d.toSeconds();
        if (s < 90) {
            return Math.max(1, s) + " s";
        }
        long min = Math.round(s / 60.0);
        return min < 90 ? min + " min" : Math.round(min / 60.0) + " h";
    }
}
