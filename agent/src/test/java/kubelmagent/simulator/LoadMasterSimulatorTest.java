package kubelmagent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator over HTTPS: both APIs, authentication, errors, faults, counters, inspection, state file. */
class LoadMasterSimulatorTest {

    private static final String KEY = "k3y";
    private static final String USER = "bal";
    private static final String PASSWORD = "s3cret:x";

    /** The simulator's clock for the read-after-write delay, moved by hand. */
    private static final AtomicLong NOW = new AtomicLong();

    private static LoadMasterSimulator lm;
    private static SimulatorHttp http;

    @BeforeAll
    static void start() throws IOException {
        lm = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .apiKey(KEY)
                .credentials(USER, PASSWORD)
                .nanoClock(NOW::get));
        http = new SimulatorHttp(lm);
    }

    @AfterAll
    static void stop() {
        lm.close();
    }

    @BeforeEach
    void reset() {
        lm.engine().reset();
        lm.engine().addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
    }

    // ---- transport and envelopes

    @Test
    void servesHttpsWithTheCertificateItWroteOnLocalhost() throws Exception {
        assertEquals("https", lm.url().getScheme());
        assertEquals("127.0.0.1", lm.url().getHost());
        assertTrue(Files.readString(lm.caFile()).startsWith("-----BEGIN CERTIFICATE-----"));
        SimulatorHttp.Answer a = http.get("/access/showvs?vs=3&apikey=" + KEY);
        assertEquals(200, a.status());
        assertEquals("text/xml", a.contentType());
        assertTrue(
                a.text()
                        .startsWith(
                                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n<Response stat=\"200\" code=\"ok\">\r\n"
                                        + "<Success><Data><Status>Down</Status>\r\n<Index>3</Index>\r\n"),
                a.text());
    }

    @Test
    void writesTextInIso88591() throws Exception {
        lm.engine().addVirtualService(4, "10.0.0.6", 80, "tcp", "caf\u00e9 \u20ac");
        SimulatorHttp.Answer a = http.get("/access/showvs?vs=4&apikey=" + KEY);
        assertTrue(a.text().contains("<NickName>caf\u00e9 &#8364;</NickName>\r\n"), a.text());
    }

    @Test
    void takesPostFormParametersOnApiV1() throws Exception {
        SimulatorHttp.Answer a = http.post(
                "/access/addrs", "application/x-www-form-urlencoded", "vs=3&rs=10.0.0.20&rsport=8080&apikey=" + KEY);
        assertEquals(200, a.status(), a.text());
        assertEquals(
                List.of("10.0.0.20"),
                lm.engine().realServers(3).stream().map(SimRealServer::addr).toList());
    }

    @Test
    void addressesRealServersByEncodedOrPlainIndex() throws Exception {
        int index = lm.engine().addRealServerByHand(3, "10.0.0.20", 8080).rsIndex();
        assertEquals(
                200,
                http.get("/access/showrs?vs=3&rs=!" + index + "&apikey=" + KEY).status());
        assertEquals(
                200,
                http.get("/access/modrs?vs=3&rs=%21" + index + "&enable=N&apikey=" + KEY)
                        .status());
        assertFalse(lm.engine().realServers(3).get(0).enabled());
        assertEquals(
                200,
                http.get("/access/delrs?vs=3&rs=%21" + index + "&apikey=" + KEY).status());
        assertEquals(List.of(), lm.engine().realServers(3));
    }

    @Test
    void takesIpv6AddressesInAnySpellingEncodedOrNotAndAnswersThemInCanonicalForm() throws Exception {
        SimulatorHttp.Answer added =
                http.get("/access/addvs?vs=FD00%3A0%3A0%3A0%3A0%3A0%3A0%3A0005&port=443&prot=tcp&apikey=" + KEY);
        assertEquals(200, added.status(), added.text());
        assertTrue(added.text().contains("<VSAddress>fd00::5</VSAddress>"), added.text());
        int vs = lm.engine().listvs().get(1).index();

        SimulatorHttp.Answer rs = http.get("/access/addrs?vs=" + vs + "&rs=FD00:0:0::0001&rsport=8443&apikey=" + KEY);
        assertEquals(200, rs.status(), rs.text());
        assertTrue(rs.text().contains("<Addr>fd00::1</Addr>"), rs.text());
        assertError(
                http.post(
                        "/access/addrs",
                        "application/x-www-form-urlencoded",
                        "vs=" + vs + "&rs=fd00%3A%3A1&rsport=8443&apikey=" + KEY),
                422,
                "Real Server already exists");
        SimulatorHttp.Answer list = http.get("/access/listvs?apikey=" + KEY);
        assertTrue(
                list.text().contains("<VSAddress>fd00::5</VSAddress>")
                        && list.text().contains("<Addr>fd00::1</Addr>"),
                list.text());
        SimulatorHttp.Answer byTriple = http.get(
                "/access/showrs?vs=fd00:0::5&port=443&prot=tcp&rs=fd00%3A0%3A%3A1" + "&rsport=8443&apikey=" + KEY);
        assertEquals(200, byTriple.status(), byTriple.text());
        assertTrue(byTriple.text().contains("<Addr>fd00::1</Addr>"), byTriple.text());
        assertEquals(
                200,
                http.get("/access/modrs?vs=" + vs + "&rs=FD00::1&rsport=8443&enable=N&apikey=" + KEY)
                        .status());
        assertFalse(lm.engine().realServers(vs).get(0).enabled());

        JsonObject v2 = JsonParser.parseString(http.v2("{\"cmd\": \"addrs\", \"vs\": " + vs
                                + ", \"rs\": \"FD00:0::2\", \"rsport\": 8443, \"apikey\": \"" + KEY + "\"}")
                        .text())
                .getAsJsonObject();
        assertEquals(
                "fd00::2",
                v2.getAsJsonArray("Rs").get(0).getAsJsonObject().get("Addr").getAsString());
        JsonObject shown = JsonParser.parseString(
                        http.v2("{\"cmd\": \"showvs\", \"vs\": " + vs + ", \"apikey\": \"" + KEY + "\"}")
                                .text())
                .getAsJsonObject();
        assertEquals("fd00::5", shown.get("VSAddress").getAsString());

        assertEquals(
                200,
                http.get("/access/delrs?vs=" + vs + "&rs=fd00%3A0%3A0%3A0%3A0%3A0%3A0%3A1&rsport=8443&apikey=" + KEY)
                        .status());
        assertEquals(
                List.of("fd00::2"),
                lm.engine().realServers(vs).stream().map(SimRealServer::addr).toList());
    }

    @Test
    void answersApiV2InFlattenedJson() throws Exception {
        lm.engine().addRealServerByHand(3, "10.0.0.20", 8080);
        SimulatorHttp.Answer a = http.v2("{\"cmd\": \"showvs\", \"vs\": 3, \"apikey\": \"" + KEY + "\"}");
        assertEquals(200, a.status(), a.text());
        assertEquals("application/json", a.contentType());
        JsonObject o = JsonParser.parseString(a.text()).getAsJsonObject();
        assertEquals(200, o.get("code").getAsInt());
        assertEquals("ok", o.get("status").getAsString());
        assertEquals("Down", o.get("Status").getAsString());
        assertTrue(o.get("VSPort").getAsJsonPrimitive().isString());
        assertTrue(o.get("Enable").getAsJsonPrimitive().isBoolean());
        assertEquals(3, o.get("Index").getAsJsonPrimitive().getAsInt());
        JsonObject rs = o.getAsJsonArray("Rs").get(0).getAsJsonObject();
        assertEquals(8080, rs.get("Port").getAsInt());
        assertTrue(rs.get("Enable").getAsBoolean());
    }

    @Test
    void takesApiV2ValuesAsNumbersBooleansOrStrings() throws Exception {
        lm.engine().setNonLocalRs(true); // 10.244.1.7 is outside VS 3's 10.0.0.0/24
        SimulatorHttp.Answer a = http.v2("{\"cmd\": \"addrs\", \"vs\": \"3\", \"rs\": \"10.244.1.7\", \"rsport\": 8080,"
                + " \"non_local\": true, \"Weight\": 20, \"Enable\": false, \"apiuser\": \"bal\", \"apipass\": \""
                + PASSWORD + "\"}");
        assertEquals(200, a.status(), a.text());
        SimRealServer rs = lm.engine().realServers(3).get(0);
        assertEquals(20, rs.weight());
        assertFalse(rs.enabled());
    }

    @Test
    void answersErrorsWithTheStatusAsHttpStatus() throws Exception {
        assertError(http.get("/access/showvs?vs=9&apikey=" + KEY), 422, "Unknown VS");
        assertError(http.get("/access/delrs?vs=3&rs=10.0.0.1&rsport=80&apikey=" + KEY), 422, "Unknown RS");
        assertError(http.get("/access/addrs?vs=3&rs=10.0.0.1&apikey=" + KEY), 400, "rsport: Integer Value missing");
        assertError(http.get("/access/showvs?apikey=" + KEY), 400, "vs: Address Value missing");
        assertError(http.get("/access/listrs?apikey=" + KEY), 405, "Unknown command");
        assertError(http.get("/access/get?param=lmversion&apikey=" + KEY), 422, "Unknown parameter value lmversion");
        lm.engine().addRealServerByHand(3, "10.0.0.1", 80);
        assertError(
                http.get("/access/addrs?vs=3&rs=10.0.0.1&rsport=80&apikey=" + KEY), 422, "Real Server already exists");

        SimulatorHttp.Answer v2 = http.v2("{\"cmd\": \"showvs\", \"vs\": 9, \"apikey\": \"" + KEY + "\"}");
        assertEquals(422, v2.status());
        assertEquals(
                "{ \"code\": 422,\r\n  \"message\": \"Unknown VS\",\r\n  \"status\": \"fail\"\r\n}\r\n", v2.text());
        assertEquals(
                405, http.v2("{\"cmd\": \"nope\", \"apikey\": \"" + KEY + "\"}").status());
    }

    @Test
    void startsWithNonLocalRsOffAsANewApplianceAndSwitchesItWithSet() throws Exception {
        SimulatorHttp.Answer a = http.get("/access/get?param=nonlocalrs&apikey=" + KEY);
        assertTrue(a.text().contains("<Success><Data><nonlocalrs>no</nonlocalrs>\r\n</Data></Success>"), a.text());
        String nonLocalAdd = "/access/addrs?vs=3&rsport=80&non_local=1&apikey=" + KEY + "&rs=";
        assertError(http.get(nonLocalAdd + "10.244.1.7"), 422, "Real Server address is not on a local network");
        assertEquals(
                200,
                http.get("/access/set?param=nonlocalrs&value=yes&apikey=" + KEY).status());
        assertTrue(lm.engine().nonLocalRs());
        assertTrue(
                http.get("/access/get?param=nonlocalrs&apikey=" + KEY).text().contains("<nonlocalrs>yes</nonlocalrs>"));
        assertEquals(200, http.get(nonLocalAdd + "10.244.1.7").status());
        assertEquals(
                200,
                http.get("/access/set?param=nonlocalrs&value=no&apikey=" + KEY).status());
        assertFalse(lm.engine().nonLocalRs());
        assertError(http.get(nonLocalAdd + "10.244.1.8"), 422, "Real Server address is not on a local network");
    }

    @Test
    void refusesNonLocalRealServersOnAVirtualServiceMadeTransparentWithModvs() throws Exception {
        lm.engine().setNonLocalRs(true);
        SimulatorHttp.Answer modvs = http.get("/access/modvs?vs=3&transparent=Y&apikey=" + KEY);
        assertEquals(200, modvs.status(), modvs.text());
        assertTrue(modvs.text().contains("\r\n<Transparent>Y</Transparent>\r\n"), modvs.text());
        String add = "/access/addrs?vs=3&rsport=80&non_local=1&apikey=" + KEY + "&rs=";
        assertError(
                http.get(add + "10.244.1.7"),
                422,
                "Non-local Real Servers cannot be used on a transparent Virtual Service");
        assertEquals(200, http.get(add + "10.0.0.20").status(), "a local Real Server is fine");
        assertEquals(
                200, http.get("/access/modvs?vs=3&transparent=N&apikey=" + KEY).status());
        assertEquals(200, http.get(add + "10.244.1.7").status());
        assertEquals(
                List.of("10.0.0.20", "10.244.1.7"),
                lm.engine().realServers(3).stream().map(SimRealServer::addr).toList());
    }

    // ---- authentication

    @Test
    void acceptsBasicAuthAndRefusesWrongCredentials() throws Exception {
        assertEquals(
                200,
                http.get("/access/listvs", "Authorization", basic(USER, PASSWORD))
                        .status());
        SimulatorHttp.Answer wrong = http.get("/access/listvs", "Authorization", basic(USER, "nope"));
        assertEquals(401, wrong.status());
        assertEquals(0, wrong.body().length);
        assertEquals(401, http.get("/access/listvs").status());
        assertEquals(
                401,
                http.get("/access/listvs?apikey=nope", "Authorization", basic(USER, PASSWORD))
                        .status(),
                "an API key takes precedence");
        assertEquals(
                401,
                http.v2("{\"cmd\": \"listvs\", \"apiuser\": \"bal\", \"apipass\": \"x\"}")
                        .status());
        assertEquals(
                401,
                http.v2("{\"cmd\": \"listvs\", \"apikey\": \"nope\", \"apiuser\": \"bal\", \"apipass\": \"" + PASSWORD
                                + "\"}")
                        .status());
        assertEquals(
                200,
                http.v2("{\"cmd\": \"listvs\", \"apikey\": \"" + KEY + "\", \"apiuser\": \"x\"}")
                        .status());
    }

    @Test
    void answers404WhileTheApiIsDisabled() throws Exception {
        lm.engine().setApiEnabled(false);
        SimulatorHttp.Answer a = http.get("/access/showvs?vs=3&apikey=" + KEY);
        assertEquals(404, a.status());
        assertTrue(a.text().contains("<title>404 Not Found</title>"), a.text());
        assertEquals(404, http.v2("{\"cmd\": \"showvs\", \"vs\": 3}").status());
        assertEquals(200, http.get("/simulator/state").status(), "the inspection endpoint still answers");
        assertEquals(404, http.get("/nothing/here").status());
    }

    @Test
    void disablesTheApiWithSetEnableapi() throws Exception {
        assertEquals(
                200,
                http.get("/access/set?param=enableapi&value=no&apikey=" + KEY).status());
        assertEquals(404, http.get("/access/listvs?apikey=" + KEY).status());
    }

    // ---- faults

    @Test
    void injectsLatency() throws Exception {
        lm.engine().faults().latency(Duration.ofMillis(300));
        long started = System.nanoTime();
        assertEquals(200, http.get("/access/listvs?apikey=" + KEY).status());
        assertTrue(System.nanoTime() - started >= Duration.ofMillis(300).toNanos());
    }

    @Test
    void abandonsRequestsInFlightWhenReset() throws Exception {
        lm.engine().faults().latency(Duration.ofMillis(300));
        Thread slow = new Thread(() -> {
            try {
                // POST: the JDK client would send a GET again on a fresh connection
                http.post(
                        "/access/addrs",
                        "application/x-www-form-urlencoded",
                        "vs=3&rs=10.0.0.20&rsport=80&apikey=" + KEY);
            } catch (IOException e) {
                // expected: the connection is closed
            }
        });
        slow.start();
        while (lm.engine().calls("addrs") == 0) {
            Thread.sleep(10);
        }
        reset();
        slow.join(5000);
        assertEquals(List.of(), lm.engine().realServers(3));
    }

    @Test
    void injectsAServerErrorBeforeOrAfterApplying() throws Exception {
        lm.engine().faults().failNext("addrs", 500, "Internal error").failNextAfterApplying("addrs", 503, "Busy");
        assertError(http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=" + KEY), 500, "Internal error");
        assertEquals(List.of(), lm.engine().realServers(3));
        assertError(http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=" + KEY), 503, "Busy");
        assertEquals(1, lm.engine().realServers(3).size());
        assertEquals(200, http.get("/access/showvs?vs=3&apikey=" + KEY).status(), "one-shot");
        assertEquals(2, lm.engine().calls("addrs"));
    }

    @Test
    void dropsTheConnectionBeforeOrAfterApplying() throws Exception {
        lm.engine().faults().dropNext("addrs").dropNextAfterApplying("delrs");
        String add = "vs=3&rs=10.0.0.20&rsport=80&apikey=" + KEY;
        assertThrows(IOException.class, () -> http.post("/access/addrs", "application/x-www-form-urlencoded", add));
        assertEquals(List.of(), lm.engine().realServers(3));
        assertEquals(
                200,
                http.post("/access/addrs", "application/x-www-form-urlencoded", add)
                        .status());
        assertThrows(IOException.class, () -> http.post("/access/delrs", "application/x-www-form-urlencoded", add));
        assertEquals(List.of(), lm.engine().realServers(3), "the delete took effect; only the answer was lost");
        assertEquals(2, lm.engine().calls("addrs"));
        assertEquals(1, lm.engine().calls("delrs"));
    }

    @Test
    void answers401AfterNCalls() throws Exception {
        lm.engine().faults().unauthorizedAfter(2);
        assertEquals(200, http.get("/access/listvs?apikey=" + KEY).status());
        assertEquals(200, http.get("/access/showvs?vs=3&apikey=" + KEY).status());
        assertEquals(401, http.get("/access/listvs?apikey=" + KEY).status());
        assertEquals(
                401,
                http.v2("{\"cmd\": \"listvs\", \"apikey\": \"" + KEY + "\"}").status());
    }

    @Test
    void hidesANewRealServerFromReadsForAWhile() throws Exception {
        lm.engine().faults().readAfterWriteDelay(Duration.ofMillis(400));
        assertEquals(
                200,
                http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=" + KEY)
                        .status());
        assertFalse(http.get("/access/showvs?vs=3&apikey=" + KEY).text().contains("<Rs>"));
        NOW.addAndGet(Duration.ofMillis(400).toNanos());
        assertTrue(http.get("/access/showvs?vs=3&apikey=" + KEY).text().contains("<Addr>10.0.0.20</Addr>"));
    }

    @Test
    void countsCallsPerCommandWhateverTheOutcome() throws Exception {
        http.get("/access/showvs?vs=3&apikey=" + KEY);
        http.get("/access/showvs?vs=9&apikey=" + KEY);
        http.get("/access/showvs?vs=3");
        http.v2("{\"cmd\": \"showvs\", \"vs\": 3, \"apikey\": \"" + KEY + "\"}");
        http.get("/access/bogus?apikey=" + KEY);
        assertEquals(4, lm.engine().calls("showvs"));
        assertEquals(1, lm.engine().calls("bogus"));
    }

    // ---- inspection

    @Test
    void showsItsStateWithoutCredentials() throws Exception {
        lm.engine().addRealServerByHand(3, "10.0.0.20", 8080);
        http.get("/access/showvs?vs=3&apikey=" + KEY);
        JsonObject state =
                JsonParser.parseString(http.get("/simulator/state").text()).getAsJsonObject();
        JsonObject vs = state.getAsJsonArray("virtualServices").get(0).getAsJsonObject();
        assertEquals(3, vs.get("index").getAsInt());
        assertEquals(
                "10.0.0.20",
                vs.getAsJsonArray("realServers")
                        .get(0)
                        .getAsJsonObject()
                        .get("addr")
                        .getAsString());
        assertEquals(1, state.getAsJsonObject("calls").get("showvs").getAsInt());
        assertFalse(state.get("nonlocalrs").getAsBoolean(), "off, as on a new appliance");
    }

    @Test
    void showsIpv6AddressesInItsStateAsItAnswersThem() throws Exception {
        lm.engine().addVirtualService(4, "FD00:0::5", 443, "tcp", "v6");
        lm.engine().addRealServerByHand(4, "FD00:0:0::1", 8443);
        JsonObject state =
                JsonParser.parseString(http.get("/simulator/state").text()).getAsJsonObject();
        JsonObject vs = state.getAsJsonArray("virtualServices").get(1).getAsJsonObject();
        assertEquals("fd00::5", vs.get("address").getAsString());
        assertEquals(
                "fd00::1",
                vs.getAsJsonArray("realServers")
                        .get(0)
                        .getAsJsonObject()
                        .get("addr")
                        .getAsString());
    }

    @Test
    void switchesFaultsFromOutside() throws Exception {
        SimulatorHttp.Answer a = http.post(
                "/simulator/faults",
                "application/json",
                "{\"clear\": true, \"latencyMs\": 5, \"unauthorizedAfter\": 10,"
                        + " \"failNext\": [{\"command\": \"showvs\", \"status\": 502}],"
                        + " \"dropNext\": [{\"command\": \"addrs\", \"afterApplying\": true}]}");
        assertEquals(200, a.status(), a.text());
        assertEquals(Duration.ofMillis(5), lm.engine().faults().latency());
        assertEquals(
                List.of(
                        new Faults.Fault("showvs", Faults.Kind.STATUS, false, 502, "Internal error"),
                        new Faults.Fault("addrs", Faults.Kind.DROP, true, 0, null)),
                lm.engine().faults().pending());
        assertError(http.get("/access/showvs?vs=3&apikey=" + KEY), 502, "Internal error");
        assertEquals(
                200,
                http.post("/simulator/faults", "application/json", "{\"clear\": true}")
                        .status());
        assertEquals(List.of(), lm.engine().faults().pending());
        assertEquals(
                400,
                http.post("/simulator/faults", "application/json", "{\"latencyMs\": -1}")
                        .status());
        assertEquals(404, http.get("/simulator/nothing").status());
    }

    // ---- state file and plain HTTP

    @Test
    void preloadsAndSavesTheStateFileOverPlainHttp(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("sim.json");
        Files.writeString(
                state,
                "{\"virtualServices\": [{\"index\": 1, \"address\": \"10.0.0.100\", \"port\": 80,"
                        + " \"settings\": {\"NickName\": \"web\"}}]}");
        try (LoadMasterSimulator sim = LoadMasterSimulator.start(
                LoadMasterSimulator.Options.defaults().https(false).stateFile(state))) {
            assertEquals("http", sim.url().getScheme());
            assertNull(sim.caFile());
            SimulatorHttp plain = new SimulatorHttp(sim);
            assertTrue(
                    plain.get("/access/showvs?vs=1").text().contains("<NickName>web</NickName>"),
                    "no credentials: open");
            assertEquals(
                    200, plain.get("/access/addrs?vs=1&rs=10.0.0.7&rsport=8080").status());
        }
        String saved = Files.readString(state, StandardCharsets.UTF_8);
        SimulatedLoadMaster reloaded = new SimulatedLoadMaster();
        StateFile.fromJson(reloaded, saved);
        assertEquals("10.0.0.7", reloaded.realServers(1).get(0).addr());
        assertEquals("web", reloaded.virtualService(1).nickName());
    }

    @Test
    void preloadsIpv6AddressesOfAStateFileAndSavesThemInCanonicalForm(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("sim.json");
        Files.writeString(
                state,
                "{\"virtualServices\": [{\"index\": 1, \"address\": \"FD00:0:0:0:0:0:0:5\", \"port\": 443,"
                        + " \"realServers\": [{\"addr\": \"fd00:0:0::0001\", \"port\": 8443}]}]}");
        try (LoadMasterSimulator sim = LoadMasterSimulator.start(
                LoadMasterSimulator.Options.defaults().https(false).stateFile(state))) {
            SimulatorHttp plain = new SimulatorHttp(sim);
            String shown = plain.get("/access/showvs?vs=1").text();
            assertTrue(
                    shown.contains("<VSAddress>fd00::5</VSAddress>") && shown.contains("<Addr>fd00::1</Addr>"), shown);
            assertEquals(
                    200, plain.get("/access/addrs?vs=1&rs=fd00::2&rsport=8443").status());
        }
        String saved = Files.readString(state, StandardCharsets.UTF_8);
        assertTrue(
                saved.contains("\"address\": \"fd00::5\"")
                        && saved.contains("\"addr\": \"fd00::1\"")
                        && saved.contains("\"addr\": \"fd00::2\""),
                saved);
        SimulatedLoadMaster reloaded = new SimulatedLoadMaster();
        StateFile.fromJson(reloaded, saved);
        assertEquals(
                List.of("fd00::1", "fd00::2"),
                reloaded.realServers(1).stream().map(SimRealServer::addr).toList());
    }

    @Test
    void startsWithNonLocalRsAsTheOptionSaysOrElseAsTheStateFileSays(@TempDir Path dir) throws Exception {
        String on = "{\"nonlocalrs\": true}";
        String unsaid = "{\"virtualServices\": []}";
        assertFalse(startedWithNonLocalRs(dir.resolve("1.json"), null, null), "off, as on a new appliance");
        assertTrue(startedWithNonLocalRs(dir.resolve("2.json"), on, null));
        assertFalse(startedWithNonLocalRs(dir.resolve("3.json"), unsaid, null), "off when the file does not say");
        assertFalse(startedWithNonLocalRs(dir.resolve("4.json"), on, false), "the option wins");
        assertTrue(startedWithNonLocalRs(dir.resolve("5.json"), unsaid, true));
    }

    /** Starts a simulator from {@code state} (none if null), with the option if not null; its nonlocalrs. */
    private static boolean startedWithNonLocalRs(Path file, String state, Boolean option) throws IOException {
        if (state != null) {
            Files.writeString(file, state);
        }
        LoadMasterSimulator.Options options =
                LoadMasterSimulator.Options.defaults().https(false).stateFile(file);
        if (option != null) {
            options.nonLocalRs(option);
        }
        try (LoadMasterSimulator sim = LoadMasterSimulator.start(options)) {
            return sim.engine().nonLocalRs();
        }
    }

    @Test
    void refusesToStartWithABrokenStateFile(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("sim.json");
        Files.writeString(state, "{\"virtualServices\": [{\"index\": 1}]}");
        IOException e = assertThrows(
                IOException.class,
                () -> LoadMasterSimulator.start(
                        LoadMasterSimulator.Options.defaults().https(false).stateFile(state)));
        assertTrue(e.getMessage().startsWith(state + ": VS 1 needs an IP address and a port"), e.getMessage());
    }

    // ---- helpers

    private static void assertError(SimulatorHttp.Answer a, int stat, String text) {
        assertEquals(stat, a.status(), a.text());
        assertEquals(
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n<Response stat=\"" + stat + "\" code=\"fail\">\r\n"
                        + "<Error>" + text + "</Error>\r\n</Response>\r\n",
                a.text());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
