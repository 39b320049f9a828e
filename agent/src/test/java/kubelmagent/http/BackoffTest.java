package kubelmagent.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {

    private static final Backoff THREE_WITHOUT_WAITS = new Backoff(3, Duration.ZERO, Duration.ZERO);

    // ---- delays

    @ParameterizedTest(name = "before attempt {0}: 0..{1} ms")
    @CsvSource({"2,200", "3,400", "4,800", "5,1600", "6,2000", "7,2000", "40,2000"})
    void drawsEachWaitBetweenZeroAndTheDoubledBoundCappedAtTheCap(int attempt, long boundMillis) {
        Backoff backoff = new Backoff(50, Duration.ofMillis(200), Duration.ofSeconds(2));
        long shortest = Long.MAX_VALUE;
        long longest = 0;
        for (int i = 0; i < 2000; i++) {
            long wait = backoff.delayBefore(attempt).toMillis();
            assertTrue(wait >= 0 && wait <= boundMillis, "waited " + wait + " ms, bound " + boundMillis);
            shortest = Math.min(shortest, wait);
            longest = Math.max(longest, wait);
        }
        // Full jitter: the waits spread over the whole range rather than sitting at the bound.
        assertTrue(shortest < boundMillis / 4, "shortest of 2000 waits: " + shortest + " ms");
        assertTrue(longest > boundMillis * 3 / 4, "longest of 2000 waits: " + longest + " ms");
    }

    @Test
    void readsWaitAtMostSixHundredMillisecondsInAll() {
        assertEquals(3, Backoff.READS.attempts());
        for (int i = 0; i < 1000; i++) {
            long total = Backoff.READS.delayBefore(2).toMillis()
                    + Backoff.READS.delayBefore(3).toMillis();
            assertTrue(total <= 600, total + " ms");
        }
    }

    @Test
    void waitsNothingWithoutAFirstWait() {
        assertEquals(Duration.ZERO, THREE_WITHOUT_WAITS.delayBefore(2));
        assertEquals(Duration.ZERO, THREE_WITHOUT_WAITS.delayBefore(3));
    }

    @Test
    void keepsTheBoundAtTheCapForHugeAttemptNumbers() {
        Backoff backoff = new Backoff(Integer.MAX_VALUE, Duration.ofDays(1000), Duration.ofMillis(5));
        for (int i = 0; i < 100; i++) {
            long wait = backoff.delayBefore(1_000).toMillis();
            assertTrue(wait >= 0 && wait <= 5, wait + " ms");
        }
    }

    // ---- attempts

    @Test
    void returnsTheFirstSuccess() throws Exception {
        List<Integer> calls = new ArrayList<>();
        String result = THREE_WITHOUT_WAITS.run(
                () -> {
                    calls.add(calls.size() + 1);
                    if (calls.size() < 2) {
                        throw new IOException("connection reset");
                    }
                    return "answer";
                },
                IOException.class,
                e -> true);
        assertEquals("answer", result);
        assertEquals(List.of(1, 2), calls);
    }

    @Test
    void givesUpAfterTheLastAttemptWithItsFailure() {
        List<IOException> thrown = new ArrayList<>();
        List<IOException> asked = new ArrayList<>();
        IOException last = assertThrows(
                IOException.class,
                () -> THREE_WITHOUT_WAITS.run(
                        () -> {
                            IOException e = new IOException("attempt " + (thrown.size() + 1));
                            thrown.add(e);
                            throw e;
                        },
                        IOException.class,
                        e -> asked.add(e)));
        assertEquals(3, thrown.size());
        assertSame(thrown.get(2), last);
        assertEquals(thrown.subList(0, 2), asked, "asked about every failure but the last");
    }

    @Test
    void stopsAtAFailureThatIsNotWorthRetrying() {
        List<String> attempts = new ArrayList<>();
        IOException e = assertThrows(
                IOException.class,
                () -> THREE_WITHOUT_WAITS.run(
                        () -> {
                            attempts.add("attempt");
                            throw new IOException(attempts.size() == 1 ? "503" : "404");
                        },
                        IOException.class,
                        failure -> failure.getMessage().equals("503")));
        assertEquals("404", e.getMessage());
        assertEquals(2, attempts.size());
    }

    @Test
    void neverRetriesARuntimeException() {
        List<String> attempts = new ArrayList<>();
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> THREE_WITHOUT_WAITS.run(
                        () -> {
                            attempts.add("attempt");
                            throw new IllegalStateException("a bug");
                        },
                        IOException.class,
                        failure -> true));
        assertEquals("a bug", e.getMessage());
        assertEquals(1, attempts.size());
    }

    @Test
    void triesOnceWithNone() {
        List<String> attempts = new ArrayList<>();
        assertThrows(
                IOException.class,
                () -> Backoff.NONE.run(
                        () -> {
                            attempts.add("attempt");
                            throw new IOException("connection reset");
                        },
                        IOException.class,
                        failure -> true));
        assertEquals(1, attempts.size());
    }

    @Test
    void stopsWaitingWhenInterrupted() {
        Backoff slow = new Backoff(2, Duration.ofHours(1), Duration.ofHours(1));
        List<String> attempts = new ArrayList<>();
        Thread.currentThread().interrupt();
        try {
            assertThrows(
                    InterruptedException.class,
                    () -> slow.run(
                            () -> {
                                attempts.add("attempt");
                                throw new IOException("connection reset");
                            },
                            IOException.class,
                            failure -> true));
        } finally {
            Thread.interrupted();
        }
        assertEquals(1, attempts.size());
    }

    // ---- validation

    @Test
    void refusesNonsense() {
        assertEquals(
                "attempts must be 1 or more (got 0)",
                assertThrows(IllegalArgumentException.class, () -> new Backoff(0, Duration.ZERO, Duration.ZERO))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Backoff(2, Duration.ofMillis(-1), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(2, Duration.ZERO, Duration.ofMillis(-1)));
    }
}
