package kubelmagent.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The one retry rule of both clients, as a table. */
class RetryRuleTest {

    private static final Backoff THREE = new Backoff(3, Duration.ZERO, Duration.ZERO);

    @ParameterizedTest(name = "{0}, idempotent {1}, 429 passes {2}: retried {3}")
    @CsvSource({
        // status, idempotent, throttlingPasses, retried
        "200, true,  true,  false",
        "302, true,  true,  false",
        "400, true,  true,  false",
        "401, true,  true,  false",
        "403, true,  true,  false",
        "404, true,  true,  false",
        "410, true,  true,  false",
        "422, true,  true,  false",
        "429, true,  true,  true",
        "429, true,  false, false",
        "429, false, true,  false",
        "500, true,  false, true",
        "502, true,  true,  true",
        "503, true,  false, true",
        "504, true,  true,  true",
        "599, true,  false, true",
        "500, false, false, false",
        "503, false, true,  false",
        "0,   true,  true,  false",
        "600, true,  true,  false",
    })
    void retriesAnAnswerOnlyIfItMayPassAndTheRequestIsIdempotent(
            int status, boolean idempotent, boolean throttlingPasses, boolean retried) {
        assertEquals(retried, new RetryRule(THREE, throttlingPasses).worthRetrying(status, idempotent));
    }

    @ParameterizedTest(name = "{0}, idempotent {1}: retried {2}")
    @CsvSource({
        "TIMEOUT,      true,  true",
        "CONNECTION,   true,  true",
        "BROKEN_OFF,   true,  true",
        "TLS,          true,  false",
        "UNKNOWN_HOST, true,  false",
        "OTHER,        true,  false",
        "TIMEOUT,      false, false",
        "CONNECTION,   false, false",
        "BROKEN_OFF,   false, false",
    })
    void retriesAFailureWithoutAnswerOnlyIfItMayPassAndTheRequestIsIdempotent(
            NoAnswer.Kind failure, boolean idempotent, boolean retried) {
        assertEquals(retried, new RetryRule(THREE, true).worthRetrying(failure, idempotent));
        assertEquals(retried, new RetryRule(THREE, false).worthRetrying(failure, idempotent));
    }

    static Stream<Arguments> failuresWithoutAnswer() {
        return Stream.of(
                Arguments.of(new SocketTimeoutException("Read timed out"), true),
                Arguments.of(new ConnectTimeoutException("Connect timed out"), true),
                Arguments.of(new HttpHostConnectException("Connection refused"), true),
                Arguments.of(new ConnectException("Connection refused"), true),
                Arguments.of(new SocketException("Connection reset"), true),
                Arguments.of(new EOFException("SSL peer shut down incorrectly"), true),
                Arguments.of(new NoHttpResponseException("10.0.0.2:443 failed to respond"), true),
                Arguments.of(new ConnectionClosedException("Premature end of chunk coded message body"), true),
                Arguments.of(new SSLException("Connection reset", new SocketException("Connection reset")), true),
                Arguments.of(new SSLHandshakeException("PKIX path building failed"), false),
                Arguments.of(new SSLPeerUnverifiedException("Certificate for <10.0.0.2> doesn't match"), false),
                Arguments.of(new UnknownHostException("lm.example: Name or service not known"), false),
                Arguments.of(new IOException("something else"), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failuresWithoutAnswer")
    void retriesOnlyFailuresWithoutAnswerThatMayPass(IOException failure, boolean retried) {
        assertEquals(retried, new RetryRule(THREE, false).worthRetrying(NoAnswer.classify(failure, false), true));
    }

    @Test
    void takesAnyBodyCutShortForBrokenOffButAStalledOneForATimeout() {
        IOException badChunk = new IOException("CRLF expected at end of chunk");
        assertEquals(NoAnswer.Kind.BROKEN_OFF, NoAnswer.classify(badChunk, true));
        assertEquals(NoAnswer.Kind.TIMEOUT, NoAnswer.classify(new SocketTimeoutException("Read timed out"), true));
    }

    @Test
    void triesANonIdempotentRequestOnce() {
        RetryRule rule = new RetryRule(THREE, true);
        assertSame(THREE, rule.backoffFor(true));
        assertSame(Backoff.NONE, rule.backoffFor(false));
    }
}
