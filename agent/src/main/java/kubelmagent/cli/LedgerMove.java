package kubelmagent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import kubelmagent.config.AgentConfig;
import kubelmagent.ha.ConfigMapLedger;
import kubelmagent.ha.HaSettings;
import kubelmagent.ha.LeaseElector;
import kubelmagent.http.ApiObserver;
import kubelmagent.kube.KubernetesObjectStore;
import kubelmagent.kube.ObjectStore;
import kubelmagent.log.Log;
import kubelmagent.model.Ledger;
import kubelmagent.ownership.FileOwnershipLedger;

/**
 * Moves the ownership ledger between this host's state directory and the cluster, when {@code ha} is switched on
 * ({@code --move-ledger-to-cluster}) or off ({@code --move-ledger-to-file}), so that no Real Server the agent
 * added ever counts as hand-made. Both need the Lease (so no agent writes meanwhile) and the file ledger's lock
 * (so the agent on this host is stopped), and move into an empty ledger only: nothing is merged or lost.
 */
final class LedgerMove {

    private static final Log LOG = Log.get(LedgerMove.class);

    /** Where the ledger goes. */
    enum Direction {
        TO_CLUSTER,
        TO_FILE
    }

    private LedgerMove() {}

    /**
     * Whether the state directory holds no ledger entries, as an agent with {@code ha} needs (it does not read
     * them); if it holds some, says how to move them.
     */
    static boolean localLedgerEmpty(Path file, AgentConfig config) {
        Ledger local;
        try {
            local = FileOwnershipLedger.readOnly(config.stateDir()).snapshot();
        } catch (IOException e) {
            LOG.err("cannot read the local ledger in " + config.stateDir() + ": " + e.getMessage());
            return false;
        }
        if (local.owned().isEmpty()) {
            return true;
        }
        LOG.err("ha is on, but the local ledger in " + config.stateDir() + " names " + count(local) + " Real"
                + " Server(s) this agent added, which the shared ledger does not know: move them into the cluster"
                + " first, with the agent stopped: kube-lm-agent --config " + file + " --move-ledger-to-cluster"
                + " (see the README, \"Two agents, one active\")");
        return false;
    }

    static int run(Path file, AgentConfig config, Direction direction) {
        HaSettings ha = config.ha();
        if (ha == null) {
            LOG.err(file + ": --move-ledger-to-cluster and --move-ledger-to-file need the ha section (the Lease and"
                    + " the ledger's ConfigMap); add it, and run again");
            return Main.CONFIG;
        }
        try (KubernetesObjectStore store = new KubernetesObjectStore(
                config.kubernetes(), ha.namespace(), config.kubernetes().timeout(), ApiObserver.NONE)) {
            return move(config, direction, store);
        }
    }

    /** Moves the ledger through {@code store}, the namespace's Lease and ConfigMaps. */
    static int move(AgentConfig config, Direction direction, ObjectStore store) {
        HaSettings ha = config.ha();
        try (FileOwnershipLedger local = FileOwnershipLedger.open(config.stateDir())) {
            LeaseElector elector = new LeaseElector(store, ha, Clock.systemUTC(), System::nanoTime, () -> {});
            try {
                if (!elector.round()) {
                    LOG.err("moved nothing: the " + ha.describeLease() + " is held by " + elector.holder() + ": stop"
                            + " both agents (systemctl stop kube-lm-agent on each host), wait "
                            + ha.leaseDuration().toSeconds() + " s, and run this again");
                    return Main.FAILED;
                }
                ConfigMapLedger shared = new ConfigMapLedger(store, ha.ledgerName(), elector::holding);
                shared.takeOver(elector.holding());
                return direction == Direction.TO_CLUSTER
                        ? toCluster(config, local, shared)
                        : toFile(config, local, shared);
            } finally {
                elector.close();
            }
        } catch (IOException e) {
            LOG.err("moved nothing: " + e.getMessage());
            return Main.FAILED;
        }
    }

    private static int toCluster(AgentConfig config, FileOwnershipLedger local, ConfigMapLedger shared)
            throws IOException {
        Ledger moving = local.snapshot();
        if (!shared.snapshot().owned().isEmpty()) {
            LOG.err("moved nothing: the shared ledger " + shared.describe() + " names " + count(shared.snapshot())
                    + " Real Server(s) already; an agent with ha has run. Keep it, and set the local ledger aside"
                    + " (mv " + config.stateDir().resolve(FileOwnershipLedger.FILE_NAME) + " somewhere else), or"
                    + " move the shared one to a file first with --move-ledger-to-file on a host without a local"
                    + " ledger");
            return Main.FAILED;
        }
        shared.record(l -> moving);
        Path file = config.stateDir().resolve(FileOwnershipLedger.FILE_NAME);
        Path aside = file.resolveSibling(FileOwnershipLedger.FILE_NAME + ".moved-to-cluster");
        if (Files.exists(file)) {
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        LOG.notice("moved the ledger (" + count(moving) + " Real Server(s) on "
                + moving.owned().size() + " Virtual"
                + " Service(s)) from " + file + " into " + shared.describe() + "; the file is kept as " + aside
                + ". Start the agents with ha now");
        return Main.OK;
    }

    private static int toFile(AgentConfig config, FileOwnershipLedger local, ConfigMapLedger shared)
            throws IOException {
        Ledger moving = shared.snapshot();
        if (!local.snapshot().owned().isEmpty()) {
            LOG.err("moved nothing: the local ledger in " + config.stateDir() + " names " + count(local.snapshot())
                    + " Real Server(s) already; set it aside first (mv "
                    + config.stateDir().resolve(FileOwnershipLedger.FILE_NAME) + " somewhere else)");
            return Main.FAILED;
        }
        local.record(l -> moving);
        shared.record(l -> Ledger.EMPTY); // an agent with ha started later owns nothing: it removes nothing
        LOG.notice("moved the ledger (" + count(moving) + " Real Server(s) on "
                + moving.owned().size() + " Virtual"
                + " Service(s)) from " + shared.describe() + " into " + config.stateDir() + "; the shared ledger is"
                + " now empty. Remove the ha section from this host's configuration and start the agent here only");
        return Main.OK;
    }

    private static int count(Ledger ledger) {
        return ledger.owned().values().stream()
                .mapToInt(o -> o.members().size())
                .sum();
    }
}
