package kubelmagent.log;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent's logger: one method per syslog priority that the journal shows. Messages are complete
 * operator-facing sentences; they never contain secrets. Lines go through
 * {@link java.util.logging}, where {@link JournalFormatter} prefixes the priority.
 *
 * <p>House rule: log <em>or</em> throw, never both.
 */
public final class Log {

    /** syslog "notice" (5): a normal but significant event, such as a change to the LoadMaster. */
    public static final Level NOTICE = new Notice();

    private final Logger logger;

    private Log(Logger logger) {
        this.logger = logger;
    }

    public static Log get(Class<?> owner) {
        return new Log(Logger.getLogger(owner.getName()));
    }

    /** Priority 3: something failed and needs an operator. */
    public void err(String message) {
        logger.log(Level.SEVERE, message);
    }

    /** Priority 3, with the cause summarised on the same line. */
    public void err(String message, Throwable cause) {
        logger.log(Level.SEVERE, message, cause);
    }

    /** Priority 4: degraded, or a setting that weakens safety. */
    public void warning(String message) {
        logger.log(Level.WARNING, message);
    }

    /** Priority 5: a change was made. */
    public void notice(String message) {
        logger.log(NOTICE, message);
    }

    /** Priority 6: routine progress. */
    public void info(String message) {
        logger.log(Level.INFO, message);
    }

    /** Priority 7: detail for troubleshooting. */
    public void debug(String message) {
        logger.log(Level.FINE, message);
    }

    public boolean isDebugEnabled() {
        return logger.isLoggable(Level.FINE);
    }

    private static final class Notice extends Level {
        private static final long serialVersionUID = 1L;

        Notice() {
            super("NOTICE", 850);
        }
    }
}
