package kubelmagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import kubelmagent.config.ConfigLoader;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.model.PassResult;
import kubelmagent.simulator.LoadMasterSimulator;
import kubelmagent.simulator.SimRealServer;
import kubelmagent.sync.StartedBy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail-static, fault by fault: the agent (its real clients, ledger and default safety rules) runs passes
 * while one side breaks in one way, then after the fault clears. Every pass under the fault must leave
 * every wanted Real Server in place and in service, make no duplicate, and log few err lines (one per
 * cause, not one per Service); once the fault clears, the agent must converge. The matrix is printed.
 */
class FaultMatrixIT {

    static final String HAND_MADE = "10.0.5.5:8080";
    static final int PASSES_UNDER_FAULT = 2;
    static final Map<String, String> MATRIX = new LinkedHashMap<>();

    @TempDir
    Path dir;

    record Outcome(
            int passes, int wrongRemovals, int duplicates, int maxErrLines, int passesToConverge, String firstErr) {}

    @Test
    void everyKubernetesFaultIsFailStatic() throws Exception {
        for (FaultyFront.Fault f : List.of(
                FaultyFront.Fault.UNREACHABLE,
                FaultyFront.Fault.SLOW,
                FaultyFront.Fault.UNAUTHORIZED,
                FaultyFront.Fault.FORBIDDEN,
                FaultyFront.Fault.STALE_CONTINUE,
                FaultyFront.Fault.SERVER_ERROR,
                FaultyFront.Fault.TRUNCATED,
                FaultyFront.Fault.INVALID,
                FaultyFront.Fault.EOF_IN_BODY)) {
            check("Kubernetes", f);
        }
    }

    @Test
    void everyLoadMasterFaultIsFailStatic() throws Exception {
        for (FaultyFront.Fault f : List.of(
                FaultyFront.Fault.UNREACHABLE,
                FaultyFront.Fault.SLOW,
                FaultyFront.Fault.UNAUTHORIZED,
                FaultyFront.Fault.SERVER_ERROR,
                FaultyFront.Fault.TRUNCATED,
                FaultyFront.Fault.INVALID,
                FaultyFront.Fault.EOF_IN_BODY,
                FaultyFront.Fault.EOF_AFTER_WRITE)) {
            check("LoadMaster", f);
        }
    }

    private void check(String side, FaultyFront.Fault fault) throws Exception {
        Path work = Files.createTempDirectory(dir, side + "-" + fault);
        Outcome o = run(work, side, fault);
        MATRIX.put(
                side + ": " + fault.label,
                String.format(
                        "%6d %8d %10d %9d %10d   %s",
                        o.passes(),
                        o.wrongRemovals(),
                        o.duplicates(),
                        o.maxErrLines(),
                        o.passesToConverge(),
                        o.firstErr()));
        String row = side + " / " + fault.label + ": " + o;
        assertEquals(0, o.wrongRemovals(), row);
        assertEquals(0, o.duplicates(), row);
        assertTrue(o.maxErrLines() <= 2, "one err line per cause, not per Service: " + row);
        assertTrue(o.passesToConverge() > 0, "did not converge after the fault cleared: " + row);
    }

    /**
     * Two Services (web on VS 1 with 6 pods and a hand-made RS, api on VS 2 with 3 pods). Converge; then
     * web changes (pod 6 goes, pod 7 comes) while the fault is on; then the fault clears.
     */
    private Outcome run(Path work, String side, FaultyFront.Fault fault) throws Exception {
        try (StandInKubernetesApi cluster = AgentFiles.cluster(work);
                LoadMasterSimulator loadMaster = AgentFiles.loadMaster(work, 1, 2);
                FaultyFront kube = new FaultyFront(cluster.url(), cluster.caFile(), Duration.ofMillis(1500));
                FaultyFront lm = new FaultyFront(loadMaster.url(), loadMaster.caFile(), Duration.ofMillis(1500))) {
            loadMaster.engine().addRealServerByHand(1, "10.0.5.5", 8080);
            AgentFiles.service(cluster, "shop", "web", "1", pods(1, 2, 3, 4, 5, 6));
            AgentFiles.service(cluster, "shop", "api", "2", "10.244.2.1", "10.244.2.2", "10.244.2.3");
            Path config = config(work, kube, lm);
            try (Agent agent = Agent.open(ConfigLoader.load(config), false)) {
                passUntilConverged(agent, work.resolve("state"));
                Map<Integer, List<String>> wanted = Map.of(
                        1,
                        List.of(
                                HAND_MADE,
                                "10.244.1.1:8080",
                                "10.244.1.2:8080",
                                "10.244.1.3:8080",
                                "10.244.1.4:8080",
                                "10.244.1.5:8080"),
                        2,
                        List.of("10.244.2.1:8080", "10.244.2.2:8080", "10.244.2.3:8080"));
                assertEnabled(loadMaster, wanted, "before the fault");

                cluster.scale("shop", "web", pods(1, 2, 3, 4, 5, 7));
                (side.equals("Kubernetes") ? kube : lm).set(fault);
                int wrong = 0;
                int duplicates = 0;
                int maxErr = 0;
                String firstErr = "";
                for (int i = 0; i < PASSES_UNDER_FAULT; i++) {
                    List<String> errs = errLinesOf(() -> agent.reconciler.runOnce(StartedBy.TIMER));
                    maxErr = Math.max(maxErr, errs.size());
                    if (firstErr.isEmpty() && !errs.isEmpty()) {
                        firstErr = errs.get(0).length() > 110 ? errs.get(0).substring(0, 110) + "…" : errs.get(0);
                    }
                    wrong += missingOrDisabled(loadMaster, wanted);
                    duplicates += duplicates(loadMaster);
                }
                (side.equals("Kubernetes") ? kube : lm).set(FaultyFront.Fault.NONE);
                int converged = passUntilConverged(agent, work.resolve("state"));
                Map<Integer, List<String>> end = Map.of(
                        1,
                        List.of(
                                HAND_MADE,
                                "10.244.1.1:8080",
                                "10.244.1.2:8080",
                                "10.244.1.3:8080",
                                "10.244.1.4:8080",
                                "10.244.1.5:8080",
                                "10.244.1.7:8080"),
                        2,
                        wanted.get(2));
                for (var vs : end.entrySet()) {
                    assertEquals(
                            vs.getValue().stream().sorted().toList(),
                            AgentFiles.realServers(loadMaster, vs.getKey()),
                            side + " / " + fault.label + ": VS " + vs.getKey() + " after recovery");
                }
                assertEnabled(loadMaster, end, side + " / " + fault.label + " after recovery");
                return new Outcome(
                        PASSES_UNDER_FAULT, wrong, duplicates + duplicates(loadMaster), maxErr, converged, firstErr);
            }
        }
    }

