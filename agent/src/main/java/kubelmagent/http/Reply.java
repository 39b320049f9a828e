package kubelmagent.http;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import org.apache.hc.core5.http.ContentType;

/**
 * What a server answered to one request, read by {@link Transport}. The body is kept as bytes so that
 * each API decodes it its own way (the LoadMaster's XML declares its encoding; Kubernetes JSON is
 * UTF-8 unless the {@code Content-Type} says otherwise).
 *
 * @param status      the HTTP status
 * @param contentType the {@code Content-Type} header, {@code ""} without one
 * @param body        the body, empty when there was none or when it was {@code tooLarge}
 * @param tooLarge    true when the body was longer than the transport reads; it was not read to the end
 * @param retryAfter  what a {@code Retry-After} header in seconds asks for; zero without one, or in another form
 * @param elapsed     from sending the request to having read the answer
 */
public record Reply(
        int status, String contentType, byte[] body, boolean tooLarge, Duration retryAfter, Duration elapsed) {

    /**
     * The SHA-256 of the body: equal digests mean equal bodies, so what was read from one answer holds for the
     * next that is the same (a steady pass reads the same long lists again and again).
     */
    public byte[] digest() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The body as text, in the charset the {@code Content-Type} names, else UTF-8. */
    public String text() {
        return new String(body, charset());
    }

    private Charset charset() {
        try {
            ContentType type = ContentType.parseLenient(contentType);
            return type == null || type.getCharset() == null ? StandardCharsets.UTF_8 : type.getCharset();
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** {@code Retry-After} in seconds (the form Kubernetes sends); zero if absent or in another form. */
    static Duration retryAfter(String header) {
        if (header == null) {
            return Duration.ZERO;
        }
        try {
            long seconds = Long.parseLong(header.strip());
            return seconds > 0 ? Duration.ofSeconds(seconds) : Duration.ZERO;
        } catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }
}
