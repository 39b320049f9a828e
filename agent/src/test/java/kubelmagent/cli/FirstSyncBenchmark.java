package kubelmagent.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import kubelmagent.config.AgentConfig;
import kubelmagent.config.ConfigLoader;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.kube.KubernetesSource;
import kubelmagent.loadmaster.LoadMasterRestClient;
import kubelmagent.log.JournalLogging;
import kubelmagent.model.PassResult;
import kubelmagent.simulator.LoadMasterSimulator;
import kubelmagent.simulator.ScratchDirectory;
import kubelmagent.sync.Reconciler;
import kubelmagent.sync.StartedBy;

/**
 * Times the first pass (S Services × E endpoints, so S×E adds, one VS per Service) against the stand-in
 * Kubernetes API and the LoadMaster simulator with an injected latency per request, both over HTTPS on
 * loopback, wired as the agent is: agent.yaml → {@link ConfigLoader} → {@link KubernetesSource} →
 * {@link LoadMasterRestClient} → {@link Reconciler}, with {@code loadmaster.maxInFlight} set in agent.yaml.
 * Not a test: run it with {@code mvn -B -q -o -pl agent test-compile
 * org.codehaus.mojo:exec-maven-plugin:3.6.2:java -Dexec.classpathScope=test
 * -Dexec.mainClass=kubelmagent.cli.FirstSyncBenchmark -Dexec.args="1000 20 20 4"} (Services, endpoints per
 * Service, latency in ms, maxInFlight).
 *
 * <p><b>Agent CPU.</b> The stand-ins run in the same JVM, so process CPU would count their work too. The pass
 * runs on a thread of its own, in a thread group of its own; the reconciler's apply threads ({@code apply-N})
 * are started by it and so belong to that group too, and nothing else does (the stand-ins' threads are
 * started elsewhere). The agent's CPU is the pass thread's CPU time (read by itself at start and end, exact)
 * plus each apply thread's, read every {@link #SAMPLE} while it lives (the last reading before it ends counts,
 * so each apply thread may be short by at most one sampling period). JIT compiler and GC threads are in
 * neither: their CPU, which the stand-ins share, is not counted.
 */
public final class FirstSyncBenchmark {

    /** How often the apply threads' CPU time is read. */
    static final Duration SAMPLE = Duration.ofMillis(10);

    private FirstSyncBenchmark() {}

    /**
     * One first pass.
     *
     * @param wall    how long the pass took, start to end
     * @param addrs   the {@code addrs} calls the simulator answered
     * @param cpu     the CPU time of the agent's threads (the pass thread and its apply threads)
     * @param threads how many of those threads were seen (the pass thread and the apply threads)
     */
    public record Result(
            int services,
            int endpoints,
            Duration latency,
            int maxInFlight,
            Duration wall,
            int addrs,
            Duration cpu,
            int threads,
            PassResult pass) {

        /** The agent's CPU time as a share of the wall time (1.0: one CPU busy all along). */
        public double cpuShare() {
            return wall.isZero() ? 0 : cpu.toNanos() / (double) wall.toNanos();
        }

        /** {@code maxInFlight 4: 20000 RS in 131200 ms, 20000 addrs, agent CPU 31200 ms (24% of wall, 5 threads)}. */
        @Override
        public String toString() {
            return String.format(
                    "maxInFlight %d, %d ms latency: %d RS (%d Services x %d) in %d ms, %d addrs, agent CPU %d ms"
                            + " (%.1f%% of wall, %d threads)",
                    maxInFlight,
                    latency.toMillis(),
                    services * endpoints,
                    services,
                    endpoints,
                    wall.toMillis(),
                    addrs,
                    cpu.toMillis(),
                    100 * cpuShare(),
                    threads);
        }
    }

    public static void main(String[] args) throws Exception {
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int endpoints = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int latencyMs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int maxInFlight = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        JournalLogging.install(
                System.getenv("BENCH_LOG") != null ? System.err : new PrintStream(OutputStream.nullOutputStream()),
                false);
        Result r = run(services, endpoints, Duration.ofMillis(latencyMs), maxInFlight);
        System.out.println("first sync: " + r);
        System.out.println("pass: " + r.pass());
    }

