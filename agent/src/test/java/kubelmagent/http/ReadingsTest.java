package kubelmagent.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadingsTest {

    private final Readings readings = new Readings();
    private final AtomicInteger parsed = new AtomicInteger();

    private static Reply answer(int status, String body) {
        return new Reply(
                status, "application/json", body.getBytes(StandardCharsets.UTF_8), false, Duration.ZERO, Duration.ZERO);
    }

    /** Parses by making a new String, so that a reading handed out again is the same object. */
    private String read(String request, Reply answer) throws IOException {
        return readings.read(request, answer, String.class, a -> {
            parsed.incrementAndGet();
            if (a.status() != 200) {
                throw new IOException("status " + a.status());
            }
            return new String(a.text());
        });
    }

    @Test
    void theSameAnswerIsNotReadAgain() throws IOException {
        String first = read("/list", answer(200, "{\"items\":[1]}"));
        String again = read("/list", answer(200, "{\"items\":[1]}"));

        assertSame(first, again);
        assertEquals(1, parsed.get());
    }

    @Test
    void anotherAnswerOrAnotherRequestIsRead() throws IOException {
        String first = read("/list", answer(200, "{\"items\":[1]}"));
        String changed = read("/list", answer(200, "{\"items\":[2]}"));
        String elsewhere = read("/other", answer(200, "{\"items\":[2]}"));

        assertEquals("{\"items\":[2]}", changed);
        assertNotSame(changed, elsewhere);
        assertNotSame(first, changed);
        assertEquals(3, parsed.get());
    }

    @Test
    void onlyA200IsRemembered() throws IOException {
        assertThrows(IOException.class, () -> read("/list", answer(500, "oops")));
        assertThrows(IOException.class, () -> read("/list", answer(500, "oops")));
        assertEquals(2, parsed.get());
    }

    @Test
    void aReadingNotAskedForInARoundIsForgottenAfterTheNext() throws IOException {
        String first = read("/list", answer(200, "[1]"));
        readings.nextRound();
        assertSame(first, read("/list", answer(200, "[1]")), "kept while asked for");
        readings.nextRound();
        readings.nextRound();

        assertNotSame(first, read("/list", answer(200, "[1]")), "forgotten after a round without it");
        assertEquals(2, parsed.get());
    }
}
