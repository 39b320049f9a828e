package kubelmagent.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import kubelmagent.config.ConfigException;
import kubelmagent.config.ConfigLoader;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.simulator.LoadMasterSimulator;
import kubelmagent.simulator.ScratchDirectory;
import kubelmagent.simulator.SimRealServer;
import kubelmagent.simulator.SimulatedLoadMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent is killed with SIGKILL at a random moment of a large apply, the desired state changes, and
 * the agent is restarted ({@code --once}, as often as it takes) until it converges. Then the LoadMaster
 * must hold exactly the desired endpoints plus the Real Servers a person added: no orphan, no duplicate,
 * every desired one present and enabled, the hand-made ones untouched; and the ledger must own exactly
 * the desired ones the agent added. The ledger and the LoadMaster carry over from trial to trial.
 *
 * <p>Seeded: {@code -Dcrash.seed=N} replays a run (the seed is printed at the start and named in every
 * failure); {@code -Dcrash.trials=N} changes the number of trials. Kill moments depend on timing, so a
 * replay draws the same desired states and kill points, not necessarily the same interleavings.
 */
class CrashConsistencyIT {

    private static final long DEFAULT_SEED = 20261129L;
    private static final int DEFAULT_TRIALS = 100;

    /** Pod IPs are drawn from this many; a Service has between {@link #MIN_PODS} and {@link #MAX_PODS}. */
    private static final int POD_POOL = 160;

    private static final int MIN_PODS = 100;
    private static final int MAX_PODS = 140;
    /** The first (measured) pass adds this many, from an empty LoadMaster. */
    private static final int FIRST_PODS = 120;

    private static final int POD_PORT = 8080;

    private static final int VS_A = 1;
    private static final int VS_B = 2;
    private static final String NAMESPACE = "shop";
    private static final String NAME = "web";

    /** Runs after a kill, at most, before the test calls it a failure to converge. */
    private static final int MAX_RUNS_TO_CONVERGE = 8;
    /** A run that changes nothing, this many times in a row, is convergence (a removal takes two passes). */
    private static final int QUIET_RUNS_FOR_CONVERGENCE = 2;

    private static final int RUN_TIMEOUT_SECONDS = 60;
    private static final int SIGKILL_EXIT_STATUS = 128 + 9;

    @TempDir
    Path dir;

    /** What the Service looks like in the stand-in cluster. */
    record Desired(boolean labelled, int vs, SortedSet<String> podIps) {

        /** The Real Servers ({@code ip:port}) this asks for on {@code vsIndex}. */
        SortedSet<String> realServersOn(int vsIndex) {
            SortedSet<String> wanted = new TreeSet<>();
            if (labelled && vs == vsIndex) {
                podIps.forEach(ip -> wanted.add(ip + ":" + POD_PORT));
            }
            return wanted;
        }

        @Override
        public String toString() {
            return (labelled ? "bound to VS " + vs : "unlabelled (vsid " + vs + ")") + " with " + podIps.size()
                    + " pods";
        }
    }

    /** Where a kill landed, judged afterwards from the LoadMaster's write count and the agent's output. */
    enum KillLanding {
        BEFORE_THE_FIRST_WRITE,
        MID_APPLY,
        AFTER_THE_APPLY,
        NOT_KILLED
    }

    /** Where the test means to kill: after some writes to the LoadMaster plus a delay, or after a delay alone. */
    record KillPoint(int afterWrites, long delayNanos) {

        @Override
        public String toString() {
            return (afterWrites > 0 ? "after write " + afterWrites + " + " : "at start-up + ")
                    + TimeUnit.NANOSECONDS.toMicros(delayNanos) + " µs";
        }
    }

    /** The first pass, timed: from process start to the first write, and the mean time between writes. */
    record Timing(long toFirstWriteNanos, long perWriteNanos, int writes, long wholeRunNanos) {}

