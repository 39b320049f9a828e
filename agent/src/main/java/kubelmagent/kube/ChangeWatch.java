package kubelmagent.kube;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import kubelmagent.http.ApiObserver;
import kubelmagent.http.Backoff;
import kubelmagent.http.HttpClients;
import kubelmagent.http.NoAnswer;
import kubelmagent.http.Redaction;
import kubelmagent.http.Transport;
import kubelmagent.kube.wire.ListMeta;
import kubelmagent.kube.wire.NodeList;
import kubelmagent.kube.wire.ObjectMeta;
import kubelmagent.log.Log;
import kubelmagent.model.ServiceRef;
import kubelmagent.secret.Secret;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * Rings a bell soon after something a pass reads has changed: it watches the labelled Services and the
 * endpoints (EndpointSlices, or core/v1 Endpoints on old clusters) of the Services the last pass found,
 * and rings for every change that concerns one of them; while a Service is in NodePort mode, it watches the
 * nodes too, and rings when a node changes in a way NodePort mode reads. It only rings: the pass it starts reads
 * everything again, so a missed ring costs at most the wait for the schedule's next pass, and a needless
 * one an idle pass. Nothing read from a watch ever reaches the plan.
 *
 * <p>Each watch works as client-go's reflector does: a list of one item gives the collection's {@code
 * resourceVersion}; a watch from it, with bookmarks, runs until the server ends it (after {@code
 * timeoutSeconds}, 5 to 10 minutes, at random so that restarts spread) and is resumed from the last version
 * seen; a version the server no longer has ({@code 410 Gone}) starts over with a new list. A watch that
 * fails logs one warning, then is tried again with backoff (1 s doubling up to a minute, jittered) until it
 * works, which is logged too. Every time a watch (re)starts after a gap in which changes may have been missed
 * (its first start included), it rings once.
 *
 * <p>One watch per resource for all namespaces, or one per namespace where the configuration names them;
 * each on its own daemon thread.
 */
public final class ChangeWatch implements AutoCloseable {

    /** Told that something a pass reads has changed; called on the watch's threads, so it must not block. */
    @FunctionalInterface
    public interface Bell {
        /** @param what the change, for the debug log, e.g. {@code EndpointSlice shop/web-x7k2p MODIFIED} */
        void ring(String what);
    }

    /** How long a watch lasts before the server ends it, at least; at most twice that (client-go's choice). */
    static final Duration WATCH_LENGTH = Duration.ofMinutes(5);

    /** How a failed watch is tried again: at once, then jittered waits doubling from 1 s up to 1 min. */
    static final Backoff RETRIES = new Backoff(Integer.MAX_VALUE, Duration.ofSeconds(1), Duration.ofMinutes(1));

    /** Beyond its {@code timeoutSeconds}, how long a watch may stay silent before it counts as broken. */
    private static final Duration SILENCE_MARGIN = Duration.ofSeconds(30);

    private static final Log LOG = Log.get(ChangeWatch.class);
    private static final Gson GSON = new Gson();

    private final KubernetesConnection connection;
    private final List<String> namespaces;
    private final Bell bell;
    private final Duration watchLength;
    private final Backoff retries;
    private final Transport transport;
    private final KubernetesApi api;
    private final ApiFailures failures;

    /** The Services whose endpoints concern the passes, as the last read found them. */
    private volatile Set<ServiceRef> followed = Set.of();

    /** What the last pass that read the nodes saw of each ({@link NodePorts#state}), by name. */
    private volatile Map<String, String> nodesRead = Map.of();

    private final Object lock = new Object();
    private final List<Watch> serviceWatches = new ArrayList<>();
    private final List<Watch> endpointWatches = new ArrayList<>();
    /** The watch of the nodes while a Service is in NodePort mode: none or one. */
    private final List<Watch> nodeWatches = new ArrayList<>();

    private EndpointsApi endpointsApi;
    private boolean closed;

