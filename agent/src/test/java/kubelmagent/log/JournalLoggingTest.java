package kubelmagent.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class JournalLoggingTest {

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @BeforeEach
    void install() {
        JournalLogging.install(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    }

    @AfterEach
    void reset() throws IOException {
        LogManager.getLogManager().readConfiguration();
    }

    List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void prefixesEachLineWithTheSyslogPriorityJournaldReads() {
        Log log = Log.get(JournalLoggingTest.class);
        log.err("e");
        log.warning("w");
        log.notice("n");
        log.info("i");
        log.debug("hidden unless --debug");
        assertEquals(List.of("<3>e", "<4>w", "<5>n", "<6>i"), lines());
    }

    @Test
    void showsDebugLinesWhenAsked() {
        JournalLogging.install(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        Log.get(JournalLoggingTest.class).debug("detail");
        assertEquals(List.of("<7>detail"), lines());
    }

    @Test
    void tagsEveryLineOfAPassWithItsNumber() {
        Log log = Log.get(JournalLoggingTest.class);
        PassContext.run(42, () -> {
            log.notice("added RS 10.0.0.1:80 to VS 3 (shop/web)");
            return null;
        });
        log.info("between passes");
        assertEquals(List.of("<5>[pass #42] added RS 10.0.0.1:80 to VS 3 (shop/web)", "<6>between passes"), lines());
    }

    @Test
    void keepsOneEventOnOneLine() {
        Log.get(JournalLoggingTest.class).err("first\nsecond\r\nthird", new IllegalStateException("boom\nbang"));
        List<String> lines = lines();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("<3>first | second | third: java.lang.IllegalStateException: boom | bang (at "),
                lines.get(0));
    }

    @Test
    void routesLibraryLogsThroughTheSamePathWithTheirLoggerName() {
        LoggerFactory.getLogger("org.quartz.core.JobRunShell").error("Job sync threw an unhandled Exception");
        LoggerFactory.getLogger("org.quartz.core.QuartzScheduler").info("Scheduler started");
        assertEquals(List.of("<3>JobRunShell: Job sync threw an unhandled Exception"), lines(),
                "library info lines are kept out of the journal");
    }

    @Test
    void neverShowsHttpClientHeaderOrWireLogs() {
        java.util.logging.Logger.getLogger("org.apache.hc.client5.http").setLevel(Level.ALL);
        System.gc(); // the OFF levels must survive a collection (java.util.logging holds loggers weakly)
        LoggerFactory.getLogger("org.apache.hc.client5.http.headers").warn("Authorization: Bearer secret");
        LoggerFactory.getLogger("org.apache.hc.client5.http.wire").error("apikey=secret");
        assertEquals(List.of(), lines());
    }

    @Test
    void mapsLevelsToPriorities() {
        assertEquals(3, JournalFormatter.priority(Level.SEVERE));
        assertEquals(4, JournalFormatter.priority(Level.WARNING));
        assertEquals(5, JournalFormatter.priority(Log.NOTICE));
        assertEquals(6, JournalFormatter.priority(Level.INFO));
        assertEquals(7, JournalFormatter.priority(Level.CONFIG));
        assertEquals(7, JournalFormatter.priority(Level.FINEST));
    }
}
