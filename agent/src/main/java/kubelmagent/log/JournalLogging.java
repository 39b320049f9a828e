package kubelmagent.log;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Routes every log record, the agent's and the libraries' (HttpClient and Quartz log through SLF4J,
 * bound to java.util.logging), to one stream, one line each: in journald's line format, or for a terminal
 * ({@link LogFormat}).
 */
public final class JournalLogging {

    /** Loggers that could print credentials (request headers, wire dumps): never shown. */
    private static final String[] SECRET_BEARING = {
        "org.apache.hc.client5.http.headers", "org.apache.hc.client5.http.wire",
    };

    /**
     * java.util.logging holds loggers weakly: a level set on a logger nobody else references yet is
     * lost when it is collected. These are kept here for the life of the process.
     */
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    private JournalLogging() {}

    /**
     * Replaces the root handlers with one that writes journal lines to {@code out}.
     *
     * @param debug show priority 7 lines from the agent (libraries stay at warning and above)
     */
    public static void install(PrintStream out, boolean debug) {
        install(out, debug, new JournalFormatter());
    }

    /**
     * Replaces the root handlers with one that writes lines made by {@code formatter} to {@code out}.
     *
     * @param debug show priority 7 lines from the agent (libraries stay at warning and above)
     */
    public static void install(PrintStream out, boolean debug, Formatter formatter) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new LineHandler(out, formatter));
        root.setLevel(Level.WARNING);
        synchronized (CONFIGURED) {
            CONFIGURED.clear();
            CONFIGURED.add(configure("kubelmagent", debug ? Level.FINE : Level.INFO));
            for (String name : SECRET_BEARING) {
                CONFIGURED.add(configure(name, Level.OFF));
            }
        }
    }

    private static Logger configure(String name, Level level) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(level);
        return logger;
    }

    /** Writes each record as one line and flushes, so the journal sees it at once. */
    private static final class LineHandler extends Handler {
        private final PrintStream out;

        LineHandler(PrintStream out, Formatter formatter) {
            this.out = out;
            setFormatter(formatter);
            setLevel(Level.ALL);
        }

        @Override
        public void publish(LogRecord record) {
            if (!isLoggable(record)) {
                return;
            }
            String line = getFormatter().format(record);
            synchronized (this) {
                out.print(line);
                out.flush();
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
