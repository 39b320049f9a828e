package kubelmagent.kube;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import kubelmagent.http.NoAnswer;
import org.apache.hc.core5.http.impl.EnglishReasonPhraseCatalog;

/**
 * Turns a failed Kubernetes API request into an operator-facing sentence: what was asked, what came
 * back, and what to do about it.
 */
final class ApiFailures {

    private static final int MAX_QUOTED = 200;

    private final URI server;
    private final Duration timeout;
    private final String rejectedCredentials;

    /**
     * @param rejectedCredentials what a 401 means for the credentials in use, e.g. {@code the token in
     *                            /etc/kube-lm-agent/token was rejected; ...}
     */
    ApiFailures(URI server, Duration timeout, String rejectedCredentials) {
        this.server = server;
        this.timeout = timeout;
        this.rejectedCredentials = rejectedCredentials;
    }

    /** What a 401 means for each way of authenticating. */
    static String rejectedCredentials(KubernetesConnection connection) {
        if (connection.tokenFile() != null) {
            return "the token in " + connection.tokenFile() + " was rejected; it may have expired — create a new one"
                    + " (kubectl create token <service-account> -n <namespace>) and write it to that file";
        }
        if (connection.staticToken() != null && !connection.staticToken().isEmpty()) {
            return "the configured token was rejected; it may have expired or been revoked — create a new one"
                    + " (kubectl create token <service-account> -n <namespace>) and configure it";
        }
        if (connection.tls() != null && connection.tls().clientKeyStore() != null) {
            return "the client certificate was not accepted; check that it has not expired and that it was issued"
                    + " by the cluster's client CA";
        }
        return "no credentials were sent; configure a token file, a token or a client certificate";
    }

    /** The API answered with an error status. */
    String status(ApiRequest request, int code, String kubernetesMessage) {
        StringBuilder s = new StringBuilder("Kubernetes API answered ").append(code);
        String reason = EnglishReasonPhraseCatalog.INSTANCE.getReason(code, Locale.ROOT);
        if (reason != null) {
            s.append(' ').append(reason);
        }
        s.append(" to ").append(request.describe()).append(": ").append(hint(request, code));
        if (kubernetesMessage != null && !kubernetesMessage.isBlank()) {
            s.append("; Kubernetes said: \"").append(shorten(kubernetesMessage)).append('"');
        }
        return s.toString();
    }

    private String hint(ApiRequest request, int code) {
        if (code == 401) {
            return rejectedCredentials;
        }
        if (code == 403) {
            return missingPermission(request);
        }
        if (code == 404) {
            return "the server does not serve this path; check that the server URL " + server
                    + " points at the Kubernetes API server itself (with any path prefix a proxy in front of it needs)";
        }
        if (code == 410 && request.isContinuation()) {
            return "the list expired while it was being read page by page (its continue token is too old);"
                    + " the next pass starts the list again";
        }
        if (code == 429) {
            return "the API server is limiting this client's requests (API Priority and Fairness); the next pass"
                    + " retries — if this keeps happening, run passes less often";
        }
        if (code >= 500) {
            return "the API server could not answer; the next pass retries — if this persists, check the API"
                    + " server's health (kubectl get --raw='/readyz?verbose')";
        }
        if (code >= 300 && code < 400) {
            return "the agent does not follow redirects; set the server URL to the API server itself";
        }
        return "the agent did not expect this answer; the next pass retries";
    }

