package kubelmagent.http;

import java.time.Duration;

/**
 * Told about every HTTP request a client sends, after the answer (or the lack of one): the smallest
 * hook the Kubernetes and LoadMaster clients need for request metrics. It has no Prometheus types, so
 * a client that accepts one stays testable with a lambda.
 *
 * <p>The agent gets one from {@code AgentMetrics.kubernetesObserver()} or {@code AgentMetrics.loadMasterObserver()}.
 */
@FunctionalInterface
public interface ApiObserver {

    /** Does nothing: for clients built without metrics (tests, {@code status}). */
    ApiObserver NONE = (command, status, elapsed) -> {};

    /**
     * One request is over. Called once per attempt, so a read retried twice reports three requests.
     *
     * @param command {@code listvs}, {@code showvs}, {@code get}, {@code addrs}, {@code delrs}, {@code modrs}; {@code discovery},
     *                {@code list_services}, {@code list_endpointslices}, {@code list_endpoints}.
     *                Anything else is counted as {@code other}
     * @param status  the HTTP status, or 0 when no answer came (refused, timed out, TLS failure, broken off)
     * @param elapsed from sending the request to having read the answer (or giving up)
     */
    void requestFinished(String command, int status, Duration elapsed);
}
