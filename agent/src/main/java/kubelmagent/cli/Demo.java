package kubelmagent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import kubelmagent.config.ConfigException;
import kubelmagent.config.ConfigLoader;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.log.Log;
import kubelmagent.model.PassResult;
import kubelmagent.simulator.LoadMasterSimulator;
import kubelmagent.simulator.ScratchDirectory;
import kubelmagent.simulator.SimRealServer;
import kubelmagent.simulator.SimVirtualService;
import kubelmagent.sync.StartedBy;

/**
 * {@code --demo}: the agent, exactly as it runs in production (agent.yaml, verified HTTPS, bearer token,
 * API key, ownership ledger), against two local stand-ins it starts itself: the LoadMaster simulator
 * with VS 1 preloaded and "Enable Non-Local Real Servers" switched on (the pods' 10.244.1.x addresses
 * are outside the VS's 10.0.0.0/24, and a factory-new LoadMaster has it off), and a stand-in Kubernetes
 * API serving Service {@code shop/web}
 * ({@code kempLB: Enabled}, {@code vsid: "1"}). The Service scales 3 → 5 → 2 ready pods, and the VS's
 * Real Servers are printed after each pass. Scaling down takes two passes, as in production: the first
 * disables the Real Servers of the pods that went away, the next, one interval (1 s here) later, confirms and
 * deletes them. VS 1 also holds a Real Server a person
 * added by hand, which the agent leaves alone. Everything started is stopped and deleted again.
 */
final class Demo {

    private static final Log LOG = Log.get(Demo.class);
    private static final String HAND_MADE = "10.0.5.5";
    private static final int[] STEPS = {3, 5, 2};
    /** The pass interval the demo's agent.yaml sets: the stand-ins are local, so passes can be quick. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private Demo() {}

    static int run(boolean once, boolean dryRun) {
        Path work = null;
        try {
            work = Files.createTempDirectory("kube-lm-agent-demo");
            return run(work, once || dryRun ? 1 : STEPS.length, dryRun);
        } catch (IOException e) {
            LOG.err("demo: cannot start: " + e.getMessage());
            return Main.FAILED;
        } finally {
            ScratchDirectory.deleteQuietly(work);
        }
    }

    private static int run(Path work, int steps, boolean dryRun) throws IOException {
        String token = secret();
        String apiKey = secret();
        try (LoadMasterSimulator loadMaster = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                        .apiKey(apiKey)
                        .nonLocalRs(true)
                        .workDir(work.resolve("loadmaster")));
                StandInKubernetesApi cluster = StandInKubernetesApi.start(work, token)) {
            SimVirtualService vs = loadMaster.engine().addVirtualService("10.0.0.100", 80, "tcp", "web");
            loadMaster.engine().addRealServerByHand(vs.index(), HAND_MADE, 8080);
            cluster.service(
                    "shop",
                    "web",
                    Map.of("kempLB", "Enabled", "app", "web"),
                    Map.of("vsid", String.valueOf(vs.index())),
                    List.of(StandInKubernetesApi.Port.tcp("http", 80, 8080)));
            Path config = writeConfig(work, cluster, loadMaster, token, apiKey);
            LOG.info("demo: LoadMaster simulator at " + loadMaster.url() + " with VS " + vs.index()
                    + " (10.0.0.100:80, holding a Real Server added by hand, " + HAND_MADE + ":8080);"
                    + " stand-in Kubernetes API at " + cluster.url() + " with Service shop/web (vsid \""
                    + vs.index() + "\"); agent configuration " + config
                    + (dryRun ? "; dry run: nothing is changed" : ""));

            boolean converged = true;
            try (Agent agent = Agent.open(ConfigLoader.load(config), dryRun)) {
                for (int step = 0; step < steps; step++) {
                    List<String> pods = new ArrayList<>();
                    for (int i = 1; i <= STEPS[step]; i++) {
                        pods.add("10.244.1." + (10 + i));
                    }
                    cluster.scale("shop", "web", pods.toArray(String[]::new));
                    LOG.info("demo: shop/web now has " + pods.size() + " ready pods");
                    int passes = 0;
                    do {
                        if (passes > 0) {
                            // As the schedule would: the delete waits at least one interval after the disable.
                            Thread.sleep(INTERVAL.toMillis());
                        }
                        PassResult result = agent.reconciler.runOnce(StartedBy.ONCE);
                        converged &= result.converged();
                        report(loadMaster, vs.index());
                    } while (!dryRun && hasDisabled(loadMaster, vs.index()) && ++passes < 3);
                }
            } catch (ConfigException e) {
                LOG.err("demo: the generated configuration is invalid: " + e.getMessage());
                return Main.FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.FAILED;
            }
            return converged ? Main.OK : Main.FAILED;
        }
    }

    private static void report(LoadMasterSimulator loadMaster, int vs) {
        List<String> fromPods = new ArrayList<>();
        List<String> byHand = new ArrayList<>();
        List<String> disabled = new ArrayList<>();
        for (SimRealServer rs : loadMaster.engine().realServers(vs)) {
            (rs.addr().equals(HAND_MADE) ? byHand : fromPods).add(rs.addr() + ":" + rs.port());
            if (!rs.enabled()) {
                disabled.add(rs.addr() + ":" + rs.port());
            }
        }
        fromPods.sort(Comparator.naturalOrder());
        disabled.sort(Comparator.naturalOrder());
        LOG.info("demo: VS " + vs + " now has " + fromPods.size() + " Real Servers for shop/web's pods " + fromPods
                + " and " + byHand.size() + " added by hand " + byHand
                + (disabled.isEmpty()
                        ? ""
                        : "; disabled until the next pass confirms their pods are gone: " + disabled));
    }

    private static boolean hasDisabled(LoadMasterSimulator loadMaster, int vs) {
        return loadMaster.engine().realServers(vs).stream().anyMatch(rs -> !rs.enabled());
    }

    /**
     * Writes {@code agent.yaml} for the two stand-ins into {@code work}, with the token and API key files
     * it names; each side trusts its stand-in's own certificate.
     */
    static Path writeConfig(
            Path work, StandInKubernetesApi cluster, LoadMasterSimulator loadMaster, String token, String apiKey)
            throws IOException {
        Files.writeString(work.resolve("token"), token + "\n");
        Files.writeString(work.resolve("lm-apikey"), apiKey + "\n");
        Path config = work.resolve("agent.yaml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "kubernetes:",
                        "  server: " + cluster.url(),
                        "  tokenFile: token",
                        "  caFile: " + cluster.caFile(),
                        "  podCidrs: [10.244.0.0/16]",
                        "loadmaster:",
                        "  url: " + loadMaster.url(),
                        "  apiKeyFile: lm-apikey",
                        "  caFile: " + loadMaster.caFile(),
                        "sync:",
                        "  interval: " + INTERVAL.toSeconds() + "s",
                        "  stateDir: " + work.resolve("state"),
                        ""));
        return config;
    }

    private static String secret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