    private StandInKubernetesApi cluster;
    private LoadMasterSimulator loadMaster;
    private Path config;
    private Path stateDir;
    private List<String> jvmOptions = List.of();
    /** The Real Servers a person added, per VS, as they were when added. */
    private final Map<Integer, List<SimRealServer>> handMade = new TreeMap<>();
    /** What the agent printed during the current trial, each line prefixed with the run it came from. */
    private final List<String> trialOutput = new ArrayList<>();

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void killedAnywhereInALargeApplyTheAgentEndsAtDesiredPlusHandMadeAfterRestarts() throws Exception {
        long seed = Long.getLong("crash.seed", DEFAULT_SEED);
        int trials = Integer.getInteger("crash.trials", DEFAULT_TRIALS);
        System.out.println(
                "CrashConsistencyIT: seed " + seed + " (replay with -Dcrash.seed=" + seed + "), " + trials + " trials");
        Random random = new Random(seed);
        long started = System.nanoTime();

        try (StandInKubernetesApi k8s = AgentFiles.cluster(dir);
                LoadMasterSimulator lm = AgentFiles.loadMaster(dir, VS_A, VS_B)) {
            cluster = k8s;
            loadMaster = lm;
            addHandMadeRealServers();
            stateDir = stateDirectory();
            config = writeConfig();
            jvmOptions = buildClassDataArchive();

            // The first pass, from an empty LoadMaster, is run whole and timed: it sizes the kill delays.
            Desired desired = new Desired(true, VS_A, randomPods(random, FIRST_PODS));
            publish(desired);
            Timing timing = timeOneWholeRun();
            assertTrue(
                    timing.writes() >= 100,
                    "the first pass should make at least 100 addrs calls, made " + timing.writes());
            System.out.printf(
                    "CrashConsistencyIT: first pass %d writes; %d ms to the first write, %d µs per write,"
                            + " %d ms in all%n",
                    timing.writes(),
                    ms(timing.toFirstWriteNanos()),
                    TimeUnit.NANOSECONDS.toMicros(timing.perWriteNanos()),
                    ms(timing.wholeRunNanos()));
            int runs = converge(seed, 0, desired);
            verify(seed, 0, desired, null);

            Map<KillLanding, Integer> landings = new HashMap<>();
            int restarts = runs;
            int mostRuns = runs;
            long killedRunNanos = 0;
            long restartNanos = 0;
            for (int trial = 1; trial <= trials; trial++) {
                trialOutput.clear();
                Desired before = desired;
                desired = nextForTheKilledRun(random, before);
                publish(desired);
                int writes = plannedWrites(desired);
                KillPoint point = drawKillPoint(random, timing, writes);
                long killedRunStart = System.nanoTime();
                KillLanding landing = runAndKill(point);
                killedRunNanos += System.nanoTime() - killedRunStart;
                landings.merge(landing, 1, Integer::sum);

                desired = nextAfterTheKill(random, desired);
                publish(desired);
                long restartStart = System.nanoTime();
                runs = converge(seed, trial, desired);
                restartNanos += System.nanoTime() - restartStart;
                restarts += runs;
                mostRuns = Math.max(mostRuns, runs);
                verify(
                        seed,
                        trial,
                        desired,
                        "kill " + point + " (" + landing + ") in a run towards " + before + " → " + "then changed to "
                                + desired);
            }

            long elapsed = System.nanoTime() - started;
            System.out.printf(
                    "CrashConsistencyIT: seed %d, %d trials in %d s: kills landed %d mid-apply,"
                            + " %d before the first write, %d after the apply; %d runs ended before the kill;"
                            + " %d restarts in all (at most %d for one trial); %d s in killed runs, %d s in restarts%n",
                    seed,
                    trials,
                    TimeUnit.NANOSECONDS.toSeconds(elapsed),
                    landings.getOrDefault(KillLanding.MID_APPLY, 0),
                    landings.getOrDefault(KillLanding.BEFORE_THE_FIRST_WRITE, 0),
                    landings.getOrDefault(KillLanding.AFTER_THE_APPLY, 0),
                    landings.getOrDefault(KillLanding.NOT_KILLED, 0),
                    restarts,
                    mostRuns,
                    TimeUnit.NANOSECONDS.toSeconds(killedRunNanos),
                    TimeUnit.NANOSECONDS.toSeconds(restartNanos));
            assertTrue(
                    landings.getOrDefault(KillLanding.MID_APPLY, 0) >= trials / 2,
                    "most kills should land in the middle of an apply; landings " + landings + " (seed " + seed + ")");
        } finally {
            if (stateDir != null && !stateDir.startsWith(dir)) {
                ScratchDirectory.deleteQuietly(stateDir);
            }
        }
    }