    private static String missingPermission(ApiRequest request) {
        if (request.resource() == null) {
            return "the account may not read the API discovery document " + request.path() + ", which every"
                    + " authenticated user normally may; check that the ClusterRoleBinding system:discovery exists";
        }
        String rule = "{apiGroups: [\"" + request.apiGroup() + "\"], resources: [\"" + request.resource()
                + "\"], verbs: [\"" + request.verb() + "\"]}";
        if (request.namespace() == null) {
            return "the account may not " + request.verb() + " " + request.qualifiedResource()
                    + " in all namespaces; add the RBAC rule " + rule + " to the agent's ClusterRole and bind it"
                    + " with a ClusterRoleBinding, or name the namespaces to watch in the agent's configuration";
        }
        return "the account may not " + request.verb() + " " + request.qualifiedResource() + " in namespace "
                + request.namespace() + "; add the RBAC rule " + rule + " to the agent's Role in that namespace"
                + " (or bind a ClusterRole that has it there)";
    }

    /** No (whole) answer came: connection refused, timeout, TLS, name resolution, connection lost. */
    String noAnswer(ApiRequest request, NoAnswer failure) {
        IOException e = failure.failure();
        if (failure.duringBody() && !(e instanceof InterruptedIOException)) {
            return "Kubernetes API at " + server + " broke off its answer to " + request.describe() + " ("
                    + summary(e) + "); the next pass retries — if this persists, check proxies and load balancers"
                    + " between this host and the API server";
        }
        if (e instanceof InterruptedIOException) {
            return "Kubernetes API at " + server + " did not answer " + request.describe() + " within "
                    + format(timeout) + " (" + summary(e) + "); the next pass retries — if this persists, check"
                    + " the network path to the API server or raise the timeout";
        }
        if (failure.kind() == NoAnswer.Kind.TLS) { // not a TLS error caused by a dropped connection
            return "Kubernetes API at " + server + " could not be reached securely for " + request.describe() + " ("
                    + summary(e) + "); check that the configured CA (certificate-authority) issued the API"
                    + " server's certificate, that the host in the server URL is one the certificate names and,"
                    + " if a client certificate is configured, that it is valid";
        }
        if (failure.kind() == NoAnswer.Kind.UNKNOWN_HOST) {
            return "Kubernetes API at " + server + " could not be reached for " + request.describe()
                    + ": its host name does not resolve (" + summary(e) + "); check the server URL and DNS";
        }
        return "Kubernetes API at " + server + " could not be reached for " + request.describe() + " (" + summary(e)
                + "); check the server URL and that the API server is up and reachable from this host;"
                + " the next pass retries";
    }

    /** The agent was told to stop while a failed request waited to be sent again. */
    String interrupted(ApiRequest request) {
        return "reading Kubernetes was interrupted while " + request.describe() + " waited to be sent again (the agent"
                + " is stopping)";
    }

    /** The answer was 2xx but its body could not be read as the expected object. */
    String unreadableBody(ApiRequest request, String contentType, int length, Exception cause) {
        String start = "Kubernetes API answered " + request.describe();
        if (length == 0 || cause == null) {
            return start + " with an empty body; the next pass retries";
        }
        if (!contentType.toLowerCase(Locale.ROOT).contains("json")) {
            return start + " with a body that is not JSON (Content-Type "
                    + (contentType.isEmpty() ? "not set" : contentType)
                    + ", " + length + " characters); check that the server URL " + server
                    + " points at the Kubernetes API server and not at a proxy or login page";
        }
        return start + " with JSON that could not be read (" + summary(rootCause(cause)) + "); the answer may have"
                + " been cut short by a proxy or a dropped connection; the next pass retries";
    }

    /** A list kept handing out the same continue token. */
    String paginationLoop(ApiRequest request) {
        return "Kubernetes API answered " + request.describe() + " with the same continue token twice; the list"
                + " was abandoned and the next pass retries";
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** {@code SocketTimeoutException: Read timed out}: the first line only (Gson adds a help link below). */
    private static String summary(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (newline < 0 ? message : message.substring(0, newline)).strip();
    }

    /** One line, at most {@value #MAX_QUOTED} characters. */
    static String shorten(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= MAX_QUOTED ? oneLine : oneLine.substring(0, MAX_QUOTED) + "…";
    }

    /** {@code 10s}, {@code 1500ms}, {@code 2m}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
