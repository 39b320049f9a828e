package kubelmagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import kubelmagent.config.AgentConfig;
import kubelmagent.config.ConfigException;
import kubelmagent.config.ConfigLoader;
import kubelmagent.ha.ConfigMapLedger;
import kubelmagent.ha.HaSettings;
import kubelmagent.ha.InMemoryObjectStore;
import kubelmagent.ha.LeaseElector;
import kubelmagent.kube.ObjectStore;
import kubelmagent.log.LogCapture;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Moving the ledger into the cluster when ha is switched on, and back: nothing lost, nothing merged. */
class LedgerMoveTest {

    static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    static final Member POD = new Member("10.244.1.5", 8080);

    @TempDir
    Path dir;

    final InMemoryObjectStore store = new InMemoryObjectStore();
    AgentConfig config;
    Path file;

    @BeforeEach
    void writeConfig() throws IOException, ConfigException {
        Files.writeString(dir.resolve("token"), "token-for-the-test\n");
        Files.writeString(dir.resolve("lm-apikey"), "key-for-the-test\n");
        file = dir.resolve("agent.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "kubernetes:",
                        "  server: https://127.0.0.1:6443",
                        "  tokenFile: token",
                        "loadmaster:",
                        "  url: https://127.0.0.1:8443",
                        "  apiKeyFile: lm-apikey",
                        "sync:",
                        "  stateDir: " + dir.resolve("state"),
                        "ha:",
                        "  lease:",
                        "    namespace: kube-lm-agent",
                        "    identity: lb-1",
                        ""));
        config = ConfigLoader.load(file);
    }

    void localLedgerHolds(Member member) throws IOException {
        try (FileOwnershipLedger local = FileOwnershipLedger.open(config.stateDir())) {
            local.update(VS3, o -> o.withMember(new ServiceRef("shop", "web"), member));
        }
    }

    Ledger shared() throws IOException {
        ConfigMapLedger shared = new ConfigMapLedger(store, config.ha().ledgerName(), () -> null);
        shared.load();
        return shared.snapshot();
    }

    String leaseHolder() {
        return store.object(ObjectStore.Kind.LEASE, "kube-lm-agent")
                .getAsJsonObject("spec")
                .get("holderIdentity")
                .getAsString();
    }

    @Test
    void anAgentWithHaRefusesToStartWhileItsLocalLedgerNamesRealServersAndSaysHowToMoveThem() throws IOException {
        assertTrue(LedgerMove.localLedgerEmpty(file, config));
        localLedgerHolds(POD);
        try (LogCapture log = new LogCapture(LedgerMove.class)) {
            assertFalse(LedgerMove.localLedgerEmpty(file, config));
            assertTrue(
                    log.lines().stream()
                            .anyMatch(l -> l.contains("names 1 Real Server(s) this agent added")
                                    && l.contains("kube-lm-agent --config " + file + " --move-ledger-to-cluster")),
                    log.lines()::toString);
        }
    }

    @Test
    void toTheClusterMovesEveryEntryThenSetsTheFileAsideAndGivesTheLeaseBack() throws IOException {
        localLedgerHolds(POD);
        Ledger before = FileOwnershipLedger.readOnly(config.stateDir()).snapshot();

        assertEquals(Main.OK, LedgerMove.move(config, LedgerMove.Direction.TO_CLUSTER, store));

        assertEquals(before, shared());
        assertFalse(Files.exists(config.stateDir().resolve(FileOwnershipLedger.FILE_NAME)));
        assertTrue(Files.exists(config.stateDir().resolve(FileOwnershipLedger.FILE_NAME + ".moved-to-cluster")));
        assertTrue(LedgerMove.localLedgerEmpty(file, config), "the agent with ha may start now");
        assertEquals("", leaseHolder(), "given back: the agents take it at once");
    }

    @Test
    void intoASharedLedgerThatHoldsEntriesAlreadyNothingIsMovedOrMerged() throws IOException {
        assertEquals(Main.OK, LedgerMove.move(config, LedgerMove.Direction.TO_CLUSTER, store)); // an empty move
        localLedgerHolds(new Member("10.244.9.9", 8080));
        ConfigMapLedger other =
                new ConfigMapLedger(store, config.ha().ledgerName(), () -> new LeaseElector.Term("lb-2", 7));
        other.takeOver(new LeaseElector.Term("lb-2", 7));
        other.update(VS3, o -> o.withMember(new ServiceRef("shop", "web"), POD));
        Ledger sharedBefore = shared();

        assertEquals(Main.FAILED, LedgerMove.move(config, LedgerMove.Direction.TO_CLUSTER, store));

        assertEquals(sharedBefore, shared());
        assertTrue(Files.exists(config.stateDir().resolve(FileOwnershipLedger.FILE_NAME)), "the file stays");
    }

    @Test
    void whileAnotherAgentHoldsTheLeaseNothingIsMoved() throws IOException {
        localLedgerHolds(POD);
        LeaseElector running = new LeaseElector(
                store,
                new HaSettings(
                        "kube-lm-agent",
                        "kube-lm-agent",
                        "lb-2",
                        config.ha().leaseDuration(),
                        config.ha().renewDeadline(),
                        config.ha().retryPeriod(),
                        config.ha().ledgerName()),
                Clock.systemUTC(),
                System::nanoTime,
                () -> {});
        assertTrue(running.round());

        try (LogCapture log = new LogCapture(LedgerMove.class)) {
            assertEquals(Main.FAILED, LedgerMove.move(config, LedgerMove.Direction.TO_CLUSTER, store));
            assertTrue(
                    log.lines().stream()
                            .anyMatch(l -> l.contains(
                                    "the Lease kube-lm-agent/kube-lm-agent is held by lb-2:" + " stop both agents")),
                    log.lines()::toString);
        }
        assertEquals(List.of(), store.names(ObjectStore.Kind.CONFIG_MAP));
        assertEquals("lb-2", leaseHolder());
    }

    @Test
    void whileTheAgentOnThisHostRunsNothingIsMoved() throws IOException {
        localLedgerHolds(POD);
        FileOwnershipLedger running = FileOwnershipLedger.open(config.stateDir()); // holds the lock
        try {
            assertEquals(Main.FAILED, LedgerMove.move(config, LedgerMove.Direction.TO_CLUSTER, store));
        } finally {
            running.close();
        }
        assertEquals(List.of(), store.names(ObjectStore.Kind.CONFIG_MAP));
    }

    @Test
    void backToTheFileMovesEveryEntryAndLeavesTheSharedLedgerEmpty() throws IOException {
        localLedgerHolds(POD);
        assertEquals(Main.OK, LedgerMove.move(config, LedgerMove.Direction.TO_CLUSTER, store));
        Ledger moved = shared();

        assertEquals(Main.OK, LedgerMove.move(config, LedgerMove.Direction.TO_FILE, store));

        assertEquals(moved, FileOwnershipLedger.readOnly(config.stateDir()).snapshot());
        assertEquals(Set.of(), shared().owned().keySet(), "an agent with ha started later owns nothing");
        assertEquals(Main.FAILED, LedgerMove.move(config, LedgerMove.Direction.TO_FILE, store), "never over entries");
    }
}