    // ---- the world: the stand-ins, the agent's files

    private void addHandMadeRealServers() {
        SimulatedLoadMaster engine = loadMaster.engine();
        // One shares its address with a pod the Service may have: the agent must still never touch it.
        handMade.put(
                VS_A,
                List.of(
                        engine.addRealServerByHand(VS_A, "192.168.50.10", 8080, true, 1000),
                        engine.addRealServerByHand(VS_A, "192.168.50.11", 9090, false, 7),
                        engine.addRealServerByHand(VS_A, podIp(5), POD_PORT, true, 300)));
        handMade.put(VS_B, List.of(engine.addRealServerByHand(VS_B, "192.168.60.20", 8080, true, 500)));
    }

    /**
     * The ledger's directory: on tmpfs when there is one. SIGKILL ends the process, not the machine, so
     * the page cache survives it and the ledger's fsyncs (which guard against power loss) are not what
     * this test exercises; on a disk each costs several milliseconds, and the test writes the ledger
     * thousands of times. The write-then-rename, which is what a kill can interrupt, is the same on tmpfs.
     */
    private Path stateDirectory() throws IOException {
        Path tmpfs = Path.of("/dev/shm");
        if (Files.isDirectory(tmpfs) && Files.isWritable(tmpfs)) {
            return Files.createTempDirectory(tmpfs, "kube-lm-agent-crash-test-");
        }
        return dir.resolve("state");
    }

    /**
     * agent.yaml as the demo writes it (passes every second), with {@link #stateDir}, two-step removal
     * (disable at the first read that misses an endpoint, delete at the second, one interval later) and the
     * capacity guard off: the test moves and unlabels the Service, which takes every Real Server out at once,
     * and the guard is not what it is about.
     */
    private Path writeConfig() throws IOException, ConfigException {
        Path file = Demo.writeConfig(dir, cluster, loadMaster, AgentFiles.KUBE_TOKEN, AgentFiles.API_KEY);
        String demo = Files.readString(file);
        Files.writeString(
                file,
                demo.replace("stateDir: " + dir.resolve("state"), "stateDir: " + stateDir)
                        + "  removalConfirmations: 2\n  maxRemovalFraction: 1.0\n");
        ConfigLoader.load(file); // fails the test at once if the file is not valid
        return file;
    }

    /**
     * The agent JVM starts many times; a class-data archive made by one dry run (which loads the HTTP, TLS
     * and YAML classes and changes nothing) saves a good part of each start. Without it the runs still work.
     */
    private List<String> buildClassDataArchive() throws Exception {
        List<String> fast = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");
        Path archive = dir.resolve("agent.jsa");
        List<String> dump = new ArrayList<>(fast);
        dump.add("-XX:ArchiveClassesAtExit=" + archive);
        AgentProcess dryRun = AgentProcess.start(config, dump, "--once", "--dry-run");
        dryRun.awaitExit(RUN_TIMEOUT_SECONDS);
        if (!Files.isRegularFile(archive)) {
            return fast;
        }
        List<String> withArchive = new ArrayList<>(fast);
        withArchive.add("-XX:SharedArchiveFile=" + archive);
        return withArchive;
    }

    private void publish(Desired desired) {
        Map<String, String> labels =
                desired.labelled() ? Map.of("kempLB", "Enabled", "app", NAME) : Map.of("app", NAME);
        cluster.service(
                NAMESPACE,
                NAME,
                labels,
                Map.of("vsid", String.valueOf(desired.vs())),
                List.of(StandInKubernetesApi.Port.tcp("http", 80, POD_PORT)));
        cluster.scale(NAMESPACE, NAME, desired.podIps().toArray(String[]::new));
    }

    // ---- random desired states

    private static String podIp(int i) {
        return "10.244." + (i / 200) + "." + (10 + i % 200);
    }

