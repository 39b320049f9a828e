package kubelmagent.kube;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import kubelmagent.http.ApiObserver;
import kubelmagent.http.Backoff;
import kubelmagent.http.Transport;
import kubelmagent.log.Log;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Problem;
import kubelmagent.model.ServiceRef;
import kubelmagent.secret.Secret;

/**
 * Reads the desired state from the Kubernetes API: the Services carrying the agent's label, the
 * Virtual Service each names in its {@code vsid} annotation, and the ready and draining endpoints behind
 * each of their ports (from EndpointSlices, or core/v1 Endpoints where the server has none). Failed reads
 * are retried within the pass ({@link Backoff#READS}).
 */
public final class KubernetesSource implements DesiredStateSource, AutoCloseable {

    static final int DEFAULT_PAGE_SIZE = 500;

    /**
     * How long a pass trusts the API discovery an earlier pass made, so that a steady pass reads only the
     * Service list and one endpoint list per namespace. An endpoint list that answers 404 ends the trust at
     * once; the period bounds how long a newly served version (v1 after an upgrade from 1.20) goes unused.
     */
    static final Duration DISCOVERY_LIFETIME = Duration.ofMinutes(10);

    private static final Log LOG = Log.get(KubernetesSource.class);

    private final KubernetesConnection connection;
    private final List<String> namespaces;
    private final Selector selector;
    private final NodeModeSettings modes;
    private final int pageSize;
    private final KubernetesApi api;
    private final ApiObserver observer;
    /** Rings when something the passes read changes; null unless {@link #watchChanges} started it. */
    private volatile ChangeWatch watch;
    /** Where endpoints live, as last discovered, and when ({@link System#nanoTime}); null until then. */
    private EndpointsApi discovered;

    private long discoveredAt;

    /**
     * @param namespaces the namespaces to watch; empty for all
     */
    public KubernetesSource(KubernetesConnection connection, List<String> namespaces, Selector selector) {
        this(connection, namespaces, selector, NodeModeSettings.DEFAULT, ApiObserver.NONE);
    }

    /**
     * @param modes    how Services are served unless they say otherwise, and how nodes are reached
     * @param observer told how long each request took, for the metrics
     */
    public KubernetesSource(
            KubernetesConnection connection,
            List<String> namespaces,
            Selector selector,
            NodeModeSettings modes,
            ApiObserver observer) {
        this(connection, namespaces, selector, modes, DEFAULT_PAGE_SIZE, Backoff.READS, observer);
    }

    /** @param backoff how failed reads are retried within a pass */
    KubernetesSource(
            KubernetesConnection connection,
            List<String> namespaces,
            Selector selector,
            int pageSize,
            Backoff backoff) {
        this(connection, namespaces, selector, NodeModeSettings.DEFAULT, pageSize, backoff, ApiObserver.NONE);
    }

    private KubernetesSource(
            KubernetesConnection connection,
            List<String> namespaces,
            Selector selector,
            NodeModeSettings modes,
            int pageSize,
            Backoff backoff,
            ApiObserver observer) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be at least 1 (got " + pageSize + ")");
        }
        this.connection = connection;
        this.namespaces = List.copyOf(new LinkedHashSet<>(namespaces));
        this.selector = selector;
        this.modes = modes;
        this.pageSize = pageSize;
        this.observer = observer;
        this.api = new KubernetesApi(
                Transport.create(connection.tls(), connection.timeout(), KubernetesApi.MAX_BODY_BYTES, observer),
                connection.server(),
                new ApiFailures(connection.server(), connection.timeout(), ApiFailures.rejectedCredentials(connection)),
                backoff);
    }

    @Override
    public DesiredState read() {
        Secret token;
        try {
            token = BearerToken.current(connection);
        } catch (BearerToken.TokenException e) {
            return DesiredState.unknown(e.problem());
        }
        api.nextRound();
        int requestsBefore = api.requestCount();
        ReadPass pass = new ReadPass(api, token, namespaces, selector, pageSize, knownEndpointsApi(), modes);
        DesiredState state;
        try {
            state = pass.run();
        } catch (RuntimeException e) {
            state = DesiredState.unknown(new Problem(
                    ReadPass.API_SUBJECT,
                    "reading Kubernetes failed unexpectedly ("
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                            + "); the next pass retries — please report this as a bug"));
        }
        remember(pass);
        ChangeWatch changes = watch;
        if (changes != null && state.complete()) {
            Set<ServiceRef> labelled = new HashSet<>();
            state.services().forEach(s -> labelled.add(s.service()));
            state.skipped().forEach(s -> labelled.add(s.service()));
            changes.follow(pass.endpointsApi(), labelled, pass.readsNodes(), pass.nodesRead());
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug(summary(state, pass.endpointsApi(), api.requestCount() - requestsBefore));
        }
        return state;
    }

    /**
     * Starts watching what the passes read ({@link ChangeWatch}): from now on, {@code bell} rings soon after a
     * labelled Service changes, or the endpoints of one that a pass has read. Stopped by {@link #close}.
     */
    public void watchChanges(ChangeWatch.Bell bell) {
        if (watch != null) {
            throw new IllegalStateException("already watching");
        }
        watch = new ChangeWatch(
                connection, namespaces, selector, bell, observer, ChangeWatch.WATCH_LENGTH, ChangeWatch.RETRIES);
    }

    private EndpointsApi knownEndpointsApi() {
        if (discovered != null && System.nanoTime() - discoveredAt > DISCOVERY_LIFETIME.toNanos()) {
            discovered = null;
        }
        return discovered;
    }

    private void remember(ReadPass pass) {
        if (pass.endpointsApiGone()) {
            if (discovered != null) {
                LOG.info("Kubernetes API: " + discovered.describe() + " answered 404 Not Found; the next pass"
                        + " looks up again where endpoints are served");
            }
            discovered = null;
        } else if (discovered == null && pass.endpointsApi() != null) {
            discovered = pass.endpointsApi();
            discoveredAt = System.nanoTime();
        }
    }

    private String summary(DesiredState state, EndpointsApi endpointsApi, int requests) {
        int members = 0;
        int draining = 0;
        for (var service : state.services()) {
            for (var port : service.ports()) {
                members += port.members().size();
                draining += port.draining().size();
            }
        }
        List<String> parts = new ArrayList<>();
        parts.add(state.services().size() + " Services bound to Virtual Services");
        parts.add(members + " ready members");
        parts.add(draining + " draining");
        parts.add(state.problems().size() + " problems");
        parts.add(state.complete() ? "complete" : "incomplete");
        parts.add("endpoints from " + (endpointsApi == null ? "(not discovered)" : endpointsApi.describe()));
        parts.add(requests + " requests");
        return "Kubernetes read: " + String.join(", ", parts);
    }

    @Override
    public void close() throws IOException {
        ChangeWatch changes = watch;
        if (changes != null) {
            changes.close();
        }
        api.close();
    }
}
