package kubelmagent.kube;

/** A request to the Kubernetes API failed; the message is a complete operator-facing sentence. */
final class KubernetesApiException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean serverUnreachable;
    private final boolean worthRetrying;
    private final int status;

    /**
     * @param serverUnreachable true if no answer came at all (connection refused, timeout, TLS), so
     *                          further requests in this pass would most likely fail the same way
     * @param worthRetrying     true if the same request may well succeed a moment later (a dropped
     *                          connection, a timeout, a 5xx, a 429)
     */
    KubernetesApiException(String message, boolean serverUnreachable, boolean worthRetrying, Throwable cause) {
        this(message, serverUnreachable, worthRetrying, cause, 0);
    }

    /** @param status the HTTP status the API answered with; 0 if the failure is not an error status */
    KubernetesApiException(
            String message, boolean serverUnreachable, boolean worthRetrying, Throwable cause, int status) {
        super(message, cause);
        this.serverUnreachable = serverUnreachable;
        this.worthRetrying = worthRetrying;
        this.status = status;
    }

    KubernetesApiException(String message) {
        this(message, false, false, null);
    }

    boolean serverUnreachable() {
        return serverUnreachable;
    }

    boolean worthRetrying() {
        return worthRetrying;
    }

    /** The HTTP status the API answered with; 0 if it did not answer, or answered something unreadable. */
    int status() {
        return status;
    }
}