    /**
     * Starts watching the labelled Services at once; the endpoints are watched from the first {@link #follow}.
     *
     * @param namespaces the namespaces to watch; empty for all
     * @param watchLength how long a watch lasts at least ({@link #WATCH_LENGTH}; shorter in tests)
     * @param retries     how a failed watch is tried again ({@link #RETRIES})
     */
    ChangeWatch(
            KubernetesConnection connection,
            List<String> namespaces,
            Selector selector,
            Bell bell,
            ApiObserver observer,
            Duration watchLength,
            Backoff retries) {
        this.connection = connection;
        this.namespaces = List.copyOf(namespaces);
        this.bell = bell;
        this.watchLength = watchLength;
        this.retries = retries;
        // A connection for each watch (Services and endpoints, per namespace; nodes), and one for the lists that start
        // them.
        int connections = 2 * Math.max(1, this.namespaces.size()) + 2;
        this.transport = new Transport(
                HttpClients.create(connection.tls(), connection.timeout(), connections),
                KubernetesApi.MAX_BODY_BYTES,
                observer);
        URI server = connection.server();
        this.failures = new ApiFailures(server, connection.timeout(), ApiFailures.rejectedCredentials(connection));
        this.api = new KubernetesApi(transport, server, failures, Backoff.NONE);
        synchronized (lock) {
            for (String namespace : scopes()) {
                start(
                        serviceWatches,
                        ApiRequest.listServices(namespace, selector.labelSelector()),
                        "Services labelled " + selector.labelSelector() + in(namespace),
                        event -> true);
            }
        }
    }

    /**
     * Follows the Services a pass has just read: from now on, a change to the endpoints of one of them rings.
     *
     * @param from     where their endpoints are; null if the pass did not find out (the watch stays as it is)
     * @param services the labelled Services, bound or skipped
     * @param nodes    whether one of them is in NodePort mode: then a node that changes in a way NodePort mode reads
     *                 rings too
     * @param nodesRead what the pass read of each node ({@link NodePorts#state}), by name; null if it could not read
     *                 them (what an earlier pass read stays)
     */
    void follow(EndpointsApi from, Set<ServiceRef> services, boolean nodes, Map<String, String> nodesRead) {
        followed = Set.copyOf(services);
        if (nodesRead != null) {
            this.nodesRead = Map.copyOf(nodesRead);
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (nodes && nodeWatches.isEmpty()) {
                start(nodeWatches, ApiRequest.listNodes(), "nodes", this::nodeChanged);
            } else if (!nodes && !nodeWatches.isEmpty()) {
                nodeWatches.forEach(Watch::stop);
                nodeWatches.clear();
            }
            if (from == null || from == endpointsApi) {
                return;
            }
            endpointWatches.forEach(Watch::stop);
            endpointWatches.clear();
            endpointsApi = from;
            Predicate<WatchEvent> concerns = from == EndpointsApi.CORE_ENDPOINTS
                    ? event -> followed.contains(new ServiceRef(event.namespace(), event.name()))
                    : event -> followed.contains(
                            new ServiceRef(event.namespace(), event.label(ApiRequest.SERVICE_NAME_LABEL)));
            for (String namespace : scopes()) {
                start(
                        endpointWatches,
                        ApiRequest.listAllEndpoints(from, namespace),
                        from.describe() + in(namespace),
                        concerns);
            }
        }
    }

    /** The namespaces to watch one by one; a single null for all of them. */
    private List<String> scopes() {
        List<String> scopes = new ArrayList<>(namespaces);
        if (scopes.isEmpty()) {
            scopes.add(null);
        }
        return scopes;
    }

    private static String in(String namespace) {
        return namespace == null ? "" : " in namespace " + namespace;
    }

    private void start(List<Watch> into, ApiRequest list, String what, Predicate<WatchEvent> concerns) {
        Watch watch = new Watch(list, what, concerns);
        into.add(watch);
        Thread thread = new Thread(
                watch, "watch-" + list.resource() + (list.namespace() == null ? "" : "-" + list.namespace()));
        thread.setDaemon(true);
        watch.thread = thread;
        thread.start();
    }

