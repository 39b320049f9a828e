package kubelmagent.cli;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import kubelmagent.config.AgentConfig;
import kubelmagent.ha.ConfigMapLedger;
import kubelmagent.ha.HaSettings;
import kubelmagent.ha.Leadership;
import kubelmagent.ha.LeaseElector;
import kubelmagent.ha.LeaseLeadership;
import kubelmagent.kube.ChangeWatch;
import kubelmagent.kube.KubernetesObjectStore;
import kubelmagent.kube.KubernetesSource;
import kubelmagent.loadmaster.LoadMasterRestClient;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.ownership.OwnershipLedger;
import kubelmagent.sync.Reconciler;
import kubelmagent.version.Version;

/**
 * The agent's parts, wired by hand from a configuration: ledger, Kubernetes source, LoadMaster client, and with
 * {@code ha} the Lease and the shared ledger in ConfigMaps.
 */
final class Agent implements AutoCloseable {

    private final OwnershipLedger ledger;
    private final KubernetesSource source;
    private final LoadMasterRestClient loadMaster;
    private final Ha ha;
    final Reconciler reconciler;
    final AgentMetrics metrics;

    /**
     * The parts of {@code ha}: the store the Lease and the shared ledger use; the Lease's elector and the state
     * directory's lock, which keeps a second agent off this host (both null in a dry run, which never takes the
     * Lease); and who rings the bell when this agent takes the Lease (set by {@link #lead}).
     */
    private record Ha(
            HaSettings settings,
            KubernetesObjectStore store,
            LeaseElector elector,
            FileOwnershipLedger lock,
            ConfigMapLedger ledger,
            Leadership leadership,
            AtomicReference<Runnable> onTaken)
            implements AutoCloseable {

        /** Wires {@code ha}; in a dry run, reads the shared ledger once, as the passes will not. */
        static Ha open(AgentConfig config, boolean dryRun, AgentMetrics metrics) throws IOException {
            HaSettings settings = config.ha();
            URI server = config.kubernetes().server();
            metrics.lease(settings.namespace() + "/" + settings.leaseName() + "@" + server.getHost()
                    + (server.getPort() < 0 ? "" : ":" + server.getPort()));
            FileOwnershipLedger lock = dryRun ? null : FileOwnershipLedger.open(config.stateDir());
            KubernetesObjectStore store = new KubernetesObjectStore(
                    config.kubernetes(),
                    settings.namespace(),
                    settings.renewDeadline().dividedBy(2),
                    metrics.kubernetesObserver());
            AtomicReference<Runnable> onTaken = new AtomicReference<>(() -> {});
            LeaseElector elector = dryRun
                    ? null
                    : new LeaseElector(
                            store,
                            settings,
                            Clock.systemUTC(),
                            System::nanoTime,
                            () -> onTaken.get().run());
            ConfigMapLedger ledger =
                    new ConfigMapLedger(store, settings.ledgerName(), elector == null ? () -> null : elector::holding);
            Leadership leadership = dryRun ? Leadership.SOLE : new LeaseLeadership(elector, ledger, settings);
            Ha ha = new Ha(settings, store, elector, lock, ledger, leadership, onTaken);
            if (dryRun) {
                try {
                    ledger.load();
                } catch (IOException e) {
                    ha.close();
                    throw e;
                }
            }
            return ha;
        }

        @Override
        public void close() throws IOException {
            if (elector != null) {
                elector.close();
            }
            store.close();
            if (lock != null) {
                lock.close();
            }
        }
    }

    private Agent(
            OwnershipLedger ledger,
            Ha ha,
            Leadership leadership,
            KubernetesSource source,
            LoadMasterRestClient loadMaster,
            Reconciler.Options options,
            AgentMetrics metrics) {
        this.ledger = ledger;
        this.ha = ha;
        this.source = source;
        this.loadMaster = loadMaster;
        this.metrics = metrics;
        this.reconciler = new Reconciler(source, loadMaster, ledger, Clock.systemUTC(), options, metrics, leadership);
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
        AgentMetrics metrics = new AgentMetrics(Version.current(), config.instance());
        Ha ha = config.ha() == null ? null : Ha.open(config, dryRun, metrics);
        OwnershipLedger ledger = ha != null
                ? ha.ledger()
                : dryRun
                        ? FileOwnershipLedger.readOnly(config.stateDir())
                        : FileOwnershipLedger.open(config.stateDir());
        Leadership leadership = ha != null ? ha.leadership() : Leadership.SOLE;
        return new Agent(
                ledger,
                ha,
                leadership,
                new KubernetesSource(
                        config.kubernetes(),
                        config.namespaces(),
                        config.selector(),
                        config.modes(),
                        metrics.kubernetesObserver()),
                new LoadMasterRestClient(
                        config.loadMaster(),
                        metrics.loadMasterObserver(),
                        leadership::mayWrite,
                        ha != null
                                ? ha.settings().writeWithin()
                                : config.loadMaster().timeout()),
                options,
                metrics);
    }

    /**
     * With {@code ha}: starts taking and renewing the Lease, every retry period, ringing {@code bell} each time this
     * agent takes it, so that it starts writing at once (call {@link #leadOnce} first, so the first pass knows who
     * holds it). Without: nothing.
     */
    void lead(ChangeWatch.Bell bell) {
        if (ha != null && ha.elector() != null) {
            ha.onTaken().set(() -> bell.ring("took the Lease"));
            ha.elector().start();
        }
    }

    /**
     * With {@code ha}: one attempt to take the Lease now, for {@code --once}; whether this agent holds it. Without:
     * true.
     */
    boolean leadOnce() {
        return ha == null || ha.elector() == null || ha.elector().round();
    }

    /** With {@code ha}: who holds the Lease as far as this agent knows, for a log line. */
    String leaseHolder() {
        return ha == null || ha.elector() == null ? "nobody" : ha.elector().holder();
    }

    /** With {@code ha}: stops renewing the Lease and gives it back, so the other agent takes over at once. */
    void stopLeading() {
        if (ha != null && ha.elector() != null) {
            ha.elector().close();
        }
    }

    /** With {@code ha}: the Lease and who holds it now, for {@code status}; else null. */
    Status.Lease lease() {
        return ha == null
                ? null
                : new Status.Lease(
                        ha.settings().describeLease(),
                        LeaseElector.describeHolder(ha.store(), ha.settings()),
                        ha.settings().identity());
    }

    /** Starts the watch that rings {@code bell} when something the passes read changes ({@code sync.watch}). */
    void watchChanges(ChangeWatch.Bell bell) {
        source.watchChanges(bell);
    }

    @Override
    public void close() throws IOException {
        try (source;
                loadMaster) {
            if (ledger instanceof FileOwnershipLedger file) {
                file.close();
            }
            if (ha != null) {
                ha.close();
            }
        }
    }
}
