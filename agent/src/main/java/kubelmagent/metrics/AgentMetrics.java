package kubelmagent.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import kubelmagent.http.ApiObserver;
import kubelmagent.model.PassResult;

/**
 * The agent's Prometheus metrics, in a registry of their own (not the global default one), and plain
 * methods to update them. Every label has a small fixed set of values: anything unexpected is counted
 * as {@code other}, so no caller can grow the number of series.
 *
 * <p>Every series also carries the constant label {@value #AGENT_LABEL}: the instance's name
 * ({@code AgentConfig.instance()}: {@code agent} for {@code agent.yaml}, {@code prod} for the instance
 * {@code kube-lm-agent@prod}), so that several agents on one host, scraped as several targets, stay apart
 * in queries, alerts and dashboards. It is not called {@code instance}: Prometheus sets that label on
 * every target ({@code host:port}) and would rename the agent's to {@code exported_instance}.
 *
 * <table>
 * <caption>Metrics</caption>
 * <tr><th>name</th><th>type</th><th>labels (besides {@code agent}, on all)</th></tr>
 * <tr><td>{@code kube_lm_agent_passes_total}</td><td>counter</td><td>{@code result}: see {@link #result}</td></tr>
 * <tr><td>{@code kube_lm_agent_pass_duration_seconds}</td><td>histogram</td><td></td></tr>
 * <tr><td>{@code kube_lm_agent_last_successful_pass_timestamp_seconds}</td><td>gauge</td><td>(0 before the first)</td></tr>
 * <tr><td>{@code kube_lm_agent_real_server_changes_total}</td><td>counter</td><td>{@code vs}, {@code change}: add, remove, disable, enable</td></tr>
 * <tr><td>{@code kube_lm_agent_bound_virtual_services}</td><td>gauge</td><td></td></tr>
 * <tr><td>{@code kube_lm_agent_held_removals}</td><td>gauge</td><td>(take-outs held by the capacity guard in the last pass)</td></tr>
 * <tr><td>{@code kube_lm_agent_errors_total}</td><td>counter</td><td>{@code cause}: see {@link Cause}</td></tr>
 * <tr><td>{@code kube_lm_agent_api_request_duration_seconds}</td><td>histogram</td><td>{@code api}, {@code command}, {@code outcome}: 2xx, 3xx, 4xx, 5xx, error</td></tr>
 * <tr><td>{@code kube_lm_agent_leader}</td><td>gauge</td><td>{@code lease}: with {@code ha}, the Lease
 * ({@code kube-lm-agent/kube-lm-agent@10.0.0.10:6443}: namespace, name and API server, so the two agents of a pair, and
 * only they, share it), else empty. 1 while this agent writes to the LoadMaster: always without {@code ha}; with it,
 * while it holds the Lease; 0 on standby</td></tr>
 * <tr><td>{@code kube_lm_agent_build_info}</td><td>gauge (info), always 1</td><td>{@code version}</td></tr>
 * </table>
 *
 * <p>Thread-safe. Cheap when nothing scrapes it, so the agent always has one.
 */
public final class AgentMetrics {

    /** The constant label that names the instance, on every series. */
    public static final String AGENT_LABEL = "agent";

    /** The instance name of the plain {@code kube-lm-agent.service}, which reads {@code agent.yaml}. */
    public static final String DEFAULT_INSTANCE = "agent";

    /** Label value for anything outside a label's fixed set. */
    public static final String OTHER = "other";

    public static final String KUBERNETES = "kubernetes";
    public static final String LOADMASTER = "loadmaster";

    /** Pass results: the values of {@code kube_lm_agent_passes_total{result}}. */
    public static final String CONVERGED = "converged";

    public static final String CHANGED = "changed";
    public static final String PROBLEMS = "problems";
    public static final String FAILED = "failed";
    public static final String INCOMPLETE = "incomplete";

    static final Set<String> APIS = Set.of(KUBERNETES, LOADMASTER);
    static final Set<String> COMMANDS = Set.of(
            "listvs",
            "showvs",
            "get",
            "addrs",
            "delrs",
            "modrs",
            "discovery",
            "list_services",
            "list_endpointslices",
            "list_endpoints",
            "list_nodes",
            "get_leases",
            "create_leases",
            "update_leases",
            "get_configmaps",
            "create_configmaps",
            "update_configmaps");
    static final Set<String> CHANGES = Set.of("add", "remove", "disable", "enable");
    static final Set<String> OUTCOMES = Set.of("2xx", "3xx", "4xx", "5xx", "error");

