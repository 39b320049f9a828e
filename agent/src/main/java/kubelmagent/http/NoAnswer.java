package kubelmagent.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import javax.net.ssl.SSLException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.NoHttpResponseException;

/**
 * No (whole) answer came to a request sent by {@link Transport}: what kind of failure it was, so that
 * one {@link RetryRule} can judge it, and the I/O failure itself, so that each API can word its message.
 * The message of this exception is never shown; adapters build their own from {@link #failure()}
 * through a {@link Redaction}.
 */
public final class NoAnswer extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, from the point of view of whether trying again may help. */
    public enum Kind {
        /** Connecting, or waiting for the answer or its body, took longer than the timeout. */
        TIMEOUT,
        /** The connection was refused, reset, closed or dropped before an answer began. */
        CONNECTION,
        /** An answer had begun, but its body could not be read to the end. */
        BROKEN_OFF,
        /** TLS failed for a reason that will not pass by itself (an untrusted or mismatched certificate). */
        TLS,
        /** The server's host name does not resolve. */
        UNKNOWN_HOST,
        /** Anything else. */
        OTHER
    }

    private final Kind kind;
    private final boolean duringBody;
    private final IOException failure;
    private final boolean revealsSecret;
    private final Duration elapsed;

    NoAnswer(IOException failure, boolean duringBody, boolean revealsSecret, Duration elapsed) {
        super(failure.getClass().getSimpleName());
        this.kind = classify(failure, duringBody);
        this.duringBody = duringBody;
        this.failure = failure;
        this.revealsSecret = revealsSecret;
        this.elapsed = elapsed;
    }

    public Kind kind() {
        return kind;
    }

    /** True when the answer had begun and its body could not be read to the end. */
    public boolean duringBody() {
        return duringBody;
    }

    /** The I/O failure, for wording a message; never to be attached as a cause when {@link #cause()} is null. */
    public IOException failure() {
        return failure;
    }

    /** The I/O failure to attach to an exception as its cause; null when its messages carry a secret. */
    public IOException cause() {
        return revealsSecret ? null : failure;
    }

    /** From sending the request to giving up. */
    public Duration elapsed() {
        return elapsed;
    }

    /**
     * The kind of a failure, judged by the whole chain of causes: a TLS exception caused by a reset
     * connection is a dropped connection, not a certificate problem.
     */
    public static Kind classify(IOException failure, boolean duringBody) {
        if (has(failure, InterruptedIOException.class)) {
            return Kind.TIMEOUT;
        }
        if (duringBody) {
            return Kind.BROKEN_OFF;
        }
        if (has(failure, SocketException.class)
                || has(failure, EOFException.class)
                || has(failure, NoHttpResponseException.class)
                || has(failure, ConnectionClosedException.class)) {
            return Kind.CONNECTION;
        }
        if (has(failure, SSLException.class)) {
            return Kind.TLS;
        }
        if (has(failure, UnknownHostException.class)) {
            return Kind.UNKNOWN_HOST;
        }
        return Kind.OTHER;
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
