package kubelmagent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import kubelmagent.kube.DesiredStateSource;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.log.Log;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Member;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.sync.PassResult;
import kubelmagent.sync.Reconciler;
import kubelmagent.sync.Trigger;

/**
 * {@code --demo}: the real reconciler, planner and ownership ledger against a scripted cluster and an
 * in-memory LoadMaster, so the agent's behaviour can be seen without a cluster or an appliance.
 * Service {@code shop/web} (vsid 1) scales 3 → 5 → 2 pods, one pass per step; Service
 * {@code shop/api} (vsid 2) has two ports and the one equal to the VS port is used. VS 1 holds a
 * Real Server a person added by hand, which the agent leaves alone.
 */
final class Demo {

    private static final Log LOG = Log.get(Demo.class);
    private static final ServiceRef WEB = new ServiceRef("shop", "web");
    private static final ServiceRef API = new ServiceRef("shop", "api");
    private static final Member HAND_MADE = new Member("10.0.5.5", 8080);

    private Demo() {}

    static int run(boolean once, boolean dryRun) {
        InMemoryLoadMaster loadMaster = new InMemoryLoadMaster()
                .addVirtualService(1, "10.0.0.100", 80, "tcp", "web")
                .addVirtualService(2, "10.0.0.101", 443, "tcp", "api");
        loadMaster.addRealServerByHand(VirtualServiceId.of(1), HAND_MADE);
        int[] webPods = {3, 5, 2};
        int[] step = {0};
        DesiredStateSource cluster = () -> state(webPods[Math.min(step[0], webPods.length - 1)]);

        Path stateDir = null;
        try {
            stateDir = Files.createTempDirectory("kube-lm-agent-demo");
            LOG.info("demo: scripted cluster (shop/web -> VS 1 scales 3 -> 5 -> 2 pods; shop/api -> VS 2),"
                    + " in-memory LoadMaster (VS 1 has a hand-made RS " + HAND_MADE + "), ledger in " + stateDir
                    + (dryRun ? "; dry run: nothing is changed" : ""));
            boolean converged = true;
            try (FileOwnershipLedger ledger = FileOwnershipLedger.open(stateDir)) {
                Reconciler reconciler = new Reconciler(cluster, loadMaster, ledger, Clock.systemUTC(), dryRun);
                int passes = once || dryRun ? 1 : webPods.length;
                for (step[0] = 0; step[0] < passes; step[0]++) {
                    LOG.info("demo: shop/web now has " + webPods[step[0]] + " ready pods");
                    PassResult result = reconciler.runOnce(Trigger.ONCE);
                    converged &= result.converged();
                    for (int vs = 1; vs <= 2; vs++) {
                        LOG.info("demo: VS " + vs + " now has Real Servers "
                                + loadMaster.realServers(VirtualServiceId.of(vs)));
                    }
                }
            }
            return converged ? Main.OK : Main.FAILED;
        } catch (IOException e) {
            LOG.err("demo: cannot use a temporary state directory: " + e.getMessage());
            return Main.FAILED;
        } finally {
            deleteQuietly(stateDir);
        }
    }

    private static DesiredState state(int webPods) {
        Set<Member> web = new TreeSet<>();
        for (int i = 1; i <= webPods; i++) {
            web.add(new Member("10.244.1." + (10 + i), 8080));
        }
        Set<Member> apiHttps = Set.of(new Member("10.244.2.21", 8443), new Member("10.244.2.22", 8443));
        Set<Member> apiMetrics = Set.of(new Member("10.244.2.21", 9090), new Member("10.244.2.22", 9090));
        List<DesiredService> services = new ArrayList<>();
        services.add(new DesiredService(WEB, VirtualServiceId.of(1), List.of(new ServicePort("http", 80, "TCP", web))));
        services.add(new DesiredService(API, VirtualServiceId.of(2), List.of(
                new ServicePort("metrics", 9090, "TCP", apiMetrics),
                new ServicePort("https", 443, "TCP", apiHttps))));
        return new DesiredState(true, services, List.of());
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("demo: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
