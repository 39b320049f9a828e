package kubelmagent.config;

import java.time.Duration;

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
}
