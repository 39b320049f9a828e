package kubelmagent.cli;

import java.io.IOException;
import java.time.Clock;

import kubelmagent.config.AgentConfig;
import kubelmagent.kube.KubernetesSource;
import kubelmagent.loadmaster.LoadMasterRestClient;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.sync.Reconciler;

/** The agent's parts, wired by hand from a configuration: ledger, Kubernetes source, LoadMaster client. */
final class Agent implements AutoCloseable {

    private final FileOwnershipLedger ledger;
    private final KubernetesSource source;
    private final LoadMasterRestClient loadMaster;
    final Reconciler reconciler;

    private Agent(FileOwnershipLedger ledger, KubernetesSource source, LoadMasterRestClient loadMaster, boolean dryRun) {
        this.ledger = ledger;
        this.source = source;
        this.loadMaster = loadMaster;
        this.reconciler = new Reconciler(source, loadMaster, ledger, Clock.systemUTC(), dryRun);
    }

    /**
     * @param dryRun read the ledger without taking its lock, and change nothing
     * @throws IOException if the state directory cannot be used; the message says why and what to do
     */
    static Agent open(AgentConfig config, boolean dryRun) throws IOException {
        FileOwnershipLedger ledger = dryRun
                ? FileOwnershipLedger.readOnly(config.stateDir())
                : FileOwnershipLedger.open(config.stateDir());
        return new Agent(ledger,
                new KubernetesSource(config.kubernetes(), config.namespaces(), config.selector()),
                new LoadMasterRestClient(config.loadMaster()), dryRun);
    }

    @Override
    public void close() throws IOException {
        try (ledger; source; loadMaster) {
            // closes all three, in reverse order
        }
    }
}
