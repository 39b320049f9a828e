package kubelmagent.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kubelmagent.config.AgentConfig;
import kubelmagent.config.ConfigLoader;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.log.JournalLogging;
import kubelmagent.model.PassResult;
import kubelmagent.simulator.LoadMasterSimulator;
import kubelmagent.simulator.ScratchDirectory;
import kubelmagent.simulator.SimRealServer;
import kubelmagent.sync.Reconciler;
import kubelmagent.sync.StartedBy;

/**
 * Issue 12's benchmark: for each number of Services (default 10, 100 and 1,000, each with 20 ready endpoints,
 * spread over one namespace per 100 Services), against the stand-in Kubernetes API server and the LoadMaster
 * simulator answering every call after 20 ms, it prints
 *
 * <ul>
 *   <li>the first sync: wall time until every Real Server is on the LoadMaster, and the agent process's CPU
 *       share of it (from {@code /proc/<pid>/stat}, JVM start-up included);</li>
 *   <li>a steady pass (nothing to change): requests to each API, the agent process's CPU per pass (averaged
 *       over a window of passes, idle time between them included), and, measured in this JVM on the pass's
 *       own thread, CPU and allocation per pass;</li>
 *   <li>the agent's heap after a full GC ({@code jcmd GC.run}, {@code GC.heap_info});</li>
 *   <li>endpoint ready → its Real Server present and enabled: p50 and p99 with {@code sync.watch} on and
 *       off;</li>
 *   <li>at the largest size, where a steady pass's time goes (a sampling profile of the pass thread).</li>
 * </ul>
 *
 * The agent runs as the service does, in its own JVM with the shipped launcher's options but {@code -Xmx64m}: every 2 s for the first sync and the
 * steady passes, every 10 s (the default) for ready → RS; the stand-ins run in this one. Not a test; run it with {@code mvn -B -q -o -pl agent test-compile
 * org.codehaus.mojo:exec-maven-plugin:3.6.2:java -Dexec.classpathScope=test
 * -Dexec.mainClass=kubelmagent.cli.ScaleBenchmark [-Dexec.args="10,100,1000 20 20 20 1"]} (sizes, endpoints per
 * Service, LoadMaster latency in ms, ready -> RS samples with the watch on (half as many with it off),
 * {@code loadmaster.maxInFlight}).
 */
public final class ScaleBenchmark {

    /** The schedule while the first sync and the steady passes are measured: many passes in little time. */
    private static final Duration FAST = Duration.ofSeconds(2);
    /** The schedule while ready -> RS is measured: the default {@code sync.interval}. */
    private static final Duration DEFAULT = Duration.ofSeconds(10);

    /** The JVM options of the shipped launcher ({@code packaging/kube-lm-agent}), with the heap cut to 64 MiB. */
    private static final List<String> JVM =
            List.of("-Xms32m", "-Xmx64m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-Xss512k");

    private static final Pattern PASS_DONE = Pattern.compile("pass #(\\d+) \\((\\w+)\\) done in (\\d+) ms");

    private ScaleBenchmark() {}

    /** One size's figures. */
    record Figures(
            int services,
            int realServers,
            double firstSyncSeconds,
            double firstSyncCpuShare,
            double k8sPerPass,
            double lmPerPass,
            double lmWritesPerPass,
            double processCpuMsPerPass,
            double passCpuMs,
            double allocatedMiBPerPass,
            double heapAfterGcMiB,
            double[] watchOn,
            double[] watchOff) {}

