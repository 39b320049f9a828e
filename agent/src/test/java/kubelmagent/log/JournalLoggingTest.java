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
import java.util.logging.LogRecord;
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
        assertTrue(
                lines.get(0).startsWith("<3>first | second | third: java.lang.IllegalStateException: boom | bang (at "),
                lines.get(0));
    }

    @Test
    void routesLibraryLogsThroughTheSamePathWithTheirLoggerName() {
        LoggerFactory.getLogger("org.quartz.core.JobRunShell").error("Job sync threw an unhandled Exception");
        LoggerFactory.getLogger("org.quartz.core.QuartzScheduler").info("Scheduler started");
        assertEquals(
                List.of("<3>JobRunShell: Job sync threw an unhandled Exception"),
                lines(),
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

    // ---- a terminal is not the journal (issue 15) ----------------------------------------------------------

    static LogRecord record(Level level, String message) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("kubelmagent.sync.Reconciler");
        r.setInstant(java.time.Instant.parse("2026-11-30T03:12:01.250Z"));
        return r;
    }

    @Test
    void printsLocalTimeAndALevelWordForAPersonAtATerminal() {
        TerminalFormatter text = new TerminalFormatter(java.time.ZoneId.of("Europe/Berlin"), false);
        assertEquals(
                "2026-11-30 04:12:01 error   e\n",
                text.format(record(Level.SEVERE, "e")).replace("\r", ""));
        assertEquals(
                "2026-11-30 04:12:01 warning w\n",
                text.format(record(Level.WARNING, "w")).replace("\r", ""));
        assertEquals(
                "2026-11-30 04:12:01 notice  n\n",
                text.format(record(Log.NOTICE, "n")).replace("\r", ""));
        assertEquals(
                "2026-11-30 04:12:01 info    i\n",
                text.format(record(Level.INFO, "i")).replace("\r", ""));
        assertEquals(
                "2026-11-30 04:12:01 debug   d\n",
                text.format(record(Level.FINE, "d")).replace("\r", ""));
        String tagged = PassContext.run(42, () -> text.format(record(Log.NOTICE, "added RS 10.0.0.1:80 to VS 3")));
        assertEquals("2026-11-30 04:12:01 notice  [pass #42] added RS 10.0.0.1:80 to VS 3\n", tagged.replace("\r", ""));
    }

    @Test
    void coloursTheLevelWordOnlyWhenAsked() {
        TerminalFormatter colour = new TerminalFormatter(java.time.ZoneId.of("UTC"), true);
        assertEquals(
                "2026-11-30 03:12:01 \u001b[31merror  \u001b[0m e\n",
                colour.format(record(Level.SEVERE, "e")).replace("\r", ""));
        assertEquals(
                "2026-11-30 03:12:01 info    i\n",
                colour.format(record(Level.INFO, "i")).replace("\r", ""),
                "info stays in the terminal's own colour");
    }

    @Test
    void guessesTextOnATerminalOutsideSystemdAndJournalLinesEverywhereElse() {
        assertEquals(LogFormat.TEXT, LogFormat.guess(true, java.util.Map.of()));
        assertEquals(LogFormat.JOURNAL, LogFormat.guess(true, java.util.Map.of("JOURNAL_STREAM", "8:12345")));
        assertEquals(LogFormat.JOURNAL, LogFormat.guess(false, java.util.Map.of()), "a pipe or a file");
        assertTrue(LogFormat.colour(true, java.util.Map.of()));
        assertEquals(false, LogFormat.colour(true, java.util.Map.of("NO_COLOR", "1")));
        assertEquals(false, LogFormat.colour(false, java.util.Map.of()));
        assertEquals(LogFormat.TEXT, LogFormat.parse("text"));
        assertEquals(LogFormat.JOURNAL, LogFormat.parse("journal"));
        assertEquals(
                "--log-format takes journal or text",
                org.junit.jupiter.api.Assertions.assertThrows(
                                IllegalArgumentException.class, () -> LogFormat.parse("xml"))
                        .getMessage());
    }

    @Test
    void keepsTheJournalLineExactlyAsBefore() {
        assertEquals(
                "<5>[pass #42] added RS 10.0.0.1:80 to VS 3\n",
                PassContext.run(
                                42,
                                () -> new JournalFormatter().format(record(Log.NOTICE, "added RS 10.0.0.1:80 to VS 3")))
                        .replace("\r", ""));
    }
}
