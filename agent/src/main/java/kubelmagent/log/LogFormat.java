package kubelmagent.log;

import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;

/**
 * How log lines look: for the journal ({@code <N>} syslog priority prefixes, which journald turns into the
 * entry's priority, and no time of their own) or for a person at a terminal (local time and a level word).
 */
public enum LogFormat {
    JOURNAL,
    TEXT;

    /** {@code journal} or {@code text}, as {@code --log-format} takes them. */
    public static LogFormat parse(String value) {
        switch (value == null ? "" : value.toLowerCase(Locale.ROOT)) {
            case "journal":
                return JOURNAL;
            case "text":
                return TEXT;
            default:
                throw new IllegalArgumentException("--log-format takes journal or text");
        }
    }

    /**
     * The guess when nothing is said: text on a terminal that is not under systemd ({@code JOURNAL_STREAM},
     * which systemd sets for a service whose output goes to the journal, is unset); journal lines otherwise,
     * into a pipe or a file included.
     */
    public static LogFormat guess(boolean terminal, Map<String, String> environment) {
        return terminal && environment.get("JOURNAL_STREAM") == null ? TEXT : JOURNAL;
    }

    /** Whether text lines are coloured: on a terminal, unless {@code NO_COLOR} is set (no-color.org). */
    public static boolean colour(boolean terminal, Map<String, String> environment) {
        return terminal && environment.get("NO_COLOR") == null;
    }

    /** Whether this process writes to a terminal (the JVM has a console). */
    public static boolean onTerminal() {
        return System.console() != null;
    }

    /** The formatter for this format. */
    public Formatter formatter(boolean colour) {
        return this == TEXT ? new TerminalFormatter(colour) : new JournalFormatter();
    }
}