    public static void main(String[] args) throws Exception {
        int[] sizes = Arrays.stream((args.length > 0 ? args[0] : "10,100,1000").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int endpoints = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Duration latency = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 20);
        int samples = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        int maxInFlight = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        JournalLogging.install(new PrintStream(OutputStream.nullOutputStream()), false);
        List<Figures> all = new ArrayList<>();
        for (int size : sizes) {
            all.add(measure(size, endpoints, latency, samples, maxInFlight, size == sizes[sizes.length - 1]));
        }
        System.out.println();
        System.out.printf(
                "| Services (RS) | first sync | its CPU share | K8s req/pass | LM req/pass (writes) | agent CPU/pass |"
                        + " pass thread CPU | alloc/pass | heap after GC | ready→RS watch on p50/p99 |"
                        + " watch off p50/p99 |%n|---|---|---|---|---|---|---|---|---|---|---|%n");
        for (Figures f : all) {
            System.out.printf(
                    "| %d (%d) | %.1f s | %.1f %% | %.1f | %.1f (%.0f) | %.0f ms | %.0f ms | %.1f MiB | %.1f MiB |"
                            + " %.0f / %.0f ms | %.0f / %.0f ms |%n",
                    f.services,
                    f.realServers,
                    f.firstSyncSeconds,
                    100 * f.firstSyncCpuShare,
                    f.k8sPerPass,
                    f.lmPerPass,
                    f.lmWritesPerPass,
                    f.processCpuMsPerPass,
                    f.passCpuMs,
                    f.allocatedMiBPerPass,
                    f.heapAfterGcMiB,
                    f.watchOn[0],
                    f.watchOn[1],
                    f.watchOff[0],
                    f.watchOff[1]);
        }
        if (all.size() > 1) {
            Figures a = all.get(0);
            Figures b = all.get(all.size() - 1);
            System.out.printf(
                    "growth from %d to %d Services (x%d): first sync x%.1f, K8s req/pass x%.1f, LM req/pass x%.1f,"
                            + " agent CPU/pass x%.1f, pass thread CPU x%.1f, alloc/pass x%.1f, heap x%.1f,"
                            + " watch-on p99 x%.1f%n",
                    a.services,
                    b.services,
                    b.services / a.services,
                    b.firstSyncSeconds / a.firstSyncSeconds,
                    b.k8sPerPass / a.k8sPerPass,
                    b.lmPerPass / a.lmPerPass,
                    b.processCpuMsPerPass / Math.max(1, a.processCpuMsPerPass),
                    b.passCpuMs / Math.max(1, a.passCpuMs),
                    b.allocatedMiBPerPass / a.allocatedMiBPerPass,
                    b.heapAfterGcMiB / a.heapAfterGcMiB,
                    b.watchOn[1] / Math.max(1, a.watchOn[1]));
        }
    }

    private static Figures measure(
            int services, int endpoints, Duration latency, int samples, int maxInFlight, boolean profile)
            throws Exception {
        Path dir = Files.createTempDirectory("kube-lm-agent-scale");
        int namespaces = Math.max(1, (services + 99) / 100);
        System.out.printf(
                "%n== %d Services x %d endpoints in %d namespace(s), LoadMaster latency %d ms ==%n",
                services, endpoints, namespaces, latency.toMillis());
        try (StandInKubernetesApi cluster = AgentFiles.cluster(dir);
                LoadMasterSimulator loadMaster = AgentFiles.loadMaster(dir)) {
            Map<Integer, List<String>> pods = new HashMap<>();
            AgentFiles.virtualServices(loadMaster, services);
            for (int s = 1; s <= services; s++) {
                pods.put(s, new ArrayList<>(List.of(PassBenchmark.pods(s, 0, endpoints))));
                AgentFiles.service(
                        cluster,
                        namespace(s),
                        "svc-" + s,
                        String.valueOf(s),
                        pods.get(s).toArray(String[]::new));
            }
            Path config = AgentFiles.write(dir, cluster, loadMaster);
            loadMaster.engine().faults().latency(latency);
            int total = services * endpoints;

            // The agent on a 2 s schedule: first sync, steady passes, heap.
            String base = Files.readString(config);
            RunningAgent agent = RunningAgent.start(dir, base, FAST, true, maxInFlight);
            double firstSync;
            double share;
            double k8s;
            double lm;
            double writes;
            double cpuPerPass;
            double heap;
            try {
                agent.awaitPasses(1, Duration.ofMinutes(30));
                firstSync = agent.secondsSinceStart();
                share = agent.cpuMillis() / 1000.0 / firstSync;
                int present = count(loadMaster, services);
                if (present != total) {
                    throw new IllegalStateException(
                            present + " of " + total + " Real Servers after the first pass: " + agent.lines());
                }
                System.out.printf(
                        "first sync (maxInFlight %d): %d Real Servers in %.1f s, agent CPU %.1f s (%.1f %% of the wall"
                                + " time, JVM start-up included)%n",
                        maxInFlight, total, firstSync, agent.cpuMillis() / 1000.0, 100 * share);
                agent.awaitPasses(agent.passes() + 10, Duration.ofMinutes(5)); // the JVM warms up
                int window = 5;
                int k0 = cluster.requests();
                Map<String, Integer> c0 = loadMaster.engine().calls();
                long cpu0 = agent.cpuMillis();
                int p0 = agent.passes();
                agent.awaitPasses(p0 + window, Duration.ofMinutes(5));
                k8s = (cluster.requests() - k0) / (double) window;
                Map<String, Integer> c1 = loadMaster.engine().calls();
                lm = (sum(c1) - sum(c0)) / (double) window;
                writes = writes(c0, c1) / (double) window;
                cpuPerPass = (agent.cpuMillis() - cpu0) / (double) window;
                System.out.printf(
                        "steady pass (agent process, %d passes): %.1f Kubernetes requests, %.1f LoadMaster requests"
                                + " (%.0f writes), %.0f ms CPU per pass; passes: %s%n",
                        window, k8s, lm, writes, cpuPerPass, agent.lastPasses(window));
                heap = agent.heapAfterGcMiB();
                System.out.printf("agent heap after GC: %.1f MiB (%s)%n", heap, String.join(" ", JVM));
            } finally {
                agent.stop();
            }

            // Ready -> RS on the default schedule, with the watch on and then off (on the same ledger).
            double[] on = readyToRs(dir, base, cluster, loadMaster, pods, samples, true);
            double[] off = readyToRs(dir, base, cluster, loadMaster, pods, Math.max(2, samples / 2), false);

            // Steady passes in this JVM, for the pass thread's own CPU and allocation, and the profile.
            loadMaster.engine().faults().latency(Duration.ZERO);
            double[] thread = inProcess(dir.resolve("agent.yaml"), services, profile);
            return new Figures(
                    services,
                    total,
                    firstSync,
                    share,
                    k8s,
                    lm,
                    writes,
                    cpuPerPass,
                    thread[0],
                    thread[1],
                    heap,
                    on,
                    off);
        } finally {
            ScratchDirectory.deleteQuietly(dir);
        }
    }

