package kubelmagent.cli;

import java.io.IOException;
import java.time.Clock;
import kubelmagent.config.AgentConfig;
import kubelmagent.kube.ChangeWatch;
import kubelmagent.kube.KubernetesSource;
import kubelmagent.loadmaster.LoadMasterRestClient;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.sync.Reconciler;
import kubelmagent.version.Version;

/** The agent's parts, wired by hand from a configuration: ledger, Kubernetes source, LoadMaster client. */
final class Agent implements AutoCloseable {

    private final FileOwnershipLedger ledger;
    private final KubernetesSource source;
    private final LoadMasterRestClient loadMaster;
    final Reconciler reconciler;
    final AgentMetrics metrics;

    private Agent(
            FileOwnershipLedger ledger,
            KubernetesSource source,
            LoadMasterRestClient loadMaster,
            Reconciler.Options options,
            AgentMetrics metrics) {
        this.ledger = ledger;
        this.source = source;
        this.loadMaster = loadMaster;
        this.metrics = metrics;
        this.reconciler = new Reconciler(source, loadMaster, ledger, Clock.systemUTC(), options, metrics);
    }

    /**
     * @param dryRun read the ledger without taking its lock, and change nothing
     * @throws IOException if the state directory cannot be used; the message says why and what to do
     */
    static Agent open(AgentConfig config, boolean dryRun) throws IOException {
        return open(
                config,
                new Reconciler.Options(
                        config.policy(),
                        config.removals(),
                        config.networks(),
                        config.loadMaster().nonLocal(),
                        dryRun,
                        false,
                        false,
                        config.loadMaster().maxInFlight()));
    }

    /**
     * @param options dry run, and the one-pass overrides {@code --force-removals} and {@code --adopt}
     * @throws IOException if the state directory cannot be used; the message says why and what to do
     */
    static Agent open(AgentConfig config, Reconciler.Options options) throws IOException {
        boolean dryRun = options.dryRun();
        FileOwnershipLedger ledger =
                dryRun ? FileOwnershipLedger.readOnly(config.stateDir()) : FileOwnershipLedger.open(config.stateDir());
        AgentMetrics metrics = new AgentMetrics(Version.current(), config.instance());
        return new Agent(
                ledger,
                new KubernetesSource(
                        config.kubernetes(),
                        config.namespaces(),
                        config.selector(),
                        config.modes(),
                        metrics.kubernetesObserver()),
                new LoadMasterRestClient(config.loadMaster(), metrics.loadMasterObserver()),
                options,
                metrics);
    }

    /** Starts the watch that rings {@code bell} when something the passes read changes ({@code sync.watch}). */
    void watchChanges(ChangeWatch.Bell bell) {
        source.watchChanges(bell);
    }

    @Override
    public void close() throws IOException {
        try (ledger;
                source;
                loadMaster) {
            // closes all three, in reverse order
        }
    }
}
