package kubelmagent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorCliIT {

    @Test
    void parsesTheOptions(@TempDir Path dir) throws Exception {
        Path key = Files.writeString(dir.resolve("key"), "k3y\n");
        SimulatorCli.Arguments a = SimulatorCli.parse(new String[] {
            "--port",
            "0",
            "--http",
            "--state",
            "sim.json",
            "--apikey-file",
            key.toString(),
            "--ca-out",
            "ca.crt",
            "--debug",
            "--nonlocalrs",
            "on"
        });
        assertEquals(0, a.options().port());
        assertFalse(a.options().https());
        assertEquals("k3y", a.options().apiKey());
        assertEquals(Path.of("sim.json"), a.options().stateFile());
        assertEquals(Path.of("ca.crt"), a.caOut());
        assertTrue(a.debug());
        assertEquals(Boolean.TRUE, a.options().nonLocalRs());
        assertEquals(
                Boolean.FALSE,
                SimulatorCli.parse(new String[] {"--nonlocalrs", "off"})
                        .options()
                        .nonLocalRs());

        SimulatorCli.Arguments defaults = SimulatorCli.parse(new String[0]);
        assertEquals(8443, defaults.options().port());
        assertTrue(defaults.options().https());
        assertNull(defaults.options().apiKey());
        assertNull(defaults.options().nonLocalRs(), "as the state file says, else off");

        Path pw = Files.writeString(dir.resolve("pw"), "s3cret\n");
        SimulatorCli.Arguments basic =
                SimulatorCli.parse(new String[] {"--user", "bal", "--password-file", pw.toString()});
        assertEquals(
                List.of("bal", "s3cret"),
                List.of(basic.options().username(), basic.options().password()));
    }

    @Test
    void refusesWrongOptions(@TempDir Path dir) throws Exception {
        assertUsage("--port needs a number 0..65535 (got \"x\")", "--port", "x");
        assertUsage("--port needs a value", "--port");
        assertUsage("unknown option \"--verbose\"", "--verbose");
        assertUsage("--user and --password-file go together", "--user", "bal");
        assertUsage("--nonlocalrs needs on or off (got \"maybe\")", "--nonlocalrs", "maybe");
        assertUsage("--nonlocalrs needs a value", "--nonlocalrs");
        assertUsage("--log-format takes journal or text", "--log-format", "xml");
        assertTrue(SimulatorCli.USAGE_TEXT.contains("  --nonlocalrs on|off   start with"), SimulatorCli.USAGE_TEXT);
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertUsage(empty + " is empty", "--apikey-file", empty.toString());
        assertUsage(
                "cannot read " + dir.resolve("none") + ": No such file or directory",
                "--apikey-file",
                dir.resolve("none").toString());
    }

    /** The program in its own JVM: ready line, requests, SIGTERM, state written on the way out. */
    @Test
    void runsUntilSigtermAndSavesItsState(@TempDir Path dir) throws Exception {
        Path key = Files.writeString(dir.resolve("key"), "k3y\n");
        Path state = dir.resolve("sim.json");
        Files.writeString(state, "{\"virtualServices\": [{\"index\": 1, \"address\": \"10.0.0.100\", \"port\": 80}]}");
        Path ca = dir.resolve("out/ca.crt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        LoadMasterSimulator.class.getName(),
                        "--port",
                        "0",
                        "--state",
                        state.toString(),
                        "--nonlocalrs",
                        "on",
                        "--apikey-file",
                        key.toString(),
                        "--ca-out",
                        ca.toString(),
                        "--work-dir",
                        dir.resolve("work").toString())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            Matcher m = Pattern.compile("LoadMaster simulator ready: url=(\\S+) caFile=(\\S+)")
                    .matcher(String.valueOf(line));
            assertTrue(m.matches(), line + "\n" + Files.readString(dir.resolve("stderr.txt")));
            assertEquals(ca.toString(), m.group(2));
            SimulatorHttp http = new SimulatorHttp(URI.create(m.group(1)), ca);
            assertEquals(
                    200,
                    http.get("/access/addrs?vs=1&rs=10.0.0.7&rsport=8080&apikey=k3y")
                            .status());
            assertEquals(
                    200,
                    http.post(
                                    "/access/addrs",
                                    "application/x-www-form-urlencoded",
                                    "vs=1&rs=10.244.1.7&rsport=8080&non_local=1&apikey=k3y")
                            .status(),
                    "--nonlocalrs on");
            assertEquals(401, http.get("/access/listvs").status());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stops on SIGTERM");
        } finally {
            p.destroyForcibly();
        }
        SimulatedLoadMaster saved = new SimulatedLoadMaster();
        StateFile.load(saved, state);
        assertEquals(
                List.of("10.0.0.7", "10.244.1.7"),
                saved.realServers(1).stream().map(SimRealServer::addr).toList());
        assertTrue(saved.nonLocalRs());
        assertTrue(Files.readString(state).contains("\"addrs\": 2"), "calls are saved too");
        assertTrue(
                Files.readString(dir.resolve("stderr.txt")).contains("LoadMaster simulator on https://127.0.0.1:"),
                Files.readString(dir.resolve("stderr.txt")));
    }

    @Test
    void exitsWith1WhenItCannotStart(@TempDir Path dir) throws Exception {
        Path state = Files.writeString(dir.resolve("sim.json"), "not json");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream errStream = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        java.util.logging.Handler[] before = root.getHandlers();
        java.util.logging.Level level = root.getLevel();
        java.util.logging.Logger agent = java.util.logging.Logger.getLogger("kubelmagent");
        java.util.logging.Level agentLevel = agent.getLevel();
        try {
            assertEquals(
                    SimulatorCli.FAILED,
                    SimulatorCli.run(
                            new String[] {"--http", "--port", "0", "--state", state.toString()},
                            System.out,
                            errStream));
        } finally {
            for (java.util.logging.Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            for (java.util.logging.Handler h : before) {
                root.addHandler(h);
            }
            root.setLevel(level);
            agent.setLevel(agentLevel);
        }
        assertTrue(
                err.toString(StandardCharsets.UTF_8)
                        .contains("LoadMaster simulator cannot start: " + state + ": not a simulator state"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(SimulatorCli.USAGE, SimulatorCli.run(new String[] {"--nope"}, System.out, errStream));
    }

    @Test
    void answersHelpWithItsUsageAndExitZeroAndAnUnknownOptionWithTheUsageAndExit64() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        assertEquals(
                0,
                SimulatorCli.run(
                        new String[] {"--help"},
                        new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                        new java.io.PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals(SimulatorCli.USAGE_TEXT, out.toString(StandardCharsets.UTF_8));
        assertTrue(
                SimulatorCli.USAGE_TEXT.startsWith(
                        "usage: java -cp kube-lm-agent.jar" + " kubelmagent.simulator.LoadMasterSimulator [options]\n"),
                SimulatorCli.USAGE_TEXT);
        assertEquals("", err.toString(StandardCharsets.UTF_8));

        out.reset();
        assertEquals(
                64,
                SimulatorCli.run(
                        new String[] {"--frobnicate"},
                        new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                        new java.io.PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals(
                "LoadMasterSimulator: unknown option \"--frobnicate\"\n\n" + SimulatorCli.USAGE_TEXT,
                err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    private static void assertUsage(String message, String... args) {
        assertEquals(
                message,
                assertThrows(SimulatorCli.UsageException.class, () -> SimulatorCli.parse(args))
                        .getMessage());
    }
}
