package kubelmagent.log;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * Formats one record as one line for a person at a terminal: local time, a level word ({@code error},
 * {@code warning}, {@code notice}, {@code info}, {@code debug}), optionally coloured, then what the journal
 * line says after its priority prefix.
 */
public final class TerminalFormatter extends Formatter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String[] WORDS = {"error", "warning", "notice", "info", "debug"};
    /** ANSI SGR codes by priority 3..7: red, yellow, cyan, none, dim. */
    private static final String[] COLOURS = {"31", "33", "36", null, "2"};

    private final ZoneId zone;
    private final boolean colour;

    /** @param colour colour the level word (a terminal, {@code NO_COLOR} unset) */
    public TerminalFormatter(boolean colour) {
        this(ZoneId.systemDefault(), colour);
    }

    /** @param zone the time zone the lines show the record's time in */
    TerminalFormatter(ZoneId zone, boolean colour) {
        this.zone = zone;
        this.colour = colour;
    }

    @Override
    public String format(LogRecord record) {
        int i = JournalFormatter.priority(record.getLevel()) - 3;
        String word = String.format("%-7s", WORDS[i]);
        if (colour && COLOURS[i] != null) {
            word = "\u001b[" + COLOURS[i] + "m" + word + "\u001b[0m";
        }
        return TIME.format(record.getInstant().atZone(zone)) + " " + word + " " + JournalFormatter.body(this, record)
                + System.lineSeparator();
    }
}