    private static String namespace(int service) {
        return "bench-" + (service - 1) / 100;
    }

    private static Map<String, Integer> delta(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> delta = new java.util.TreeMap<>();
        after.forEach((command, n) -> {
            int d = n - before.getOrDefault(command, 0);
            if (d != 0) {
                delta.put(command, d);
            }
        });
        return delta;
    }

    /** The LoadMaster's write commands. */
    private static final java.util.Set<String> WRITES = java.util.Set.of("addrs", "delrs", "modrs");

    private static int writes(Map<String, Integer> before, Map<String, Integer> after) {
        return delta(before, after).entrySet().stream()
                .filter(e -> WRITES.contains(e.getKey()))
                .mapToInt(Map.Entry::getValue)
                .sum();
    }

    private static int sum(Map<String, Integer> calls) {
        return calls.values().stream().mapToInt(Integer::intValue).sum();
    }

    private static int count(LoadMasterSimulator loadMaster, int services) {
        int n = 0;
        for (int s = 1; s <= services; s++) {
            n += loadMaster.engine().realServers(s).size();
        }
        return n;
    }

    /**
     * Makes one new endpoint ready at a time, in a Service chosen round the list, and times until its Real Server
     * is present and enabled; the next sample waits a random part of an interval, so that samples do not keep
     * step with the schedule. Returns {p50, p99} in ms.
     */
    private static double[] readyToRs(
            Path dir,
            String base,
            StandInKubernetesApi cluster,
            LoadMasterSimulator loadMaster,
            Map<Integer, List<String>> pods,
            int samples,
            boolean watch)
            throws IOException, InterruptedException {
        int services = pods.size();
        long[] nanos = new long[samples];
        RunningAgent agent = RunningAgent.start(dir, base, DEFAULT, watch, 1);
        Map<String, Integer> callsBefore;
        try {
            agent.awaitPasses(1, Duration.ofMinutes(5));
            callsBefore = loadMaster.engine().calls();
            for (int i = 0; i < samples; i++) {
                // Apart by more than the watch's least gap between passes, and at a random point of the schedule.
                Thread.sleep(1100 + ThreadLocalRandom.current().nextLong(watch ? 1000 : DEFAULT.toMillis()));
                int s = 1 + (int) ((i * 7919L + (watch ? 0 : 3)) % services);
                String ip = "10.250." + ((watch ? 0 : 100) + i / 250) + "." + (i % 250 + 1);
                pods.get(s).add(ip);
                long t0 = System.nanoTime();
                cluster.scale(namespace(s), "svc-" + s, pods.get(s).toArray(String[]::new));
                if (!waitUntil(() -> servedAndEnabled(loadMaster, s, ip), Duration.ofSeconds(60))) {
                    throw new IllegalStateException("no Real Server for " + ip + " in VS " + s + " after 60 s");
                }
                nanos[i] = System.nanoTime() - t0;
            }
        } finally {
            agent.stop();
        }
        Map<String, Integer> callsAfter = loadMaster.engine().calls();
        int writes = writes(callsBefore, callsAfter);
        System.out.printf(
                "LoadMaster writes for the %d new endpoints: %d (%s)%n",
                samples, writes, delta(callsBefore, callsAfter));
        Arrays.sort(nanos);
        double p50 = nanos[samples / 2] / 1e6;
        double p99 = nanos[Math.min(samples - 1, (int) Math.ceil(samples * 0.99) - 1)] / 1e6;
        System.out.printf(
                "ready -> RS with the watch %s (%d samples, interval %d s): p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                watch ? "on" : "off", samples, DEFAULT.toSeconds(), p50, p99, nanos[samples - 1] / 1e6);
        return new double[] {p50, p99};
    }

    private static boolean servedAndEnabled(LoadMasterSimulator loadMaster, int vs, String ip) {
        for (SimRealServer rs : loadMaster.engine().realServers(vs)) {
            if (rs.addr().equals(ip) && rs.port() == 8080 && rs.enabled()) {
                return true;
            }
        }
        return false;
    }

    /** Steady passes in this JVM: {CPU ms, allocated MiB} per pass on the pass's thread; prints a profile. */
    private static double[] inProcess(Path configFile, int services, boolean profile) throws Exception {
        AgentConfig config = ConfigLoader.load(configFile);
        try (Agent agent = Agent.open(config, false)) {
            Reconciler reconciler = agent.reconciler;
            for (int i = 0; i < 10; i++) {
                steady(reconciler.runOnce(StartedBy.ONCE)); // warm-up
            }
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long id = Thread.currentThread().getId();
            int rounds = 20;
            Profiler profiler = profile ? Profiler.start(Thread.currentThread()) : null;
            long cpu0 = threads.getThreadCpuTime(id);
            long alloc0 = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < rounds; i++) {
                steady(reconciler.runOnce(StartedBy.ONCE));
            }
            double cpuMs = (threads.getThreadCpuTime(id) - cpu0) / 1e6 / rounds;
            double allocMiB = (threads.getThreadAllocatedBytes(id) - alloc0) / (double) (1 << 20) / rounds;
            System.out.printf(
                    "steady pass in this JVM (pass thread, %d rounds): %.0f ms CPU, %.1f MiB allocated per pass%n",
                    rounds, cpuMs, allocMiB);
            if (profiler != null) {
                profiler.stopAndPrint(services);
            }
            return new double[] {cpuMs, allocMiB};
        }
    }

