package kubelmagent.loadmaster;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what {@link LoadMasterRestClient} logs, at every level, until closed. */
final class LogCapture implements AutoCloseable {

    private final Logger logger = Logger.getLogger(LoadMasterRestClient.class.getName());
    private final Level before = logger.getLevel();
    private final List<String> lines = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String thrown = record.getThrown() == null ? "" : " " + record.getThrown();
            synchronized (lines) {
                lines.add(record.getLevel() + " " + record.getMessage() + thrown);
            }
        }

        @Override
        public void flush() {
            // nothing buffered
        }

        @Override
        public void close() {
            // nothing to release
        }
    };

    LogCapture() {
        handler.setLevel(Level.ALL);
        logger.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    /** {@code FINE showvs vs=3: 200 in 4 ms}: level, message and any exception. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(before);
    }
}
