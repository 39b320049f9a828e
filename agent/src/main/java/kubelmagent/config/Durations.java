package kubelmagent.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/** Parses and prints the durations of {@code agent.yaml}: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}. */
public final class Durations {

    private static final String FORMS = "must be a duration such as 500ms, 10s, 5m or 1h";

    private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Durations() {}

    /** @throws IllegalArgumentException with a message saying which forms are accepted */
    public static Duration parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(FORMS);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** A duration under {@code key}, zero or more; null if absent or invalid (a problem is reported). */
    static Duration read(YamlSection s, String key) {
        String text = s.scalar(key, FORMS);
        if (text == null) {
            return null;
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            s.problem(key, e.getMessage() + Problems.got(text));
            return null;
        }
    }

    /** A duration under {@code key} within {@code [min, max]}; null if absent or invalid (a problem is reported). */
    static Duration read(YamlSection s, String key, Duration min, Duration max) {
        Duration duration = read(s, key);
        if (duration != null && (duration.compareTo(min) < 0 || duration.compareTo(max) > 0)) {
            s.problem(
                    key, "must be between " + format(min) + " and " + format(max) + Problems.got(s.scalar(key, FORMS)));
            return null;
        }
        return duration;
    }
}
