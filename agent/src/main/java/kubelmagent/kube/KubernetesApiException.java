package kubelmagent.kube;

/** A request to the Kubernetes API failed; the message is a complete operator-facing sentence. */
final class KubernetesApiException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean serverUnreachable;

    /**
     * @param serverUnreachable true if no answer came at all (connection refused, timeout, TLS), so
     *                          further requests in this pass would most likely fail the same way
     */
    KubernetesApiException(String message, boolean serverUnreachable, Throwable cause) {
        super(message, cause);
        this.serverUnreachable = serverUnreachable;
    }

    KubernetesApiException(String message) {
        this(message, false, null);
    }

    boolean serverUnreachable() {
        return serverUnreachable;
    }
}