    private static SortedSet<String> randomPods(Random random, int count) {
        List<Integer> pool = new ArrayList<>();
        for (int i = 0; i < POD_POOL; i++) {
            pool.add(i);
        }
        Collections.shuffle(pool, random);
        SortedSet<String> pods = new TreeSet<>();
        pool.subList(0, count).forEach(i -> pods.add(podIp(i)));
        return pods;
    }

    private static SortedSet<String> randomPods(Random random) {
        return randomPods(random, MIN_PODS + random.nextInt(MAX_PODS - MIN_PODS + 1));
    }

    private static int otherVs(int vs) {
        return vs == VS_A ? VS_B : VS_A;
    }

    /** Before the run that is killed: a big change, so the run has a large apply to be killed in. */
    private static Desired nextForTheKilledRun(Random random, Desired current) {
        if (!current.labelled()) {
            return new Desired(true, random.nextBoolean() ? VS_A : VS_B, randomPods(random));
        }
        if (random.nextInt(100) < 20) {
            return new Desired(true, otherVs(current.vs()), randomPods(random));
        }
        return new Desired(true, current.vs(), randomPods(random));
    }

    /** Between the kill and the restart: whatever Kubernetes may do meanwhile, orphans included. */
    private static Desired nextAfterTheKill(Random random, Desired current) {
        int roll = random.nextInt(100);
        if (roll < 20) {
            return current; // nothing changed while the agent was down
        }
        if (roll < 35) {
            return new Desired(false, current.vs(), current.podIps()); // unlabelled
        }
        if (roll < 55) {
            return new Desired(true, otherVs(current.vs()), randomPods(random));
        }
        return new Desired(true, current.vs(), randomPods(random));
    }

    // ---- runs

    /** The writes a pass would make now: adds, plus removals (or the first step of one) of the agent's RS. */
    private int plannedWrites(Desired desired) {
        int writes = 0;
        for (int vs : List.of(VS_A, VS_B)) {
            SortedSet<String> wanted = desired.realServersOn(vs);
            SortedSet<String> present = new TreeSet<>(AgentFiles.realServers(loadMaster, vs));
            for (String rs : wanted) {
                writes += present.contains(rs) ? 0 : 1;
            }
            for (String rs : present) {
                writes += wanted.contains(rs) || isHandMade(vs, rs) ? 0 : 1;
            }
        }
        return writes;
    }

    private boolean isHandMade(int vs, String rs) {
        return handMade.getOrDefault(vs, List.of()).stream().anyMatch(h -> (h.addr() + ":" + h.port()).equals(rs));
    }

    /**
     * One kill in ten lands at start-up or while reading (before any write), one in ten just after the
     * last planned write (while the ledger is updated, the summary written, the JVM exiting), and the
     * rest after a uniformly drawn write, plus up to one write's time, so they fall on every part of
     * a write: the ledger record, the request, the response.
     */
    private static KillPoint drawKillPoint(Random random, Timing timing, int plannedWrites) {
        int roll = random.nextInt(10);
        if (roll == 0 || plannedWrites == 0) {
            return new KillPoint(0, (long) (random.nextDouble() * timing.toFirstWriteNanos() * 1.1));
        }
        if (roll == 1) {
            return new KillPoint(plannedWrites, (long) (random.nextDouble() * 4 * timing.perWriteNanos()));
        }
        return new KillPoint(1 + random.nextInt(plannedWrites), (long) (random.nextDouble() * timing.perWriteNanos()));
    }

    private int writesSoFar() {
        Map<String, Integer> calls = loadMaster.engine().calls();
        return calls.getOrDefault("addrs", 0) + calls.getOrDefault("delrs", 0) + calls.getOrDefault("modrs", 0);
    }

    /** Runs the agent to its end, watching the LoadMaster's write count to time the first pass. */
    private Timing timeOneWholeRun() throws Exception {
        int base = writesSoFar();
        long start = System.nanoTime();
        long firstWrite = -1;
        long lastWrite = -1;
        AgentProcess agent = AgentProcess.start(config, jvmOptions, "--once");
        while (agent.isAlive()) {
            int writes = writesSoFar() - base;
            long now = System.nanoTime();
            if (writes > 0 && firstWrite < 0) {
                firstWrite = now;
            }
            if (writes > 0) {
                lastWrite = now;
            }
            LockSupport.parkNanos(50_000);
        }
        agent.awaitExit(RUN_TIMEOUT_SECONDS);
        long end = System.nanoTime();
        int writes = writesSoFar() - base;
        assertTrue(writes > 1, "the first pass made " + writes + " write(s); output: " + agent.lines());
        return new Timing(firstWrite - start, (lastWrite - firstWrite) / (writes - 1), writes, end - start);
    }