    /** Ends every watch and waits (briefly) for their threads. */
    @Override
    public void close() {
        List<Watch> all;
        synchronized (lock) {
            closed = true;
            all = new ArrayList<>(serviceWatches);
            all.addAll(endpointWatches);
            all.addAll(nodeWatches);
            all.forEach(Watch::stop);
        }
        for (Watch watch : all) {
            try {
                watch.thread.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        transport.close();
    }

    /** One event of a watch, as much of it as the bell needs. */
    record WatchEvent(String type, WatchedObject object) {

        String namespace() {
            return object == null || object.metadata() == null
                    ? null
                    : object.metadata().namespace();
        }

        String name() {
            return object == null || object.metadata() == null
                    ? null
                    : object.metadata().name();
        }

        String label(String key) {
            return object == null || object.metadata() == null
                    ? null
                    : object.metadata().labels().get(key);
        }

        String resourceVersion() {
            return object == null || object.metadata() == null
                    ? null
                    : object.metadata().resourceVersion();
        }

        String describe() {
            String kind = object == null || object.kind() == null ? "object" : object.kind();
            return kind + " " + namespace() + "/" + name() + " " + type;
        }
    }

    /**
     * An object in a watch event: a Service, an EndpointSlice, Endpoints, a Node, or a Status for an error. Its
     * {@code spec} and {@code status} are kept as they came (a Status's {@code status} is a string), and read only
     * for a Node.
     */
    record WatchedObject(
            String kind, Meta metadata, Integer code, String message, JsonElement spec, JsonElement status) {}

    /**
     * Whether a node event concerns the passes: the node is now other than the last pass read it, in what NodePort
     * mode reads of it ({@link NodePorts#state}). A node's status is written every few minutes (every 10 s on old
     * clusters) without such a change; ringing for each would run needless passes.
     */
    private boolean nodeChanged(WatchEvent event) {
        String name = event.name();
        if (name == null) {
            return false;
        }
        String before = nodesRead.get(name);
        if ("DELETED".equals(event.type())) {
            return before != null;
        }
        WatchedObject object = event.object();
        String now;
        try {
            now = NodePorts.state(new NodeList.Node(
                    object.metadata().asObjectMeta(),
                    object.spec() == null ? null : GSON.fromJson(object.spec(), NodeList.Spec.class),
                    object.status() == null || !object.status().isJsonObject()
                            ? null
                            : GSON.fromJson(object.status(), NodeList.Status.class)));
        } catch (JsonParseException e) {
            return true; // the pass reads it and says what is wrong
        }
        return !now.equals(before);
    }

    /** The object's {@code metadata}. */
    record Meta(String name, String namespace, String resourceVersion, Map<String, String> labels) {
        Meta {
            labels = labels == null ? Map.of() : labels;
        }

        ObjectMeta asObjectMeta() {
            return new ObjectMeta(name, namespace, labels, null);
        }
    }

    /** A page of a list, read for its {@code metadata.resourceVersion} only. */
    private record ListHead(ListMeta metadata) {}

    /** A watch that could not be started or kept up; the message is a sentence for the operator. */
    private static final class WatchFailure extends Exception {

        private static final long serialVersionUID = 1L;

        private final boolean expired;

        WatchFailure(String message, boolean expired) {
            super(message, null, false, false);
            this.expired = expired;
        }
    }

    /** One watch of one list, on its own thread, for as long as the agent runs. */
    private final class Watch implements Runnable {

        private final ApiRequest list;
        private final String what;
        private final Predicate<WatchEvent> concerns;
        private volatile boolean stopped;
        private volatile HttpGet inFlight;
        /** The version the watch goes on from: the last one seen; null to list for one. */
        private String version;

        Thread thread;

        Watch(ApiRequest list, String what, Predicate<WatchEvent> concerns) {
            this.list = list;
            this.what = what;
            this.concerns = concerns;
        }

        void stop() {
            stopped = true;
            HttpGet get = inFlight;
            if (get != null) {
                get.cancel();
            }
            if (thread != null) {
                thread.interrupt();
            }
        }

        @Override
        public void run() {
            boolean missed = true;
            int failures = 0;
            int quickEnds = 0;
            while (!stopped) {
                long started = System.nanoTime();
                try {
                    Secret token = BearerToken.current(connection);
                    if (version == null) {
                        version = listedVersion(token);
                    }
                    boolean expired = watch(token, missed, failures);
                    missed = false;
                    failures = 0;
                    if (expired) {
                        LOG.debug("watch of " + what + ": resourceVersion " + version + " is too old (410 Gone);"
                                + " listing again");
                        version = null;
                        missed = true;
                    } else if (System.nanoTime() - started
                            < Duration.ofSeconds(1).toNanos()) {
                        // Ended at once (a proxy that closes long requests?): back off, as after a failure.
                        pause(retries.delayBefore(++quickEnds + 1));
                    } else {
                        quickEnds = 0;
                    }
                } catch (WatchFailure | KubernetesApiException | BearerToken.TokenException e) {
                    if (stopped) {
                        return;
                    }
                    failures++;
                    missed = true;
                    if (e instanceof WatchFailure w && w.expired) {
                        version = null;
                    }
                    String message = e instanceof BearerToken.TokenException t
                            ? t.problem().message()
                            : e.getMessage();
                    if (failures == 1) {
                        LOG.warning("watching " + what + " failed (passes go on as scheduled; the watch is tried"
                                + " again with backoff, up to every "
                                + retries.cap().toSeconds() + " s): " + message);
                    } else {
                        LOG.debug("watching " + what + " failed again (attempt " + failures + "): " + message);
                    }
                    pause(retries.delayBefore(failures + 1));
                }
            }
        }

        private void pause(Duration wait) {
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                stopped = true;
            }
        }

        /** The collection's version now, from a list of one item. */
        private String listedVersion(Secret token) throws KubernetesApiException, WatchFailure {
            ListHead head = api.getIfExists(list.with("limit", "1"), token, ListHead.class)
                    .orElseThrow(() -> new WatchFailure(
                            "Kubernetes API answered 404 Not Found to " + list.describe()
                                    + ": the server does not serve this list",
                            false));
            if (head.metadata() == null
                    || head.metadata().resourceVersion() == null
                    || head.metadata().resourceVersion().isEmpty()) {
                throw new WatchFailure(
                        "Kubernetes API answered " + list.describe() + " without a resourceVersion to watch from",
                        false);
            }
            return head.metadata().resourceVersion();
        }

        /**
         * How a watch ended: cleanly; with {@code expired}, because the server no longer has the version it was to
         * go on from; or with a {@code failure}.
         */
        private record Ended(boolean expired, WatchFailure failure) {}

        /**
         * Watches from {@link #version} until the server ends the watch, keeping {@link #version} up to date.
         *
         * @param missed whether changes may have been missed since the last watch: ring once it is up
         * @param failed how many attempts in a row have failed: say that it works again
         * @return whether it ended because the version is too old
         */
        private boolean watch(Secret token, boolean missed, int failed) throws WatchFailure {
            long seconds = watchLength.toSeconds()
                    + ThreadLocalRandom.current().nextLong(Math.max(1, watchLength.toSeconds()) + 1);
            ApiRequest request = list.watch(version, seconds);
            HttpGet get = api.get(request, token);
            Timeout connect = Timeout.of(connection.timeout());
            get.setConfig(RequestConfig.custom()
                    .setConnectionRequestTimeout(connect)
                    .setResponseTimeout(Timeout.of(Duration.ofSeconds(seconds).plus(SILENCE_MARGIN)))
                    .setRedirectsEnabled(false)
                    .build());
            Redaction redaction = KubernetesApi.redaction(token);
            inFlight = get;
            try {
                if (stopped) {
                    throw new WatchFailure("stopped", false);
                }
                Ended ended = transport.stream(get, "watch_" + list.resource(), redaction, (status, type, body) -> {
                    if (status != 200) {
                        return refused(request, status, body, redaction);
                    }
                    if (failed > 0) {
                        LOG.info("watching " + what + " works again");
                    }
                    if (missed) {
                        bell.ring("watch of " + what + " (re)started");
                    }
                    return events(request, body);
                });
                if (ended.failure() != null) {
                    throw ended.failure();
                }
                return ended.expired();
            } catch (NoAnswer e) {
                throw new WatchFailure(redaction.apply(failures.noAnswer(request, e)), false);
            } finally {
                inFlight = null;
            }
        }

        /** The server refused the watch: its Status says why. */
        private Ended refused(ApiRequest request, int status, InputStream body, Redaction redaction)
                throws IOException {
            String message =
                    KubernetesApi.kubernetesMessage(new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8));
            String said = redaction.apply(failures.status(request, status, message));
            return new Ended(false, new WatchFailure(said, status == 410));
        }

        /** Reads events until the server ends the watch; rings for those that concern the passes. */
        private Ended events(ApiRequest request, InputStream body) throws IOException {
            JsonReader reader = new JsonReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            reader.setStrictness(Strictness.LENIENT); // one JSON object per line, one after the other
            while (!stopped && reader.peek() != JsonToken.END_DOCUMENT) {
                WatchEvent event;
                try {
                    event = GSON.fromJson(reader, WatchEvent.class);
                } catch (JsonParseException e) {
                    throw new IOException("a watch event could not be read: " + e.getMessage(), e);
                }
                if (event == null || event.type() == null) {
                    continue;
                }
                if ("ERROR".equals(event.type())) {
                    WatchedObject status = event.object();
                    if (status != null && Integer.valueOf(410).equals(status.code())) {
                        return new Ended(true, null);
                    }
                    String said = status == null
                            ? "Kubernetes API ended " + request.describe() + " with an error event without a status"
                            : failures.status(request, status.code() == null ? 0 : status.code(), status.message());
                    return new Ended(false, new WatchFailure(said, false));
                }
                if (event.resourceVersion() != null) {
                    version = event.resourceVersion();
                }
                if (!"BOOKMARK".equals(event.type()) && concerns.test(event)) {
                    bell.ring(event.describe());
                }
            }
            return new Ended(false, null);
        }
    }
}
