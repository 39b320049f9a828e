package kubelmagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.simulator.LoadMasterSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as an operator runs it: {@code --config agent.yaml --once}, over verified TLS, against
 * the stand-in Kubernetes API server and a fake LoadMaster.
 */
class MainIT {

    @TempDir
    Path dir;

    StandInKubernetesApi cluster;
    LoadMasterSimulator loadMaster;
    Path config;

    @BeforeEach
    void setUp() throws IOException {
        cluster = AgentFiles.cluster(dir);
        loadMaster = AgentFiles.loadMaster(dir, 3, 4);
        config = AgentFiles.write(dir, cluster, loadMaster);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        loadMaster.close();
    }

    Run run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = Main.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    record Run(int code, List<String> lines) {
        boolean has(String line) {
            return lines.contains(line);
        }
    }

    @Test
    void addsTheReadyPodsOfALabelledServiceInOnePass() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7", "10.244.1.8");
        Run r = run("--config", config.toString(), "--once");
        assertEquals(0, r.code(), String.join("\n", r.lines()));
        assertEquals(List.of("10.244.1.7:8080", "10.244.1.8:8080"), AgentFiles.realServers(loadMaster, 3));
        assertEquals(2, loadMaster.engine().calls("addrs"));
        assertEquals(0, loadMaster.engine().calls("delrs"));
        assertTrue(
                r.has("<5>[pass #1] added RS 10.244.1.7:8080 to VS 3 (shop/web)"),
                r.lines().toString());
        assertTrue(
                r.lines()
                        .get(0)
                        .startsWith("<6>kube-lm-agent dev starting with " + config + ": Kubernetes "
                                + cluster.url() + " (namespaces: all), LoadMaster " + loadMaster.url()
                                + " (API key), selector"
                                + " kempLB=Enabled with annotation vsid, passes every 1s, watch on, state in "),
                r.lines().get(0));
    }

    @Test
    void scalesDownOnALaterRunAndLeavesOtherVirtualServicesAlone() throws Exception {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7", "10.244.1.8", "10.244.1.9");
        assertEquals(0, run("--config", config.toString(), "--once").code());
        cluster.scale("shop", "web", "10.244.1.9");
        Run disabling = run("--config", config.toString(), "--once");
        assertEquals(0, disabling.code());
        assertEquals(
                List.of("10.244.1.7:8080", "10.244.1.8:8080", "10.244.1.9:8080"),
                AgentFiles.realServers(loadMaster, 3),
                "the first run only disables");
        assertEquals(
                List.of(false, false, true),
                loadMaster.engine().realServers(3).stream()
                        .sorted(java.util.Comparator.comparing(rs -> rs.addr()))
                        .map(rs -> rs.enabled())
                        .toList());
        AgentFiles.awaitConfirmationGap(dir.resolve("state"));
        Run r = run("--config", config.toString(), "--once");
        assertEquals(0, r.code());
        assertEquals(List.of("10.244.1.9:8080"), AgentFiles.realServers(loadMaster, 3));
        assertEquals(List.of(), AgentFiles.realServers(loadMaster, 4));
        assertEquals(3, loadMaster.engine().calls("listvs"), "the LoadMaster was read once per run");
        assertEquals(0, loadMaster.engine().calls("showvs"), "with listvs, not VS by VS");
    }

    @Test
    void removesNothingAndExitsOneWhenTheServiceListFails() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7", "10.244.1.8");
        run("--config", config.toString(), "--once");
        cluster.failNext("/api/v1/services", 3, 500); // every try of the pass: reads are retried
        Run r = run("--config", config.toString(), "--once");
        assertEquals(1, r.code());
        assertEquals(List.of("10.244.1.7:8080", "10.244.1.8:8080"), AgentFiles.realServers(loadMaster, 3));
        assertEquals(0, loadMaster.engine().calls("delrs"));
        assertTrue(
                r.lines().stream().anyMatch(l -> l.startsWith("<3>[pass #1] Kubernetes API answered 500")),
                r.lines().toString());
    }

    @Test
    void previewsWithoutChangingAnythingInADryRun() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
        Run r = run("--config", config.toString(), "--once", "--dry-run");
        assertEquals(0, r.code());
        assertEquals(List.of(), AgentFiles.realServers(loadMaster, 3));
        assertEquals(0, loadMaster.engine().calls("addrs"));
        assertTrue(
                r.has("<5>[pass #1] dry run: would add RS 10.244.1.7:8080 to VS 3 (shop/web)"),
                r.lines().toString());
        assertFalse(Files.exists(dir.resolve("state").resolve("owned-real-servers.json")));
    }

    @Test
    void neverLogsTheTokenOrTheApiKey() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
        AgentFiles.service(cluster, "shop", "bad", "x");
        List<String> all = new ArrayList<>(
                run("--config", config.toString(), "--once", "--debug").lines());
        cluster.failNext("/api/v1/services", 1, 401);
        all.addAll(run("--config", config.toString(), "--once", "--debug").lines());
        loadMaster.close();
        all.addAll(run("--config", config.toString(), "--once", "--debug").lines());
        String text = String.join("\n", all);
        assertTrue(text.contains("<7>"), "debug lines were on");
        assertFalse(text.contains(AgentFiles.KUBE_TOKEN), text);
        assertFalse(text.contains(AgentFiles.API_KEY), text);
    }

    @Test
    void checksTheConfigurationAndListsEveryProblem() throws IOException {
        assertEquals(0, run("--config", config.toString(), "--check-config").code());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(
                bad,
                "kubernetes:\n  server: http://k8s\n  tokenFile: token\nloadmaster:\n  url: ftp://x\n"
                        + "  apiKeyFile: lm-apikey\n  colour: blue\n");
        Run r = run("--config", bad.toString(), "--check-config");
        assertEquals(78, r.code());
        assertTrue(
                r.has("<3>" + bad + ": kubernetes.server: must be an https URL (got \"http://k8s\")"),
                r.lines().toString());
        assertTrue(
                r.has("<3>" + bad + ": loadmaster.url: must be an https URL (got \"ftp://x\")"),
                r.lines().toString());
        assertTrue(
                r.lines().stream().anyMatch(l -> l.startsWith("<3>" + bad + ": loadmaster.colour: unknown key")),
                r.lines().toString());
        assertEquals(78, run("--config", bad.toString(), "--once").code(), "the agent refuses to start too");
    }

    @Test
    void warnsAtEveryStartWhenEndpointAddressesAreNotChecked() throws IOException {
        assertTrue(
                run("--config", config.toString(), "--check-config").lines().stream()
                        .noneMatch(l -> l.contains("kubernetes.podCidrs")),
                "the demo's configuration sets them");
        Files.writeString(config, Files.readString(config).replace("  podCidrs: [10.244.0.0/16]\n", ""));
        Run r = run("--config", config.toString(), "--check-config");
        assertEquals(0, r.code(), r.lines().toString());
        assertTrue(
                r.has("<4>no pod networks (kubernetes.podCidrs in agent.yaml): endpoint addresses are not checked,"
                        + " so whoever can write an EndpointSlice, or the Endpoints of a Service without selector, can make any"
                        + " address the LoadMaster reaches a Real Server; set kubernetes.podCidrs to the cluster's pod"
                        + " networks"),
                r.lines().toString());
    }

    @Test
    void warnsAtEveryStartWhenTlsVerificationIsOff() throws IOException {
        Files.writeString(
                config,
                Files.readString(config)
                        .replace(
                                "  caFile: " + cluster.caFile() + "\n  podCidrs:",
                                "  insecureSkipTlsVerify: true\n  podCidrs:"));
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
        Run r = run("--config", config.toString(), "--once");
        assertEquals(0, r.code(), r.lines().toString());
        assertTrue(
                r.lines().stream()
                        .anyMatch(l -> l.startsWith(
                                "<4>TLS verification towards the Kubernetes API " + cluster.url() + " is OFF")),
                r.lines().toString());
    }

    @Test
    void answersVersionHelpAndUsageErrors() {
        Run version = run("--version");
        assertEquals(0, version.code());
        assertTrue(
                version.lines().get(0).startsWith("kube-lm-agent "),
                version.lines().toString());
        assertEquals(0, run("--help").code());
        Run usage = run("--once");
        assertEquals(64, usage.code());
        assertEquals("kube-lm-agent: --config FILE is required", usage.lines().get(0));
        assertEquals(64, run("--config").code());
        assertEquals(64, run("--config", "x", "--frobnicate").code());
    }

    @Test
    void runsTheDemoThroughTheRealClientsAndLeavesTheHandMadeRealServerAlone() {
        Run r = run("--demo");
        String all = String.join("\n", r.lines());
        assertEquals(0, r.code(), all);
        assertTrue(
                r.has("<6>demo: VS 1 now has 3 Real Servers for shop/web's pods [10.244.1.11:8080, 10.244.1.12:8080,"
                        + " 10.244.1.13:8080] and 1 added by hand [10.0.5.5:8080]"),
                all);
        assertTrue(
                r.has("<6>demo: VS 1 now has 5 Real Servers for shop/web's pods [10.244.1.11:8080, 10.244.1.12:8080,"
                        + " 10.244.1.13:8080, 10.244.1.14:8080, 10.244.1.15:8080] and 1 added by hand [10.0.5.5:8080]"),
                all);
        assertTrue(
                r.has("<6>demo: VS 1 now has 2 Real Servers for shop/web's pods [10.244.1.11:8080, 10.244.1.12:8080]"
                        + " and 1 added by hand [10.0.5.5:8080]"),
                all);
        assertTrue(
                r.has("<5>[pass #3] disabled RS 10.244.1.15:8080 in VS 1 (shop/web): no longer a ready endpoint;"
                        + " removed if the next read confirms it"),
                all);
        assertTrue(
                r.lines().stream()
                        .anyMatch(l -> l.startsWith("<5>[pass #4] removed RS 10.244.1.15:8080 from VS 1"
                                + " (shop/web): no longer a ready endpoint, confirmed by 2 reads over ")),
                all);
    }

    @Test
    void previewsTheDemoWithoutChangingIt() {
        Run r = run("--demo", "--dry-run");
        String all = String.join("\n", r.lines());
        assertEquals(0, r.code(), all);
        assertTrue(r.has("<5>[pass #1] dry run: would add RS 10.244.1.11:8080 to VS 1 (shop/web)"), all);
        assertTrue(
                r.has("<6>demo: VS 1 now has 0 Real Servers for shop/web's pods [] and 1 added by hand"
                        + " [10.0.5.5:8080]"),
                all);
    }

    // --- status: the table a person reads, and that it changes nothing ---

    /** {@code kube-lm-agent status ...}: its table, after checking the exit code. */
    List<String> status(int expectedCode, String... args) {
        Run r = run(args);
        assertEquals(expectedCode, r.code(), String.join("\n", r.lines()));
        return r.lines();
    }

    @Test
    void showsEachServiceItsVirtualServiceAndWhatTheNextPassWouldDoWithoutDoingIt() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7", "10.244.1.8", "10.244.1.9");
        AgentFiles.service(cluster, "shop", "api", "4", "10.244.2.1");
        cluster.service(
                "shop",
                "broken",
                Map.of("kempLB", "Enabled"),
                Map.of("vsid", "four"),
                List.of(StandInKubernetesApi.Port.tcp("http", 80, 8080)));
        loadMaster.engine().addRealServerByHand(3, "10.0.5.5", 8080);
        assertEquals(1, run("--config", config.toString(), "--once").code()); // the broken Service makes --once exit 1
        cluster.scale("shop", "web", "10.244.1.7", "10.244.1.8", "10.244.1.10");
        loadMaster.engine().resetCalls();

        List<String> table = status(1, "status", "--config", config.toString());

        assertEquals(
                0,
                loadMaster.engine().calls("addrs")
                        + loadMaster.engine().calls("delrs")
                        + loadMaster.engine().calls("modrs"),
                "status changes nothing");
        assertEquals(
                List.of(
                        "SERVICE",
                        "VS",
                        "READY",
                        "DRAINING",
                        "ON",
                        "LM",
                        "(ENABLED)",
                        "AGENT'S",
                        "OTHER",
                        "AGENTS'",
                        "HAND-MADE",
                        "NEXT",
                        "PASS",
                        "PROBLEM"),
                List.of(table.get(0).split(" +")));
        assertEquals("shop/api 4 1 0 1 (1) 1 - 0 in step", table.get(1).replaceAll(" +", " "));
        assertTrue(
                table.get(2)
                        .replaceAll(" +", " ")
                        .startsWith("shop/broken - - - - - - - - shop/broken: annotation" + " vsid=\"four\""),
                table.get(2));
        assertEquals("shop/web 3 3 0 4 (4) 3 - 1 add 1, disable 1", table.get(3).replaceAll(" +", " "));
        assertEquals(
                "the next pass would change or report something (see NEXT PASS, PROBLEM)", table.get(table.size() - 1));
    }

    @Test
    void showsOneRowPerVirtualServiceOfAServiceBoundToSeveral() {
        cluster.service(
                        "shop",
                        "web",
                        Map.of("kempLB", "Enabled"),
                        Map.of("kube-lm-agent/vsids", "http=3,https=4,grpc=5"),
                        List.of(
                                StandInKubernetesApi.Port.tcp("http", 80, 8080),
                                StandInKubernetesApi.Port.tcp("https", 443, 8443)))
                .scale("shop", "web", "10.244.1.7", "10.244.1.8");

        assertEquals(1, run("--config", config.toString(), "--once").code(), "the binding to VS 5 is a problem");
        List<String> table = status(1, "status", "--config", config.toString());

        assertEquals(List.of("10.244.1.7:8080", "10.244.1.8:8080"), AgentFiles.realServers(loadMaster, 3));
        assertEquals(List.of("10.244.1.7:8443", "10.244.1.8:8443"), AgentFiles.realServers(loadMaster, 4));
        assertEquals("shop/web 3 2 0 2 (2) 2 - 0 in step", table.get(1).replaceAll(" +", " "));
        assertEquals("shop/web 4 2 0 2 (2) 2 - 0 in step", table.get(2).replaceAll(" +", " "));
        assertTrue(
                table.get(3)
                        .replaceAll(" +", " ")
                        .startsWith("shop/web 5 ? ? - 0 - - in step shop/web: kube-lm-agent/vsids binds VS 5 to port"
                                + " \"grpc\", which the Service does not have"),
                table.get(3));
    }

    @Test
    void showsTheRealServersThatAnotherInstanceOnThisHostAddedAsThatInstancesNotAsHandMade() throws IOException {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7", "10.244.1.8");
        Path blue = dir.resolve("blue.yaml");
        Files.writeString(
                blue,
                Files.readString(config)
                                .replace("stateDir: " + dir.resolve("state"), "stateDir: " + dir.resolve("blue"))
                        + "metrics:\n  listen: \"\"\n");
        assertEquals(0, run("--config", blue.toString(), "--once").code(), "instance blue adds the two pods");
        loadMaster.engine().addRealServerByHand(3, "10.0.5.5", 8080);

        List<String> table = status(0, "status", "--config", config.toString());

        assertEquals("shop/web 3 2 0 3 (3) 0 blue 2 1 in step", table.get(1).replaceAll(" +", " "));
    }

    @Test
    void withHaStatusNamesWhoHoldsTheLeaseAndAPassThatCannotTakeItWritesNothing() throws IOException {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
        Files.writeString(
                config, Files.readString(config) + "ha:\n  lease:\n    namespace: kube-lm-agent\n    identity: lb-1\n");

        List<String> table = status(1, "status", "--config", config.toString());
        assertEquals(
                "the Lease kube-lm-agent/kube-lm-agent is held by nobody; this host's agent is lb-1", table.get(0));
        assertEquals("shop/web 3 1 0 0 (0) 0 - 0 add 1", table.get(2).replaceAll(" +", " "));

        Run once = run("--config", config.toString(), "--once"); // the stand-in API serves no Leases
        assertEquals(1, once.code());
        assertEquals(0, loadMaster.engine().calls("addrs"));
        assertTrue(
                once.lines().stream()
                        .anyMatch(l -> l.contains("this agent does not hold the Lease kube-lm-agent/kube-lm-agent (held"
                                + " by nobody known yet (the Lease could not be read or taken)), so this pass writes"
                                + " nothing")),
                () -> String.join("\n", once.lines()));
    }

    @Test
    void exitsZeroWhenEverythingIsInStep() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
        assertEquals(0, run("--config", config.toString(), "--once").code());
        List<String> table = status(0, "status", "--config", config.toString());
        assertEquals("shop/web 3 1 0 1 (1) 1 - 0 in step", table.get(1).replaceAll(" +", " "));
        assertEquals("everything is in step", table.get(table.size() - 1));
    }

    @Test
    void namesTheServiceOfAVirtualServiceThatIsNoLongerBound() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7");
        assertEquals(0, run("--config", config.toString(), "--once").code());
        cluster.delete("shop", "web");
        List<String> table = status(1, "status", "--config", config.toString());
        assertEquals(
                "shop/web (no longer bound) 3 0 0 1 (1) 1 - 0 disable 1",
                table.get(1).replaceAll(" +", " "));
    }

    @Test
    void showsARealServerOfTheAgentThatAPersonDisabledAndTheAgentLeavesSo() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7", "10.244.1.8");
        assertEquals(0, run("--config", config.toString(), "--once").code());
        loadMaster.engine().modifyRealServerByHand(3, "10.244.1.8", 8080, false, 1000);
        List<String> table = status(0, "status", "--config", config.toString());
        assertEquals(
                "shop/web 3 2 0 2 (1) 2 (1 disabled by hand) - 0 in step",
                table.get(1).replaceAll(" +", " "));
    }

    @Test
    void printsTheSameFactsAsJsonForScripts() {
        AgentFiles.service(cluster, "shop", "web", "3", "10.244.1.7", "10.244.1.8", "10.244.1.9");
        cluster.service(
                "shop",
                "broken",
                Map.of("kempLB", "Enabled"),
                Map.of("vsid", "four"),
                List.of(StandInKubernetesApi.Port.tcp("http", 80, 8080)));
        loadMaster.engine().addRealServerByHand(3, "10.0.5.5", 8080);
        run("--config", config.toString(), "--once");
        cluster.scale("shop", "web", "10.244.1.7", "10.244.1.8", "10.244.1.10");

        List<String> lines = status(1, "status", "--config", config.toString(), "--output", "json");

        com.google.gson.JsonObject json =
                com.google.gson.JsonParser.parseString(String.join("\n", lines)).getAsJsonObject();
        assertEquals(List.of("inStep", "kubernetesReadComplete", "messages", "services"), List.copyOf(json.keySet()));
        assertFalse(json.get("inStep").getAsBoolean());
        assertTrue(json.get("kubernetesReadComplete").getAsBoolean());
        com.google.gson.JsonArray services = json.getAsJsonArray("services");
        assertEquals(2, services.size());
        com.google.gson.JsonObject broken = services.get(0).getAsJsonObject();
        assertEquals("shop/broken", broken.get("service").getAsString());
        assertTrue(broken.get("virtualService").isJsonNull());
        assertTrue(broken.get("problem").getAsString().startsWith("shop/broken: annotation vsid=\"four\""));
        com.google.gson.JsonObject web = services.get(1).getAsJsonObject();
        assertEquals(
                List.of(
                        "service",
                        "noLongerBound",
                        "virtualService",
                        "ready",
                        "draining",
                        "loadMaster",
                        "realServers",
                        "enabled",
                        "agents",
                        "agentsDisabledByHand",
                        "otherAgents",
                        "handMade",
                        "nextPass",
                        "inStep",
                        "problem"),
                List.copyOf(web.keySet()),
                "stable keys, documented in the README");
        assertEquals(
                "{\"service\":\"shop/web\",\"noLongerBound\":false,\"virtualService\":3,\"ready\":3,\"draining\":0,"
                        + "\"loadMaster\":\"read\",\"realServers\":4,\"enabled\":4,\"agents\":3,\"agentsDisabledByHand\":0,"
                        + "\"otherAgents\":{},\"handMade\":1,\"nextPass\":{\"add\":1,\"enable\":0,\"disable\":1,\"remove\":0,\"held\":0},"
                        + "\"inStep\":false,\"problem\":null}",
                web.toString());
    }

    @Test
    void writesLinesForAPersonWhenAskedAndJournalLinesIntoAPipe() {
        Run text = run("--demo", "--once", "--log-format", "text");
        assertEquals(0, text.code(), String.join("\n", text.lines()));
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d (error  |warning|notice |info   |debug  ) .+");
        assertTrue(text.lines().stream().allMatch(l -> line.matcher(l).matches()), String.join("\n", text.lines()));
        assertTrue(
                text.lines().stream()
                        .anyMatch(l ->
                                l.endsWith(" notice  [pass #1] added RS 10.244.1.11:8080 to VS 1" + " (shop/web)")),
                String.join("\n", text.lines()));
        assertTrue(text.lines().stream().noneMatch(l -> l.contains("\u001b[")), "no colour into a pipe");

        Run journal = run("--demo", "--once");
        assertTrue(journal.lines().stream().allMatch(l -> l.matches("<[3-7]>.+")), "not a terminal: journal lines");
        assertTrue(run("--demo", "--once", "--log-format=journal")
                .has("<5>[pass #1] added RS 10.244.1.11:8080 to VS 1" + " (shop/web)"));
    }

    @Test
    void refusesAWrongLogFormatOrOutputWithTheUsage() {
        Run format = run("--demo", "--log-format", "xml");
        assertEquals(64, format.code());
        assertEquals(
                "kube-lm-agent: --log-format takes journal or text",
                format.lines().get(0));
        assertEquals(
                64,
                run("status", "--config", config.toString(), "--output", "yaml").code());
        assertEquals(
                "kube-lm-agent: --output goes with status",
                run("--config", config.toString(), "--once", "--output", "json")
                        .lines()
                        .get(0));
    }

    @Test
    void statusTakesOnlyTheConfig() {
        status(64, "status", "--config", config.toString(), "--once");
        status(64, "status");
    }
}