    private KillLanding runAndKill(KillPoint point) throws Exception {
        int base = writesSoFar();
        AgentProcess agent = AgentProcess.start(config, jvmOptions, "--once");
        while (agent.isAlive() && writesSoFar() - base < point.afterWrites()) {
            LockSupport.parkNanos(20_000);
        }
        LockSupport.parkNanos(point.delayNanos());
        agent.kill();
        int status = agent.awaitExit(RUN_TIMEOUT_SECONDS);
        agent.lines().forEach(line -> trialOutput.add("[killed run] " + line));
        if (status != SIGKILL_EXIT_STATUS) {
            return KillLanding.NOT_KILLED;
        }
        if (writesSoFar() == base) {
            return KillLanding.BEFORE_THE_FIRST_WRITE;
        }
        return agent.summary().isPresent() ? KillLanding.AFTER_THE_APPLY : KillLanding.MID_APPLY;
    }

    /**
     * Restarts the agent {@code --once} until it changes nothing {@value #QUIET_RUNS_FOR_CONVERGENCE} times
     * in a row; answers how many runs that took. The restarts run in this JVM through {@link Main#run}:
     * each opens the ledger and the connections afresh, exactly as a new process does, without the
     * JVM's start-up; only the killed run needs a process of its own.
     */
    private int converge(long seed, int trial, Desired desired) {
        int quiet = 0;
        List<String> outputs = new ArrayList<>();
        for (int run = 1; run <= MAX_RUNS_TO_CONVERGE; run++) {
            awaitConfirmationGap();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int status = Main.run(
                    List.of("--config", config.toString(), "--once"),
                    new PrintStream(bytes, true, StandardCharsets.UTF_8));
            List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
            String prefix = "[restart " + run + "] ";
            lines.forEach(line -> trialOutput.add(prefix + line));
            outputs.add("run " + run + " (exit " + status + "):\n    " + String.join("\n    ", lines));
            boolean changedNothing = AgentProcess.summary(lines)
                    .map(AgentProcess.PassSummary::changedNothing)
                    .orElse(false);
            quiet = changedNothing ? quiet + 1 : 0;
            if (quiet == QUIET_RUNS_FOR_CONVERGENCE) {
                return run;
            }
        }
        fail("seed " + seed + ", trial " + trial + ": the agent did not converge in " + MAX_RUNS_TO_CONVERGE
                + " runs towards " + desired + "; " + describeLoadMaster() + "\n  " + String.join("\n  ", outputs));
        return MAX_RUNS_TO_CONVERGE;
    }

