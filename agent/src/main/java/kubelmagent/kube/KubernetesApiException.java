package kubelmagent.kube;

/** A request to the Kubernetes API failed; the message is a complete operator-facing sentence. */
final class KubernetesApiException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean serverUnreachable;
    private final boolean worthRetrying;

    /**
     * @param serverUnreachable true if no answer came at all (connection refused, timeout, TLS), so
     *                          further requests in this pass would most likely fail the same way
     * @param worthRetrying     true if the same request may well succeed a moment later (a dropped
     *                          connection, a timeout, a 5xx, a 429)
     */
    KubernetesApiException(String message, boolean serverUnreachable, boolean worthRetrying, Throwable cause) {
        super(message, cause);
        this.serverUnreachable = serverUnreachable;
        this.worthRetrying = worthRetrying;
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
}
