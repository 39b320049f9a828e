package kubelmagent.log;

import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * Formats one record as one line for journald: {@code <N>} syslog priority, then the pass tag, then
 * for library loggers (HttpClient, Quartz) the logger's short name, then the message. No timestamp:
 * journald adds its own. Line breaks inside a message are folded so an event never spans lines.
 */
public final class JournalFormatter extends Formatter {

    private static final String OWN_PREFIX = "kubelmagent.";

    @Override
    public String format(LogRecord record) {
        return "<" + priority(record.getLevel()) + ">" + body(this, record) + System.lineSeparator();
    }

    /**
     * What every format prints after its prefix: the pass tag, for library loggers their short name, the
     * message and a summary of any exception, on one line.
     */
    static String body(Formatter formatter, LogRecord record) {
        StringBuilder line = new StringBuilder(128);
        String pass = PassContext.current();
        if (pass != null) {
            line.append('[').append(pass).append("] ");
        }
        String loggerName = record.getLoggerName();
        if (loggerName != null && !loggerName.startsWith(OWN_PREFIX)) {
            line.append(shortName(loggerName)).append(": ");
        }
        line.append(formatter.formatMessage(record));
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            line.append(": ").append(summary(thrown));
        }
        return fold(line);
    }

    /** The syslog priority journald understands: err 3, warning 4, notice 5, info 6, debug 7. */
    public static int priority(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return 3;
        }
        if (v >= Level.WARNING.intValue()) {
            return 4;
        }
        if (v >= Log.NOTICE.intValue()) {
            return 5;
        }
        if (v >= Level.INFO.intValue()) {
            return 6;
        }
        return 7;
    }

    /** {@code java.io.IOException: message (at Foo.bar(Foo.java:12))}, causes appended after "caused by". */
    static String summary(Throwable thrown) {
        StringBuilder s = new StringBuilder();
        Throwable t = thrown;
        for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
            if (depth > 0) {
                s.append("; caused by ");
            }
            s.append(t.getClass().getName());
            if (t.getMessage() != null) {
                s.append(": ").append(t.getMessage());
            }
            StackTraceElement[] trace = t.getStackTrace();
            if (depth == 0 && trace.length > 0) {
                s.append(" (at ").append(trace[0]).append(')');
            }
        }
        return s.toString();
    }

    private static String shortName(String loggerName) {
        int dot = loggerName.lastIndexOf('.');
        return dot < 0 ? loggerName : loggerName.substring(dot + 1);
    }

    private static String fold(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                out.append(" | ");
            } else if (c != '\r') {
                out.append(c);
            }
        }
        return out.toString();
    }
}