    /** A run before a disabled Real Server is one interval old cannot delete it: wait as the schedule would. */
    private void awaitConfirmationGap() {
        try {
            AgentFiles.awaitConfirmationGap(stateDir);
        } catch (IOException e) {
            fail("cannot read the ledger: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    // ---- the check

    /**
     * LoadMaster == desired ∪ hand-made, each once; hand-made ones untouched; desired ones enabled; the
     * ledger owns exactly the desired ones the agent added.
     */
    private void verify(long seed, int trial, Desired desired, String history) throws IOException {
        List<String> differences = new ArrayList<>();
        SortedSet<String> suspects = new TreeSet<>(); // the Real Servers named in the differences
        Map<VirtualServiceId, Ownership> ledger =
                FileOwnershipLedger.readOnly(stateDir).snapshot().owned();
        for (int vs : List.of(VS_A, VS_B)) {
            List<SimRealServer> present = loadMaster.engine().realServers(vs);
            Map<String, Integer> counts = new TreeMap<>();
            for (SimRealServer rs : present) {
                counts.merge(rs.addr() + ":" + rs.port(), 1, Integer::sum);
            }
            SortedSet<String> wanted = desired.realServersOn(vs);
            SortedSet<String> expected = new TreeSet<>(wanted);
            for (SimRealServer h : handMade.get(vs)) {
                expected.add(h.addr() + ":" + h.port());
            }
            SortedSet<String> missing = new TreeSet<>(expected);
            missing.removeAll(counts.keySet());
            SortedSet<String> orphans = new TreeSet<>(counts.keySet());
            orphans.removeAll(expected);
            SortedSet<String> duplicates = new TreeSet<>();
            counts.forEach((rs, n) -> {
                if (n > 1) {
                    duplicates.add(rs + " ×" + n);
                    suspects.add(rs);
                }
            });
            note(differences, vs, "missing", missing);
            note(differences, vs, "orphans (not desired, not hand-made)", orphans);
            suspects.addAll(missing);
            suspects.addAll(orphans);
            note(differences, vs, "duplicates", duplicates);
            if (present.size() != expected.size()) {
                differences.add("VS " + vs + ": " + present.size() + " Real Servers, expected " + expected.size());
            }

            SortedSet<String> changedByHand = new TreeSet<>();
            for (SimRealServer h : handMade.get(vs)) {
                SimRealServer now = present.stream()
                        .filter(rs -> rs.addr().equals(h.addr()) && rs.port() == h.port())
                        .findFirst()
                        .orElse(null);
                if (now != null && !now.equals(h)) {
                    changedByHand.add("was " + h + ", is " + now);
                    suspects.add(h.addr() + ":" + h.port());
                }
            }
            note(differences, vs, "hand-made Real Servers changed", changedByHand);

            SortedSet<String> disabled = new TreeSet<>();
            for (SimRealServer rs : present) {
                String key = rs.addr() + ":" + rs.port();
                if (wanted.contains(key) && !isHandMade(vs, key) && !rs.enabled()) {
                    disabled.add(key);
                }
            }
            note(differences, vs, "desired but disabled", disabled);
            suspects.addAll(disabled);

            SortedSet<String> owned = new TreeSet<>();
            Ownership ownership = ledger.get(VirtualServiceId.of(vs));
            if (ownership != null) {
                for (Member m : ownership.members()) {
                    owned.add(m.ip() + ":" + m.port());
                }
            }
            SortedSet<String> shouldOwn = new TreeSet<>(wanted);
            shouldOwn.removeIf(rs -> isHandMade(vs, rs));
            if (!owned.equals(shouldOwn)) {
                SortedSet<String> extra = new TreeSet<>(owned);
                extra.removeAll(shouldOwn);
                SortedSet<String> lacking = new TreeSet<>(shouldOwn);
                lacking.removeAll(owned);
                note(differences, vs, "in the ledger but not the agent's to own", extra);
                note(differences, vs, "added by the agent but not in the ledger", lacking);
                suspects.addAll(extra);
                suspects.addAll(lacking);
            }
        }
        if (!differences.isEmpty()) {
            List<String> killedRun = trialOutput.stream()
                    .filter(line -> line.startsWith("[killed run]"))
                    .toList();
            List<String> about =
                    new ArrayList<>(killedRun.subList(Math.max(0, killedRun.size() - 3), killedRun.size()));
            trialOutput.stream()
                    .filter(line -> suspects.stream().anyMatch(line::contains))
                    .limit(30)
                    .forEach(about::add);
            fail("seed " + seed + ", trial " + trial + " (" + (history == null ? "first pass" : history) + "): "
                    + String.join("; ", differences) + "\nthe killed run's last lines, then every line this trial"
                    + " that names one of them:\n  " + String.join("\n  ", about));
        }
    }

    private static void note(List<String> differences, int vs, String what, SortedSet<String> rs) {
        if (!rs.isEmpty()) {
            differences.add("VS " + vs + ": " + rs.size() + " " + what + " " + rs);
        }
    }

    private String describeLoadMaster() {
        StringBuilder s = new StringBuilder("the LoadMaster holds");
        for (int vs : List.of(VS_A, VS_B)) {
            s.append(" VS ").append(vs).append(": ").append(AgentFiles.realServers(loadMaster, vs));
        }
        return s.toString();
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
