package kubelmagent.log;

import java.util.logging.LogManager;

/**
 * The JDK's LogManager removes every handler from a shutdown hook of its own, which races with the
 * agent's shutdown: a pass finishing after SIGTERM would make changes to the LoadMaster whose log
 * lines never reach the journal. This LogManager keeps its handlers until the JVM is gone.
 * {@link kubelmagent.cli.Main} installs it through {@code java.util.logging.manager}.
 */
public final class JournalLogManager extends LogManager {

    @Override
    public void reset() {
        // Keep the handlers: the journal must see every line up to the last one.
    }
}
