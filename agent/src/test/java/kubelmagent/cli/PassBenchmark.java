package kubelmagent.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import kubelmagent.config.AgentConfig;
import kubelmagent.config.ConfigLoader;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.log.JournalLogging;
import kubelmagent.model.PassResult;
import kubelmagent.simulator.LoadMasterSimulator;
import kubelmagent.simulator.ScratchDirectory;
import kubelmagent.sync.Reconciler;
import kubelmagent.sync.StartedBy;

/**
 * Times whole passes for S Services × E endpoints against the stand-in Kubernetes API server
 * ({@link StandInKubernetesApi}, the JDK's HTTPS server) and the fake LoadMaster (MockWebServer), both over
 * HTTPS on loopback: the first pass (S×E adds), steady passes (no change),
 * and churn passes (one pod replaced per Service). Not a test: run it with
 * {@code mvn -B -q -pl agent test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=kubelmagent.cli.PassBenchmark [-Dexec.args="100 10 20"]}.
 */
public final class PassBenchmark {

    private PassBenchmark() {}

    public static void main(String[] args) throws Exception {
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int endpoints = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        JournalLogging.install(new PrintStream(OutputStream.nullOutputStream()), false);
        Path dir = Files.createTempDirectory("kube-lm-agent-bench");
        try (StandInKubernetesApi cluster = AgentFiles.cluster(dir);
                LoadMasterSimulator loadMaster = AgentFiles.loadMaster(dir)) {
            AgentFiles.virtualServices(loadMaster, services);
            for (int s = 1; s <= services; s++) {
                AgentFiles.service(cluster, "bench", "svc-" + s, String.valueOf(s), pods(s, 0, endpoints));
            }
            Path file = AgentFiles.write(dir, cluster, loadMaster);
            // The benchmark's pods are in 10.1.0.0/16 and up, not in the demo's pod network.
            Files.writeString(
                    file, Files.readString(file).replace("podCidrs: [10.244.0.0/16]", "podCidrs: [10.0.0.0/8]"));
            AgentConfig config = ConfigLoader.load(file);
            try (Agent agent = Agent.open(config, false)) {
                Reconciler reconciler = agent.reconciler;

                int k8sBefore = cluster.requests();
                long t0 = System.nanoTime();
                PassResult first = reconciler.runOnce(StartedBy.ONCE);
                long firstMs = (System.nanoTime() - t0) / 1_000_000;
                check(first, services * endpoints);
                System.out.printf(
                        "first pass: %d ms, %d adds, %d Kubernetes requests, %d listvs, %d showvs, %d addrs%n",
                        firstMs,
                        first.applied(),
                        cluster.requests() - k8sBefore,
                        loadMaster.engine().calls("listvs"),
                        loadMaster.engine().calls("showvs"),
                        loadMaster.engine().calls("addrs"));

                for (int i = 0; i < 5; i++) {
                    check(reconciler.runOnce(StartedBy.ONCE), 0); // warm-up
                }
                long[] steady = new long[rounds];
                long allocated = 0;
                int k8sSteady = cluster.requests();
                Map<String, Integer> lmSteady = loadMaster.engine().calls();
                for (int i = 0; i < rounds; i++) {
                    long a0 = allocatedBytes();
                    long s0 = System.nanoTime();
                    check(reconciler.runOnce(StartedBy.ONCE), 0);
                    steady[i] = System.nanoTime() - s0;
                    allocated += allocatedBytes() - a0;
                }
                System.out.printf(
                        "steady pass (no change), %d rounds: %s; allocated %.1f MiB per pass%n",
                        rounds, stats(steady), allocated / (double) rounds / (1 << 20));
                System.out.printf(
                        "steady pass requests: %d Kubernetes, LoadMaster %s per pass%n",
                        (cluster.requests() - k8sSteady) / rounds,
                        perPass(lmSteady, loadMaster.engine().calls(), rounds));

                long[] churn = new long[rounds];
                long[] confirm = new long[rounds];
                for (int i = 0; i < rounds; i++) {
                    for (int s = 1; s <= services; s++) {
                        cluster.scale("bench", "svc-" + s, pods(s, i + 1, endpoints));
                    }
                    long c0 = System.nanoTime();
                    check(
                            reconciler.runOnce(StartedBy.ONCE),
                            2 * services); // the new pods added, the gone ones disabled
                    churn[i] = System.nanoTime() - c0;
                    AgentFiles.awaitConfirmationGap(config.stateDir()); // the delete waits one interval (1 s)
                    long d0 = System.nanoTime();
                    check(reconciler.runOnce(StartedBy.ONCE), services); // the next read confirms: deleted
                    confirm[i] = System.nanoTime() - d0;
                }
                System.out.printf(
                        "churn pass (1 pod replaced per Service: %d adds + %d disables), %d rounds: %s%n",
                        services, services, rounds, stats(churn));
                System.out.printf("confirming pass (%d deletes), %d rounds: %s%n", services, rounds, stats(confirm));

                Runtime rt = Runtime.getRuntime();
                System.gc();
                System.out.printf(
                        "heap used after GC: %.1f MiB (JVM max %.0f MiB)%n",
                        (rt.totalMemory() - rt.freeMemory()) / (double) (1 << 20), rt.maxMemory() / (double) (1 << 20));
            }
        } finally {
            ScratchDirectory.deleteQuietly(dir);
        }
    }

    /** Pod IPs for Service {@code s}; generation {@code g} replaces the first pod with a new one. */
    static String[] pods(int s, int g, int endpoints) {
        List<String> ips = new ArrayList<>();
        for (int e = 0; e < endpoints; e++) {
            int host = e == 0 ? g : e + 100;
            ips.add("10." + (s / 250 + 1) + "." + (s % 250) + "." + (host % 250 + 1));
        }
        return ips.toArray(String[]::new);
    }

    private static void check(PassResult r, int expectedChanges) {
        if (!r.converged() || r.applied() != expectedChanges) {
            throw new IllegalStateException(
                    "unexpected pass result " + r + " (expected " + expectedChanges + " changes)");
        }
    }

    /** {@code {listvs=1}}: the LoadMaster calls of each command per pass between two counts. */
    private static Map<String, Integer> perPass(Map<String, Integer> before, Map<String, Integer> after, int rounds) {
        Map<String, Integer> per = new TreeMap<>();
        after.forEach((command, n) -> {
            int calls = n - before.getOrDefault(command, 0);
            if (calls > 0) {
                per.put(command, calls / rounds);
            }
        });
        return per;
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private static String stats(long[] nanos) {
        long[] ms = Arrays.stream(nanos).map(n -> n / 1_000_000).sorted().toArray();
        return String.format(
                "median %d ms, p90 %d ms, min %d ms, max %d ms",
                ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.9) - 1], ms[0], ms[ms.length - 1]);
    }
}