    /**
     * Sets up the stand-ins with {@code services} Services of {@code endpoints} ready pods each, bound to VSs 1..S,
     * and times the agent's first pass at {@code maxInFlight}.
     *
     * @throws IllegalStateException if the pass did not add every Real Server
     */
    public static Result run(int services, int endpoints, Duration latency, int maxInFlight) throws Exception {
        Path dir = Files.createTempDirectory("kube-lm-agent-first-sync");
        try (StandInKubernetesApi cluster = AgentFiles.cluster(dir);
                LoadMasterSimulator loadMaster = AgentFiles.loadMaster(dir)) {
            AgentFiles.virtualServices(loadMaster, services);
            for (int s = 1; s <= services; s++) {
                AgentFiles.service(cluster, "bench", "svc-" + s, String.valueOf(s), pods(s, endpoints));
            }
            Path file = AgentFiles.write(dir, cluster, loadMaster);
            Files.writeString(
                    file,
                    Files.readString(file)
                            .replace("loadmaster:\n", "loadmaster:\n  maxInFlight: " + maxInFlight + "\n"));
            AgentConfig config = ConfigLoader.load(file);
            if (config.loadMaster().maxInFlight() != maxInFlight) {
                throw new IllegalStateException("agent.yaml did not take maxInFlight " + maxInFlight);
            }
            loadMaster.engine().faults().latency(latency);
            try (Agent agent = Agent.open(config, false)) {
                Reconciler reconciler = agent.reconciler;
                int addrsBefore = loadMaster.engine().calls("addrs");
                Timed timed = timedPass(reconciler);
                PassResult first = timed.pass();
                if (!first.converged() || first.applied() != services * endpoints) {
                    throw new IllegalStateException(
                            "unexpected pass result " + first + " (expected " + services * endpoints + " changes)");
                }
                return new Result(
                        services,
                        endpoints,
                        latency,
                        maxInFlight,
                        timed.wall(),
                        loadMaster.engine().calls("addrs") - addrsBefore,
                        timed.cpu(),
                        timed.threads(),
                        first);
            }
        } finally {
            ScratchDirectory.deleteQuietly(dir);
        }
    }

    /** Pod IPs for Service {@code s}, inside the demo's kubernetes.podCidrs (10.244.0.0/16), unique overall. */
    static String[] pods(int s, int endpoints) {
        String[] ips = new String[endpoints];
        for (int e = 0; e < endpoints; e++) {
            int n = (s - 1) * endpoints + e;
            ips[e] = "10.244." + (n / 250) + "." + (n % 250 + 1);
        }
        return ips;
    }

    private record Timed(PassResult pass, Duration wall, Duration cpu, int threads) {}

    /** Runs one pass on a thread of its own, in a group of its own, and measures it; see the class comment. */
    private static Timed timedPass(Reconciler reconciler) throws InterruptedException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (!mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        ThreadGroup agent = new ThreadGroup("agent");
        AtomicReference<PassResult> result = new AtomicReference<>();
        long[] passCpu = new long[1];
        long[] wall = new long[1];
        Thread pass = new Thread(
                agent,
                () -> {
                    long cpu0 = mx.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    result.set(reconciler.runOnce(StartedBy.ONCE));
                    wall[0] = System.nanoTime() - t0;
                    passCpu[0] = mx.getCurrentThreadCpuTime() - cpu0;
                },
                "pass");
        Map<Long, Long> applyCpu = new HashMap<>(); // thread id -> CPU time last read
        pass.start();
        Thread[] seen = new Thread[64];
        while (pass.isAlive()) {
            int n = agent.enumerate(seen, false);
            for (int i = 0; i < n; i++) {
                Thread t = seen[i];
                if (t != pass && t.getName().startsWith("apply-")) {
                    long cpu = mx.getThreadCpuTime(t.getId());
                    if (cpu >= 0) { // -1 once it has ended
                        applyCpu.merge(t.getId(), cpu, Math::max);
                    }
                }
            }
            pass.join(SAMPLE.toMillis());
        }
        long cpu = passCpu[0]
                + applyCpu.values().stream().mapToLong(Long::longValue).sum();
        return new Timed(result.get(), Duration.ofNanos(wall[0]), Duration.ofNanos(cpu), 1 + applyCpu.size());
    }
}
