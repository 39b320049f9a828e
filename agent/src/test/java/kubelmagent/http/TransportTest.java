package kubelmagent.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import kubelmagent.secret.Secret;
import kubelmagent.tls.TlsSettings;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One request, sent once: what the transport makes of each way an answer can come, or not. */
class TransportTest {

    private static final int CAP = 1024;

    private final MockWebServer server = new MockWebServer();
    private final List<String> observed = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private Transport transport(Duration timeout) {
        return Transport.create(
                TlsSettings.systemTrust(),
                timeout,
                CAP,
                (command, status, elapsed) -> observed.add(command + " " + status));
    }

    private Reply send(Duration timeout) throws NoAnswer {
        try (Transport transport = transport(timeout)) {
            return transport.send(new HttpGet(server.url("/thing").uri()), "get_thing", Redaction.NONE);
        }
    }

    private NoAnswer noAnswer(Duration timeout) {
        return assertThrows(NoAnswer.class, () -> send(timeout));
    }

    @Test
    void returnsTheStatusTheBodyAndTheContentTypeAndReportsTheRequest() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .body("{\"a\":1}")
                .build());

        Reply reply = send(Duration.ofSeconds(5));

        assertEquals(200, reply.status());
        assertEquals("application/json", reply.contentType());
        assertEquals("{\"a\":1}", reply.text());
        assertFalse(reply.tooLarge());
        assertEquals(Duration.ZERO, reply.retryAfter());
        assertEquals(List.of("get_thing 200"), observed);
    }

    @Test
    void returnsA5xxAsAnAnswerWithItsRetryAfter() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .code(503)
                .addHeader("Retry-After", "7")
                .body("busy")
                .build());

        Reply reply = send(Duration.ofSeconds(5));

        assertEquals(503, reply.status());
        assertEquals("busy", reply.text());
        assertEquals(Duration.ofSeconds(7), reply.retryAfter());
        assertEquals(List.of("get_thing 503"), observed);
    }

    @Test
    void ignoresARetryAfterThatIsADate() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .code(429)
                .addHeader("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")
                .build());

        assertEquals(Duration.ZERO, send(Duration.ofSeconds(5)).retryAfter());
    }

    @Test
    void decodesTheBodyInTheCharsetTheContentTypeNames() throws Exception {
        byte[] latin1 = "Grüße".getBytes(StandardCharsets.ISO_8859_1);
        server.enqueue(new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "text/plain; charset=ISO-8859-1")
                .body(new okio.Buffer().write(latin1))
                .build());

        Reply reply = send(Duration.ofSeconds(5));

        assertEquals("Grüße", reply.text());
        assertArrayEquals(latin1, reply.body());
    }

    @Test
    void readsABodyAsLongAsTheCap() throws Exception {
        server.enqueue(
                new MockResponse.Builder().code(200).body("x".repeat(CAP)).build());

        Reply reply = send(Duration.ofSeconds(5));

        assertFalse(reply.tooLarge());
        assertEquals(CAP, reply.body().length);
    }

    @Test
    void stopsReadingABodyLongerThanTheCapAndSaysSo() throws Exception {
        server.enqueue(
                new MockResponse.Builder().code(200).body("x".repeat(CAP + 1)).build());

        Reply reply = send(Duration.ofSeconds(5));

        assertEquals(200, reply.status());
        assertTrue(reply.tooLarge());
        assertEquals(0, reply.body().length);
    }

    @Test
    void aSlowAnswerIsATimeoutReportedWithStatusZero() {
        server.enqueue(new MockResponse.Builder()
                .code(200)
                .headersDelay(2, TimeUnit.SECONDS)
                .build());

        NoAnswer e = noAnswer(Duration.ofMillis(250));

        assertEquals(NoAnswer.Kind.TIMEOUT, e.kind());
        assertFalse(e.duringBody());
        assertEquals("Read timed out", e.failure().getMessage());
        assertTrue(e.elapsed().compareTo(Duration.ofMillis(250)) >= 0, e.elapsed()::toString);
        assertEquals(List.of("get_thing 0"), observed);
    }

    @Test
    void aBodyThatStallsIsATimeoutDuringTheBody() {
        server.enqueue(new MockResponse.Builder()
                .code(200)
                .body("x".repeat(100))
                .throttleBody(10, 2, TimeUnit.SECONDS)
                .build());

        NoAnswer e = noAnswer(Duration.ofMillis(250));

        assertEquals(NoAnswer.Kind.TIMEOUT, e.kind());
        assertTrue(e.duringBody());
    }

    @Test
    void aBodyCutShortByTheConnectionIsBrokenOff() {
        server.enqueue(new MockResponse.Builder()
                .code(200)
                .body("x".repeat(CAP / 2))
                .throttleBody(64, 5, TimeUnit.MILLISECONDS)
                .onResponseBody(new SocketEffect.CloseSocket())
                .build());

        NoAnswer e = noAnswer(Duration.ofSeconds(5));

        assertEquals(NoAnswer.Kind.BROKEN_OFF, e.kind());
        assertTrue(e.duringBody());
        assertEquals(List.of("get_thing 0"), observed);
    }

    @Test
    void aConnectionDroppedBeforeTheAnswerIsAConnectionFailure() {
        server.enqueue(new MockResponse.Builder()
                .onResponseStart(new SocketEffect.CloseSocket())
                .build());

        NoAnswer e = noAnswer(Duration.ofSeconds(5));

        assertEquals(NoAnswer.Kind.CONNECTION, e.kind());
        assertFalse(e.duringBody());
    }

    @Test
    void aRefusedConnectionIsAConnectionFailureReportedWithStatusZero() {
        server.close();

        NoAnswer e = noAnswer(Duration.ofSeconds(2));

        assertEquals(NoAnswer.Kind.CONNECTION, e.kind());
        assertTrue(e.failure().getMessage().contains("Connection refused"), e.failure()::getMessage);
        assertEquals(List.of("get_thing 0"), observed);
    }

    @Test
    void anUnknownHostIsNotAConnectionFailure() {
        NoAnswer e = assertThrows(NoAnswer.class, () -> {
            try (Transport transport = transport(Duration.ofSeconds(2))) {
                transport.send(new HttpGet(URI.create("http://no-such-host.invalid/")), "get_thing", Redaction.NONE);
            }
        });

        assertEquals(NoAnswer.Kind.UNKNOWN_HOST, e.kind());
    }

    @Test
    void keepsAFailureAsACauseOnlyWhenItHoldsNoSecret() {
        IOException plain = new IOException("Connection reset");
        IOException revealing = new IOException("bad request line: /access/showvs?apikey=s%2Fcret");
        Redaction redaction = Redaction.of("(secret)", Secret.of("s/cret"));

        assertSame(plain, new NoAnswer(plain, false, redaction.revealedBy(plain), Duration.ZERO).cause());
        NoAnswer hiding = new NoAnswer(revealing, false, redaction.revealedBy(revealing), Duration.ZERO);
        assertNull(hiding.cause());
        assertSame(revealing, hiding.failure());
        assertEquals("bad request line: /access/showvs?apikey=(secret)", redaction.apply(revealing.getMessage()));
    }

    @Test
    void countsEveryRequestSent() throws Exception {
        server.enqueue(new MockResponse.Builder().code(500).build());
        server.enqueue(new MockResponse.Builder().code(200).build());
        try (Transport transport = transport(Duration.ofSeconds(5))) {
            transport.send(new HttpGet(server.url("/").uri()), "a", Redaction.NONE);
            transport.send(new HttpGet(server.url("/").uri()), "b", Redaction.NONE);
            assertEquals(2, transport.requestCount());
        }
        assertEquals(List.of("a 500", "b 200"), observed);
    }
}
