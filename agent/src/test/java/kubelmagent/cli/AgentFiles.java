package kubelmagent.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.simulator.LoadMasterSimulator;

/**
 * Starts the stand-ins (Kubernetes API, LoadMaster simulator), writes an agent.yaml with the token,
 * key and CA files it names, and adds Services and reads Real Servers the way the tests need them.
 */
final class AgentFiles {

    /** The bearer token the stand-in cluster accepts. */
    static final String KUBE_TOKEN = "fake-sa-token-7f3e9c";

    /** The API key the LoadMaster simulator accepts. */
    static final String API_KEY = "lm-key-3b1d";

    private AgentFiles() {}

    /** A stand-in Kubernetes API server, its certificate in {@code dir}, accepting {@link #KUBE_TOKEN}. */
    static StandInKubernetesApi cluster(Path dir) throws IOException {
        return StandInKubernetesApi.start(dir, KUBE_TOKEN);
    }

    /**
     * A LoadMaster simulator over HTTPS (its certificate in {@code dir}) with a VS at each index, and
     * non-local Real Servers enabled: the pods (10.244.x) are outside the VSs' 10.0.0.0/24.
     */
    static LoadMasterSimulator loadMaster(Path dir, int... vsIndexes) throws IOException {
        LoadMasterSimulator simulator = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .apiKey(API_KEY)
                .nonLocalRs(true)
                .workDir(dir.resolve("loadmaster")));
        for (int index : vsIndexes) {
            simulator.engine().addVirtualService(index, "10.0.0." + index, 80, "tcp", "vs" + index);
        }
        return simulator;
    }

    /** VSs 1 to {@code count}, for benchmarks: port 80, each on its own address in 10.0.0.0/16. */
    static void virtualServices(LoadMasterSimulator loadMaster, int count) {
        for (int s = 1; s <= count; s++) {
            loadMaster.engine().addVirtualService(s, "10.0." + (s / 250) + "." + (s % 250 + 1), 80, "tcp", "vs" + s);
        }
    }

    /** The Real Servers of a VS as {@code ip:port}, sorted. */
    static List<String> realServers(LoadMasterSimulator loadMaster, int vs) {
        return loadMaster.engine().realServers(vs).stream()
                .map(rs -> rs.addr() + ":" + rs.port())
                .sorted()
                .toList();
    }

    /**
     * Adds (or updates) Service {@code namespace/name}, labelled {@code kempLB=Enabled} and annotated
     * {@code vsid}, with one port {@code http} 80 → 8080, and sets its ready pods.
     */
    static void service(StandInKubernetesApi cluster, String namespace, String name, String vsid, String... podIps) {
        cluster.service(
                        namespace,
                        name,
                        Map.of("kempLB", "Enabled", "app", name),
                        Map.of("vsid", vsid),
                        List.of(StandInKubernetesApi.Port.tcp("http", 80, 8080)))
                .scale(namespace, name, podIps);
    }

    /**
     * Waits, as the schedule would, until every Real Server the ledger in {@code stateDir} records as disabled
     * because its endpoint is gone has been so for one pass interval ({@link Demo#INTERVAL}): the agent deletes
     * none sooner, so a run before that changes nothing. Returns at once when none is waiting.
     */
    static void awaitConfirmationGap(Path stateDir) throws IOException, InterruptedException {
        Instant due = Instant.MIN;
        for (Ownership o :
                FileOwnershipLedger.readOnly(stateDir).snapshot().owned().values()) {
            for (Retiring r : o.retiring().values()) {
                if (r.reason() == Retiring.Reason.GONE
                        && r.since().plus(Demo.INTERVAL).isAfter(due)) {
                    due = r.since().plus(Demo.INTERVAL);
                }
            }
        }
        for (Duration left = Duration.between(Instant.now(), due);
                !left.isNegative() && !left.isZero();
                left = Duration.between(Instant.now(), due)) {
            Thread.sleep(left.toMillis() + 1);
        }
    }

    /** Writes agent.yaml as the demo does; each side trusts its stand-in's own certificate. */
    static Path write(Path dir, StandInKubernetesApi cluster, LoadMasterSimulator loadMaster) throws IOException {
        return Demo.writeConfig(dir, cluster, loadMaster, KUBE_TOKEN, API_KEY);
    }
}