    /** Why something went wrong: the values of {@code kube_lm_agent_errors_total{cause}}. */
    public enum Cause {
        /**
         * A Kubernetes read failed: the Service list (the pass removed nothing), or the endpoints of some
         * Services (those were left as they are).
         */
        KUBERNETES_READ,
        /**
         * A LoadMaster read failed: {@code listvs} (no answer, refused, or an answer the agent cannot read, or a
         * VS the pass needs in a form it cannot read) or {@code get param=nonlocalrs}.
         */
        LOADMASTER_READ,
        /** {@code addrs}, {@code delrs} or {@code modrs} failed. */
        LOADMASTER_WRITE,
        /** The ownership ledger could not be written (or was found damaged). */
        LEDGER,
        /** A Service that is skipped: bad {@code vsid}, unknown VS, ports that do not match, two Services for one VS, not allowed by policy. */
        SERVICE,
        /** The configuration or a credential file could not be used. */
        CONFIG,
        /** A pass stopped by an unexpected error. */
        INTERNAL;

        /** The label value: the name in lower case, e.g. {@code kubernetes_read}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter passes;
    private final Histogram passDuration;
    private final Gauge lastSuccessfulPass;
    private final Counter realServerChanges;
    private final Gauge boundVirtualServices;
    private final Gauge heldRemovals;
    private final Gauge leader;
    private volatile String lease = "";
    private final Counter errors;
    private final Histogram apiRequestDuration;
    private final AtomicReference<Instant> lastSuccess = new AtomicReference<>();

    /** For the default instance, {@value #DEFAULT_INSTANCE}: tests and tools that run one agent. */
    public AgentMetrics(String version) {
        this(version, DEFAULT_INSTANCE);
    }

