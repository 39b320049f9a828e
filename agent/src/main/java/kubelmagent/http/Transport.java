package kubelmagent.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import kubelmagent.tls.TlsSettings;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.io.CloseMode;

/**
 * Sends one request and reads its answer, for both the Kubernetes and the LoadMaster client: it times
 * the request, reads the body up to a cap, tells the {@link ApiObserver}, and turns an I/O failure into
 * a {@link NoAnswer} of a known {@link NoAnswer.Kind}. What a status or a body means, and whether to
 * send the request again, is for the caller (and its {@link RetryRule}); the transport sends each
 * request exactly once, as the client from {@link HttpClients} does not retry by itself either.
 * Thread-safe: requests sent at the same time use connections of their own, up to the client's pool.
 */
public final class Transport implements AutoCloseable {

    private final CloseableHttpClient client;
    private final int maxBodyBytes;
    private final ApiObserver observer;
    private final AtomicInteger requestCount = new AtomicInteger();

    /**
     * @param maxBodyBytes answers longer than this are not read to the end, but reported as
     *                     {@link Reply#tooLarge()}
     * @param observer     told about every request, answered or not
     */
    public Transport(CloseableHttpClient client, int maxBodyBytes, ApiObserver observer) {
        this.client = Objects.requireNonNull(client, "client");
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("the body cap must not be negative (got " + maxBodyBytes + ")");
        }
        this.maxBodyBytes = maxBodyBytes;
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /** Over a client from {@link HttpClients#create}. */
    public static Transport create(TlsSettings tls, Duration timeout, int maxBodyBytes, ApiObserver observer) {
        return create(tls, timeout, HttpClients.CONNECTIONS, maxBodyBytes, observer);
    }

    /** Over a client from {@link HttpClients#create} with at least {@code connections} connections. */
    public static Transport create(
            TlsSettings tls, Duration timeout, int connections, int maxBodyBytes, ApiObserver observer) {
        return new Transport(
                HttpClients.create(tls, timeout, Math.max(connections, HttpClients.CONNECTIONS)),
                maxBodyBytes,
                observer);
    }

    /**
     * Sends the request once and reads the answer, whatever its status.
     *
     * @param command   what the observer counts the request as, e.g. {@code showvs} or {@code list_services}
     * @param redaction the secrets the request carries: a failure whose text holds one is passed on
     *                  without itself as a cause ({@link NoAnswer#cause()})
     * @throws NoAnswer if no whole answer came (refused, timed out, TLS, broken off)
     */
    public Reply send(ClassicHttpRequest request, String command, Redaction redaction) throws NoAnswer {
        long started = System.nanoTime();
        requestCount.incrementAndGet();
        try {
            Reply reply = client.execute(request, response -> read(response, started));
            observer.requestFinished(command, reply.status(), reply.elapsed());
            return reply;
        } catch (IOException e) {
            Duration elapsed = since(started);
            observer.requestFinished(command, 0, elapsed);
            boolean duringBody = e instanceof BodyBrokenOff;
            IOException failure = duringBody && e.getCause() instanceof IOException cause ? cause : e;
            throw new NoAnswer(failure, duringBody, redaction.revealedBy(failure), elapsed);
        }
    }

    /** Reads a body as it arrives, for as long as the answer lasts (a Kubernetes watch). */
    @FunctionalInterface
    public interface BodyReader<T> {
        /**
         * @param status      the answer's status; the body of an error status is still to be read
         * @param contentType the {@code Content-Type}, or {@code ""}
         * @param body        the body, or an empty stream if there is none
         */
        T read(int status, String contentType, InputStream body) throws IOException;
    }

    /**
     * Sends the request once and hands its answer to {@code reader} as it arrives, without a cap: for answers
     * that last (a watch). The observer is told when the status line is in, with the time until then.
     *
     * @throws NoAnswer if no answer came, or it broke off while {@code reader} read it
     */
    public <T> T stream(ClassicHttpRequest request, String command, Redaction redaction, BodyReader<T> reader)
            throws NoAnswer {
        long started = System.nanoTime();
        requestCount.incrementAndGet();
        ClassicHttpResponse response;
        try {
            response = client.executeOpen(null, request, null);
        } catch (IOException e) {
            Duration elapsed = since(started);
            observer.requestFinished(command, 0, elapsed);
            throw new NoAnswer(e, false, redaction.revealedBy(e), elapsed);
        }
        observer.requestFinished(command, response.getCode(), since(started));
        try {
            Header contentType = response.getFirstHeader(HttpHeaders.CONTENT_TYPE);
            HttpEntity entity = response.getEntity();
            return reader.read(
                    response.getCode(),
                    contentType == null ? "" : contentType.getValue(),
                    entity == null ? InputStream.nullInputStream() : entity.getContent());
        } catch (IOException e) {
            throw new NoAnswer(e, true, redaction.revealedBy(e), since(started));
        } finally {
            // Drop the connection: closing an answer that has not ended would read it to its end, which a watch
            // may never reach.
            if (request instanceof Cancellable cancellable) {
                cancellable.cancel();
            }
            try {
                response.close();
            } catch (IOException e) {
                // the connection is gone, as intended
            }
        }
    }

    /** How many requests were sent so far, retries included. */
    public int requestCount() {
        return requestCount.get();
    }

    private Reply read(ClassicHttpResponse response, long started) throws IOException {
        Header contentType = response.getFirstHeader(HttpHeaders.CONTENT_TYPE);
        Header retryAfter = response.getFirstHeader(HttpHeaders.RETRY_AFTER);
        String type = contentType == null ? "" : contentType.getValue();
        Duration wait = Reply.retryAfter(retryAfter == null ? null : retryAfter.getValue());
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            return new Reply(response.getCode(), type, new byte[0], false, wait, since(started));
        }
        try (InputStream in = entity.getContent()) {
            long length = entity.getContentLength();
            if (length > maxBodyBytes) {
                return new Reply(response.getCode(), type, new byte[0], true, wait, since(started));
            }
            if (length >= 0) { // a declared length: read it into one array, not a growing buffer copied as it grows
                byte[] body = in.readNBytes((int) length);
                if (body.length == length && in.read() < 0) {
                    return new Reply(response.getCode(), type, body, false, wait, since(started));
                }
                throw new IOException("the body does not have its declared length of " + length + " bytes");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (out.size() + (long) n > maxBodyBytes) {
                    return new Reply(response.getCode(), type, new byte[0], true, wait, since(started));
                }
                out.write(buffer, 0, n);
            }
            return new Reply(response.getCode(), type, out.toByteArray(), false, wait, since(started));
        } catch (IOException e) {
            throw new BodyBrokenOff(e);
        }
    }

    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL);
    }

    private static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Marks a failure while the body was read, so that it is told apart from one before any answer. */
    private static final class BodyBrokenOff extends IOException {

        private static final long serialVersionUID = 1L;

        BodyBrokenOff(IOException cause) {
            super(cause);
        }
    }
}