    /**
     * Passes until one changes nothing and has no problem; returns how many it took (0: never, in 6). Each
     * pass comes no sooner than the schedule's would after a disable (one interval), or it could not delete.
     */
    private static int passUntilConverged(Agent agent, Path stateDir) throws Exception {
        for (int i = 1; i <= 6; i++) {
            AgentFiles.awaitConfirmationGap(stateDir);
            PassResult r = agent.reconciler.runOnce(StartedBy.TIMER);
            if (r.converged() && r.planned() == 0) {
                return i;
            }
        }
        return 0;
    }

    private static List<String> errLinesOf(Runnable pass) {
        List<String> errs = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    errs.add(r.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger.getLogger("kubelmagent").addHandler(capture);
        try {
            pass.run();
        } finally {
            Logger.getLogger("kubelmagent").removeHandler(capture);
        }
        return errs;
    }

    private static int missingOrDisabled(LoadMasterSimulator lm, Map<Integer, List<String>> wanted) {
        int n = 0;
        for (var vs : wanted.entrySet()) {
            Map<String, Boolean> enabled = new TreeMap<>();
            for (SimRealServer rs : lm.engine().realServers(vs.getKey())) {
                enabled.put(rs.addr() + ":" + rs.port(), rs.enabled());
            }
            for (String rs : vs.getValue()) {
                if (!Boolean.TRUE.equals(enabled.get(rs))) {
                    n++;
                }
            }
        }
        return n;
    }

    private static void assertEnabled(LoadMasterSimulator lm, Map<Integer, List<String>> wanted, String when) {
        assertEquals(0, missingOrDisabled(lm, wanted), when + ": a wanted Real Server is missing or disabled");
    }

    private static int duplicates(LoadMasterSimulator lm) {
        int n = 0;
        for (int vs : List.of(1, 2)) {
            List<String> all = lm.engine().realServers(vs).stream()
                    .map(rs -> rs.addr() + ":" + rs.port())
                    .toList();
            n += all.size() - (int) all.stream().distinct().count();
        }
        return n;
    }

    private static String[] pods(int... n) {
        String[] ips = new String[n.length];
        for (int i = 0; i < n.length; i++) {
            ips[i] = "10.244.1." + n[i];
        }
        return ips;
    }

    private static Path config(Path work, FaultyFront kube, FaultyFront lm) throws Exception {
        Path ca = FaultyFront.caFile(work);
        Files.writeString(work.resolve("token"), AgentFiles.KUBE_TOKEN + "\n");
        Files.writeString(work.resolve("lm-apikey"), AgentFiles.API_KEY + "\n");
        Path config = work.resolve("agent.yaml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "kubernetes:",
                        "  server: " + kube.url(),
                        "  tokenFile: token",
                        "  caFile: " + ca,
                        "  timeout: 1s",
                        "loadmaster:",
                        "  url: " + lm.url(),
                        "  apiKeyFile: lm-apikey",
                        "  caFile: " + ca,
                        "  timeout: 1s",
                        "sync:",
                        "  interval: " + Demo.INTERVAL.toSeconds() + "s",
                        "  stateDir: " + work.resolve("state"),
                        ""));
        return config;
    }

    @AfterAll
    static void printTheMatrix() {
        System.out.println();
        System.out.println(String.format(
                "%-58s %6s %8s %10s %9s %10s   %s",
                "fault", "passes", "removed", "duplicates", "err/pass", "converged", "first err line under the fault"));
        MATRIX.forEach((fault, row) -> System.out.println(String.format("%-58s %s", fault, row)));
        System.out.println("(removed = wanted Real Servers missing or disabled after a pass under the fault, summed;"
                + " converged = passes after the fault cleared)");
        System.out.println(MATRIX.entrySet().stream()
                .map(Map.Entry::getKey)
                .collect(Collectors.joining(", ", MATRIX.size() + " faults: ", "")));
    }
}