    /**
     * @param version  the agent's version, for {@code kube_lm_agent_build_info}
     * @param instance the instance's name ({@code AgentConfig.instance()}), the value of the label
     *                 {@value #AGENT_LABEL} on every series
     */
    public AgentMetrics(String version, String instance) {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(instance, "instance");
        if (instance.isEmpty()) {
            throw new IllegalArgumentException("instance: must not be empty");
        }
        Labels agent = Labels.of(AGENT_LABEL, instance);
        passes = Counter.builder()
                .name("kube_lm_agent_passes_total")
                .constLabels(agent)
                .help("Reconcile passes by result: converged (nothing to do), changed (all changes applied),"
                        + " problems (some Service skipped), failed (a change or ledger write failed),"
                        + " incomplete (a Kubernetes read failed; what it covers was left as it is)")
                .labelNames("result")
                .register(registry);
        for (String result : new String[] {CONVERGED, CHANGED, PROBLEMS, FAILED, INCOMPLETE}) {
            passes.initLabelValues(result);
        }
        passDuration = Histogram.builder()
                .name("kube_lm_agent_pass_duration_seconds")
                .constLabels(agent)
                .help("Wall time of one reconcile pass")
                .unit(Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
                .register(registry);
        lastSuccessfulPass = Gauge.builder()
                .name("kube_lm_agent_last_successful_pass_timestamp_seconds")
                .constLabels(agent)
                .help("When the last successful pass ended (complete Kubernetes read, no failed change), in Unix"
                        + " time; 0 before the first")
                .unit(Unit.SECONDS)
                .register(registry);
        realServerChanges = Counter.builder()
                .name("kube_lm_agent_real_server_changes_total")
                .constLabels(agent)
                .help("Real Server changes the agent made on the LoadMaster, by Virtual Service id and change")
                .labelNames("vs", "change")
                .register(registry);
        boundVirtualServices = Gauge.builder()
                .name("kube_lm_agent_bound_virtual_services")
                .constLabels(agent)
                .help("Virtual Services with exactly one valid Service bound to them, in the last pass")
                .register(registry);
        heldRemovals = Gauge.builder()
                .name("kube_lm_agent_held_removals")
                .constLabels(agent)
                .help("Take-outs (disables and removes) the capacity guard held back in the last pass")
                .register(registry);
        leader = Gauge.builder()
                .name("kube_lm_agent_leader")
                .constLabels(agent)
                .help("1 while this agent writes to the LoadMaster (always without ha; with ha, while it holds the"
                        + " Lease), 0 while it only reads (standby); lease: with ha, the Lease (namespace/name@API"
                        + " server), else empty")
                .labelNames("lease")
                .register(registry);
        leader.labelValues(lease).set(1);
        errors = Counter.builder()
                .name("kube_lm_agent_errors_total")
                .constLabels(agent)
                .help("Errors by cause: kubernetes_read, loadmaster_read, loadmaster_write, ledger, service,"
                        + " config, internal")
                .labelNames("cause")
                .register(registry);
        for (Cause cause : Cause.values()) {
            errors.initLabelValues(cause.label());
        }
        apiRequestDuration = Histogram.builder()
                .name("kube_lm_agent_api_request_duration_seconds")
                .constLabels(agent)
                .help("HTTP requests to the Kubernetes API and the LoadMaster API, by API, command and status"
                        + " class (error: no answer)")
                .unit(Unit.SECONDS)
                .labelNames("api", "command", "outcome")
                .classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        Info buildInfo = Info.builder()
                .name("kube_lm_agent_build_info")
                .constLabels(agent)
                .help("The agent's version; the value is always 1")
                .labelNames("version")
                .register(registry);
        buildInfo.setLabelValues(version);
    }

    /** What {@code /metrics} serves. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** With {@code ha}: the Lease this agent holds or waits for, {@code namespace/name@host:port}; standby until held. */
    public void lease(String name) {
        leader.remove(lease);
        lease = name;
        leader.labelValues(name).set(0);
    }

    /** Whether this agent writes to the LoadMaster this pass, or only reads. */
    public void leading(boolean writes) {
        leader.labelValues(lease).set(writes ? 1 : 0);
    }

    /**
     * Records one finished pass (not a dry run).
     *
     * @param finishedAt when the pass ended; becomes the last successful pass if every Kubernetes read succeeded
     *                   and no change failed
     */
    public void passFinished(PassResult pass, Instant finishedAt) {
        passes.labelValues(result(pass.complete(), pass.applied(), pass.failed(), pass.problems()))
                .inc();
        passDuration.observe(seconds(pass.elapsed()));
        boundVirtualServices.set(pass.bound());
        heldRemovals.set(pass.held());
        if (pass.complete() && pass.failed() == 0) {
            lastSuccess.accumulateAndGet(finishedAt, (a, b) -> a == null || b.isAfter(a) ? b : a);
            Instant last = lastSuccess.get();
            lastSuccessfulPass.set(last.getEpochSecond() + last.getNano() / 1e9);
        }
    }

    /**
     * The {@code result} label of a pass, the first that holds of:
     * <ol>
     *   <li>{@code incomplete}: a Kubernetes read failed (the Service list, so nothing was removed, or the
     *       endpoints of some Services, which were left as they are);</li>
     *   <li>{@code failed}: at least one change or ledger write failed;</li>
     *   <li>{@code problems}: all changes succeeded, but some Service or VS was left alone;</li>
     *   <li>{@code changed}: everything is in step, after at least one change;</li>
     *   <li>{@code converged}: everything was in step already.</li>
     * </ol>
     * Only {@code incomplete} and {@code failed} make a pass unsuccessful ({@code /readyz}).
     */
    public static String result(boolean complete, int applied, int failed, int problems) {
        if (!complete) {
            return INCOMPLETE;
        }
        if (failed > 0) {
            return FAILED;
        }
        if (problems > 0) {
            return PROBLEMS;
        }
        return applied > 0 ? CHANGED : CONVERGED;
    }

    /**
     * One change to a Real Server took effect.
     *
     * @param vs     the Virtual Service id
     * @param change {@code add}, {@code remove}, {@code disable} or {@code enable}
     */
    public void realServerChanged(int vs, String change) {
        realServerChanges
                .labelValues(vs > 0 ? Integer.toString(vs) : OTHER, bounded(change, CHANGES))
                .inc();
    }

    public void error(Cause cause) {
        errors.labelValues(cause.label()).inc();
    }

    /**
     * One HTTP request is over.
     *
     * @param api     {@code kubernetes} or {@code loadmaster}
     * @param command see {@link ApiObserver#requestFinished}
     * @param outcome {@code 2xx}, {@code 3xx}, {@code 4xx}, {@code 5xx} or {@code error} (see {@link #outcome(int)})
     */
    public void apiRequest(String api, String command, String outcome, Duration elapsed) {
        apiRequestDuration
                .labelValues(bounded(api, APIS), bounded(command, COMMANDS), bounded(outcome, OUTCOMES))
                .observe(seconds(elapsed));
    }

    /** The status class of an HTTP status: {@code 2xx} ... {@code 5xx}; {@code error} for 0 (no answer) or anything else. */
    public static String outcome(int status) {
        return status >= 200 && status < 600 ? status / 100 + "xx" : "error";
    }

    /** For the Kubernetes client: records each request with {@code api="kubernetes"}. */
    public ApiObserver kubernetesObserver() {
        return observer(KUBERNETES);
    }

    /** For the LoadMaster client: records each request with {@code api="loadmaster"}. */
    public ApiObserver loadMasterObserver() {
        return observer(LOADMASTER);
    }

    private ApiObserver observer(String api) {
        return (command, status, elapsed) -> apiRequest(api, command, outcome(status), elapsed);
    }

    /** When the last successful pass ended, if there was one. */
    public Optional<Instant> lastSuccessfulPass() {
        return Optional.ofNullable(lastSuccess.get());
    }

    private static String bounded(String value, Set<String> allowed) {
        return value != null && allowed.contains(value) ? value : OTHER;
    }

    private static double seconds(Duration d) {
        return d.isNegative() ? 0 : d.toNanos() / 1e9;
    }
}