    private static void steady(PassResult r) {
        if (!r.converged() || r.applied() != 0) {
            throw new IllegalStateException("a steady pass changed something: " + r);
        }
    }

    private static boolean waitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    /** Samples a thread's stack every millisecond and counts, per part of the agent, where it was. */
    private static final class Profiler {
        private final Thread sampled;
        private final Map<String, Integer> counts = new LinkedHashMap<>();
        private volatile boolean running = true;
        private final Thread sampler;
        private int samples;

        private Profiler(Thread sampled) {
            this.sampled = sampled;
            this.sampler = new Thread(this::sample, "profiler");
            sampler.setDaemon(true);
        }

        static Profiler start(Thread sampled) {
            Profiler p = new Profiler(sampled);
            p.sampler.start();
            return p;
        }

        private void sample() {
            while (running) {
                StackTraceElement[] stack = sampled.getStackTrace();
                if (stack.length > 0) {
                    synchronized (counts) {
                        counts.merge(classify(stack), 1, Integer::sum);
                        samples++;
                    }
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** The innermost part that names what the thread does: a library by its job, else the agent's class. */
        private static String classify(StackTraceElement[] stack) {
            for (StackTraceElement frame : stack) {
                String c = frame.getClassName();
                if (c.startsWith("sun.security.ssl") || c.startsWith("javax.net.ssl")) {
                    return "TLS (JDK)";
                }
                if (c.startsWith("com.google.gson")) {
                    return "JSON parsing (Gson)";
                }
                if (c.startsWith("javax.xml") || c.startsWith("com.sun.org.apache.xerces")) {
                    return "XML parsing (JDK)";
                }
                if (c.startsWith("java.net.SocketInputStream")
                        || c.startsWith("sun.nio.ch")
                        || c.startsWith("java.net.Socket")) {
                    return "socket I/O (waiting for the stand-ins)";
                }
                if (c.startsWith("org.apache.hc")) {
                    return "HTTP client (httpclient5)";
                }
                if (c.startsWith("kubelmagent.")) {
                    return "agent: " + c.substring("kubelmagent.".length()).replaceAll("\\$.*", "") + "."
                            + frame.getMethodName();
                }
            }
            return "other: " + stack[0].getClassName();
        }

        void stopAndPrint(int services) throws InterruptedException {
            running = false;
            sampler.join();
            List<Map.Entry<String, Integer>> top;
            int n;
            synchronized (counts) {
                top = new ArrayList<>(counts.entrySet());
                n = samples;
            }
            top.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
            System.out.printf(
                    "where a steady pass's time goes at %d Services (%d samples of the pass thread):%n", services, n);
            for (Map.Entry<String, Integer> e : top.subList(0, Math.min(15, top.size()))) {
                System.out.printf("  %5.1f %%  %s%n", 100.0 * e.getValue() / n, e.getKey());
            }
        }
    }

    /** The agent in its own JVM, as systemd runs it, and what its journal lines and its process say. */
    private static final class RunningAgent {
        private final AgentProcess process;
        private final long started = System.nanoTime();

        private RunningAgent(AgentProcess process) {
            this.process = process;
        }

        /** Starts the agent on {@code base}, the demo's agent.yaml, with this schedule, watch and maxInFlight. */
        static RunningAgent start(Path dir, String base, Duration interval, boolean watch, int maxInFlight)
                throws IOException {
            // Over the agent.yaml that base was read from: a second file beside it would share its ledger directory,
            // which the agent refuses (InstanceFiles). The benchmark's pods are in 10.1.0.0/16 and up; metrics off, so
            // that runs cannot clash on a port.
            Path config = dir.resolve("agent.yaml");
            Files.writeString(
                    config,
                    base.replace("  interval: 1s", "  interval: " + interval.toSeconds() + "s\n  watch: " + watch)
                                    .replace("podCidrs: [10.244.0.0/16]", "podCidrs: [10.0.0.0/8]")
                                    .replace("loadmaster:\n", "loadmaster:\n  maxInFlight: " + maxInFlight + "\n")
                            + "metrics:\n  listen: \"\"\n");
            return new RunningAgent(AgentProcess.start(config, JVM));
        }

        private List<String> done() {
            return process.lines().stream()
                    .filter(line -> PASS_DONE.matcher(line).find())
                    .toList();
        }

        int passes() {
            return done().size();
        }

        String lastPasses(int n) {
            List<String> done = done();
            List<String> shown = new ArrayList<>();
            for (String line : done.subList(Math.max(0, done.size() - n), done.size())) {
                Matcher m = PASS_DONE.matcher(line);
                if (m.find()) {
                    shown.add(m.group(2) + " " + m.group(3) + " ms");
                }
            }
            return String.join(", ", shown);
        }

        void awaitPasses(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (passes() < n && process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (passes() < n) {
                List<String> lines = process.lines();
                throw new IllegalStateException("the agent did not finish " + n + " passes; its last lines: "
                        + lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            }
        }

        double secondsSinceStart() {
            return (System.nanoTime() - started) / 1e9;
        }

        /** The process's CPU time so far (user + system), from {@code /proc/<pid>/stat}. */
        long cpuMillis() throws IOException {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
            return ticks * 1000 / CLOCK_TICKS;
        }

        /** Heap in use after a full collection, from {@code jcmd}. */
        double heapAfterGcMiB() throws IOException, InterruptedException {
            jcmd("GC.run");
            long usedK = 0;
            Matcher used = Pattern.compile("used (\\d+)K").matcher("");
            for (String line : jcmd("GC.heap_info").split("\n")) {
                String t = line.strip();
                if ((t.contains("heap") || t.contains("generation"))
                        && used.reset(t).find()) {
                    usedK += Long.parseLong(used.group(1));
                }
            }
            return usedK / 1024.0;
        }

        private String jcmd(String command) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(process.pid()),
                            command)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        }

        List<String> lines() {
            return process.lines();
        }

        void stop() throws InterruptedException {
            process.stop(30);
        }
    }

    /** {@code getconf CLK_TCK}: 100 on Linux. */
    private static final long CLOCK_TICKS = 100;
}
