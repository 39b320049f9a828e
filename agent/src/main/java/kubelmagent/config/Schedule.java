package kubelmagent.config;

import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import org.quartz.CronExpression;

/**
 * When passes run: every {@code interval}, or on a Quartz {@code cron} expression. Exactly one is set.
 */
public record Schedule(Duration interval, String cron) {

    public Schedule {
        if ((interval == null) == (cron == null)) {
            throw new IllegalArgumentException("a schedule has either an interval or a cron expression");
        }
    }

    public static Schedule every(Duration interval) {
        return new Schedule(interval, null);
    }

    public static Schedule cron(String expression) {
        return new Schedule(null, expression);
    }

    public String describe() {
        return interval != null ? "every " + Durations.format(interval) : "on cron \"" + cron + "\"";
    }

    /** A valid cron expression, and the time between its next two firings (zero if it fires only once more). */
    record Cron(String expression, Duration gap) {}

    /**
     * Parses {@code sync.cron}: a Quartz expression of 6 or 7 fields, starting with seconds, that fires
     * again from now on.
     *
     * @throws IllegalArgumentException saying what is wrong and how to fix it, without the text itself
     */
    static Cron parseCron(String text) {
        String expression = text.strip();
        int fields = expression.isEmpty() ? 0 : expression.split("\\s+").length;
        String reason = null;
        CronExpression parsed = null;
        if (fields < 6 || fields > 7) {
            reason = "it has " + fields + " field" + (fields == 1 ? "" : "s")
                    + ", Quartz needs 6 or 7 starting with seconds, e.g. \"0 */5 * * * ?\"";
        } else {
            try {
                parsed = new CronExpression(expression);
            } catch (ParseException e) {
                reason = String.valueOf(e.getMessage()).replaceAll("\\.$", "");
                if (reason.contains("day-of-week AND a day-of-month")) {
                    reason += "; put ? in one of the two";
                }
            }
        }
        if (reason != null) {
            throw new IllegalArgumentException("not a valid Quartz cron expression: " + reason);
        }
        Date first = parsed.getNextValidTimeAfter(new Date());
        if (first == null) {
            throw new IllegalArgumentException("never fires from now on");
        }
        Date second = parsed.getNextValidTimeAfter(first);
        return new Cron(
                expression, second == null ? Duration.ZERO : Duration.ofMillis(second.getTime() - first.getTime()));
    }
}
