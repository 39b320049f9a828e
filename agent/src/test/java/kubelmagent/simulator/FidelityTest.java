package kubelmagent.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proof of fidelity: for every captured command, the simulator's answer has the same elements or
 * fields, in the same order and nesting, with the same kinds of values as the answer captured from an
 * appliance ({@code src/test/resources/simulator/captures/}, copies of the team's reference
 * captures). The expected structures are written out in {@code src/test/resources/simulator/skeletons/}
 * ({@link Skeleton} explains the notation); a test checks that they are exactly what the captures give,
 * so they cannot drift from them. To regenerate them after adding captures, run this class with
 * {@code -Dsimulator.writeSkeletons=<path to src/test/resources/simulator/skeletons>}.
 *
 * <p>Each scenario sets the simulator up as the capture's situation was (a VS with or without a
 * nickname, health-check settings, a default gateway, one Real Server, non-local Real Servers enabled
 * for the {@code addrs} of an address outside the VS's subnet) and sends the command over
 * APIv1 (GET) or APIv2 (POST JSON).
 */
class FidelityTest {

    static final List<String> COMMANDS =
            List.of("listvs", "showvs", "addvs", "modvs", "delvs", "addrs", "showrs", "modrs", "delrs");

    private static LoadMasterSimulator lm;
    private static SimulatorHttp http;

    @BeforeAll
    static void start() throws IOException {
        lm = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults().https(false));
        http = new SimulatorHttp(lm);
    }

    @AfterAll
    static void stop() {
        lm.close();
    }

    @BeforeEach
    void reset() {
        lm.engine().reset();
    }

    static Stream<Arguments> answers() {
        List<Arguments> all = new ArrayList<>();
        for (String command : COMMANDS) {
            all.add(Arguments.of(command, Format.XML));
            all.add(Arguments.of(command, Format.JSON));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("answers")
    void answersWithTheCapturedStructure(String command, Format format) throws Exception {
        byte[] reply = run(command, format);
        List<String> actual = format == Format.XML ? Skeleton.ofXml(reply) : Skeleton.ofJson(reply);
        List<String> expected = skeletonFixture(command, format);
        assertEquals(String.join("\n", Skeleton.ordered(expected)), String.join("\n", Skeleton.ordered(actual)));
        assertEquals(Skeleton.floating(expected), Skeleton.floating(actual));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("answers")
    void skeletonFixturesAreExactlyWhatTheCapturesGive(String command, Format format) throws Exception {
        byte[] captured = resource("captures/" + command + extension(format));
        List<String> derived = format == Format.XML ? Skeleton.ofXml(captured) : Skeleton.ofJson(captured);
        String target = System.getProperty("simulator.writeSkeletons");
        if (target != null) {
            Files.writeString(Path.of(target, command + extension(format) + ".txt"), String.join("\n", derived) + "\n");
        }
        assertEquals(String.join("\n", derived), String.join("\n", skeletonFixture(command, format)));
    }

    @Test
    void answersShowvsAndListvsByteForByteAsCaptured() throws Exception {
        lm.engine().addVirtualService(1, "192.168.1.123", 80, "tcp", "foo");
        assertArrayEquals(
                resource("captures/showvs.xml"), http.get("/access/showvs?vs=1").body());
        lm.engine().reset();
        lm.engine().addVirtualService(1, "192.168.1.222", 80, "tcp", "foo");
        assertArrayEquals(
                resource("captures/listvs.xml"), http.get("/access/listvs").body());
    }

    /**
     * The capture of listvs holds one VS: its showvs fields in a {@code <VS>} element. With several VSs, a SubVS
     * among them, each follows the one before in the same wrapping, with its {@code <Rs>} or {@code <SubVS>}
     * children as showvs shows them.
     */
    @Test
    void listsEveryVsAsShowvsShowsItEachInAVsElement() throws Exception {
        lm.engine().addVirtualService(1, "192.168.1.222", 80, "tcp", "foo");
        lm.engine().addRealServerByHand(1, "10.10.10.10", 8080);
        lm.engine().addVirtualService(2, "192.168.1.223", 443, "tcp", "");
        lm.engine().addSubVirtualService(2, 3, "a");
        lm.engine().addRealServerByHand(3, "10.10.10.11", 8080);
        StringBuilder shown = new StringBuilder();
        for (int vs = 1; vs <= 3; vs++) {
            shown.append("<VS>\r\n")
                    .append(data(http.get("/access/showvs?vs=" + vs).text()))
                    .append("</VS>\r\n");
        }
        String listed = http.get("/access/listvs").text();
        assertEquals(shown.toString(), data(listed));
        String captured = new String(resource("captures/listvs.xml"), StandardCharsets.ISO_8859_1);
        assertEquals(captured.replace(data(captured), shown), listed, "the envelope around <Data> as captured");
    }

    /** No capture shows a LoadMaster without VSs: the simulator answers an empty {@code <Data>} (a guess). */
    @Test
    void answersListvsWithAnEmptyDataWhenThereIsNoVs() throws Exception {
        String captured = new String(resource("captures/listvs.xml"), StandardCharsets.ISO_8859_1);
        assertEquals(
                captured.replace(data(captured), ""), http.get("/access/listvs").text());
    }

    /** What lies between {@code <Success><Data>} and {@code </Data></Success>}. */
    private static String data(String answer) {
        int start = answer.indexOf("<Success><Data>") + "<Success><Data>".length();
        return answer.substring(start, answer.indexOf("</Data></Success>", start));
    }

    @Test
    void answersWritesWithoutDataByteForByteAsCaptured() throws Exception {
        for (String command : List.of("delrs", "modrs", "delvs")) {
            lm.engine().reset();
            assertArrayEquals(resource("captures/" + command + ".xml"), run(command, Format.XML), command);
            lm.engine().reset();
            // The JSON captures mix CRLF and LF line ends (delvs.json has LF): compare without CRs.
            assertEquals(
                    withoutCr(resource("captures/" + command + ".json")),
                    withoutCr(run(command, Format.JSON)),
                    command);
        }
    }

    @Test
    void answersAddrsAndShowrsByteForByteAsCapturedInXml() throws Exception {
        lm.engine().addVirtualService(1, "192.168.1.222", 80, "tcp", "foo");
        lm.engine().addRealServerByHand(1, "10.10.10.9", 80); // RsIndex 1, 2
        lm.engine().addRealServerByHand(1, "10.10.10.8", 80);
        lm.engine().setNonLocalRs(true); // the captured appliance had it on: it took 10.10.10.10 as non-local
        assertArrayEquals(
                resource("captures/addrs.xml"),
                http.get("/access/addrs?vs=1&rs=10.10.10.10&rsport=8080&non_local=1")
                        .body());
        lm.engine().reset();
        lm.engine().addVirtualService(1, "192.168.1.222", 80, "tcp", "foo");
        lm.engine().addRealServerByHand(1, "10.10.10.10", 8080);
        assertArrayEquals(
                resource("captures/showrs.xml"),
                http.get("/access/showrs?vs=1&rs=!1").body());
    }

    /**
     * No capture shows an IPv6 address: an IPv6 VS and RS are answered as the captures answer IPv4 ones, the
     * address in canonical form (a guess) whatever the spelling it was given in.
     */
    @Test
    void answersIpv6AddressesInCanonicalFormWhereTheCapturesHaveIpv4Ones() throws Exception {
        lm.engine().addVirtualService(1, "FD00:0:0:0:0:0:0:123", 80, "tcp", "foo");
        assertEquals(
                captured("showvs.xml").replace("192.168.1.123", "fd00::123"),
                http.get("/access/showvs?vs=1").text());
        lm.engine().reset();
        lm.engine().addVirtualService(1, "fd00:0::222", 80, "tcp", "foo");
        assertEquals(
                captured("listvs.xml").replace("192.168.1.222", "fd00::222"),
                http.get("/access/listvs").text());
        lm.engine().addRealServerByHand(1, "fd00::9", 80); // RsIndex 1, 2
        lm.engine().addRealServerByHand(1, "fd00::8", 80);
        assertEquals(
                captured("addrs.xml").replace("10.10.10.10", "fd00::a:a"),
                http.get("/access/addrs?vs=1&rs=FD00%3A0%3A0%3A0%3A0%3A0%3AA%3AA&rsport=8080&non_local=1")
                        .text());
        assertEquals(
                captured("showrs.xml").replace("10.10.10.10", "fd00::a:a").replace("<RsIndex>1<", "<RsIndex>3<"),
                http.get("/access/showrs?vs=1&rs=fd00:0:0::0a:000a&rsport=8080").text());
    }

    private static String captured(String name) {
        return new String(resource("captures/" + name), StandardCharsets.ISO_8859_1);
    }

    /** The python SDK's sample of a parent VS with two SubVSs shows {@code NumberOfRSs} 2: the slots count. */
    @Test
    void countsTheSubVsSlotsOfAParentInNumberOfRSs() throws Exception {
        lm.engine().addVirtualService(1, "192.168.1.222", 80, "tcp", "parent");
        lm.engine().addSubVirtualService(1, 2, "a");
        lm.engine().addSubVirtualService(1, 3, "b");
        lm.engine().addRealServerByHand(2, "10.10.10.10", 8080);
        assertTrue(http.get("/access/showvs?vs=1").text().contains("\r\n<NumberOfRSs>2</NumberOfRSs>\r\n<SubVS>\r\n"));
        assertTrue(http.get("/access/showvs?vs=2").text().contains("\r\n<NumberOfRSs>1</NumberOfRSs>\r\n<Rs>\r\n"));
        assertTrue(http.get("/access/showvs?vs=3").text().contains("\r\n<NumberOfRSs>0</NumberOfRSs>\r\n</Data>"));
        String listvs = http.get("/access/listvs").text();
        assertTrue(listvs.contains("<NumberOfRSs>2</NumberOfRSs>\r\n<SubVS>"), listvs);
        JsonObject parent = JsonParser.parseString(
                        http.v2("{\"cmd\": \"showvs\", \"vs\": 1}").text())
                .getAsJsonObject();
        assertEquals(2, parent.get("NumberOfRSs").getAsInt());
        assertEquals(2, parent.get("MasterVS").getAsInt());
    }

    // ---- scenarios

    /** Sets the engine up as in the capture's situation and sends the command. */
    private static byte[] run(String command, Format format) throws IOException {
        SimulatedLoadMaster engine = lm.engine();
        Map<String, String> params = new LinkedHashMap<>();
        switch (command) {
            case "listvs":
                engine.addVirtualService(1, "192.168.1.222", 80, "tcp", "foo");
                break;
            case "showvs":
                engine.addVirtualService(1, "192.168.1.239", 80, "tcp", "foo");
                params.put("vs", "1");
                break;
            case "addvs":
                params.putAll(Map.of("vs", "192.168.1.235", "port", "6443", "prot", "tcp"));
                params.putAll(healthCheck());
                params.putAll(Map.of("vstype", "http2", "forcel4", "1", "forcel7", "0"));
                break;
            case "modvs":
                engine.addVirtualService(1, "192.168.1.215", 6453, "tcp", "");
                params.put("vs", "1");
                params.putAll(healthCheck());
                params.put("vstype", "gen");
                break;
            case "delvs":
                engine.addVirtualService(1, "192.168.1.215", 6453, "tcp", "");
                params.put("vs", "1");
                break;
            case "addrs":
                engine.addVirtualService(1, "192.168.1.222", 80, "tcp", "foo");
                engine.setNonLocalRs(true); // 10.10.10.10 is outside 192.168.1.0/24, and the capture took it
                params.putAll(Map.of("vs", "1", "rs", "10.10.10.10", "rsport", "8080", "non_local", "1"));
                break;
            default: // showrs, modrs, delrs
                engine.addVirtualService(1, "192.168.1.222", 80, "tcp", "foo");
                engine.addRealServerByHand(1, "10.10.10.10", 8080);
                params.put("vs", "1");
                if (command.equals("delrs")) {
                    params.putAll(Map.of("rs", "10.10.10.10", "rsport", "8080"));
                } else {
                    params.put("rs", "!1");
                }
                if (command.equals("modrs")) {
                    params.put("weight", "500");
                }
                break;
        }
        SimulatorHttp.Answer answer;
        if (format == Format.XML) {
            StringBuilder query = new StringBuilder();
            params.forEach((k, v) -> query.append(query.length() == 0 ? "?" : "&")
                    .append(k)
                    .append('=')
                    .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
            answer = http.get("/access/" + command + query);
        } else {
            JsonObject body = new JsonObject();
            body.addProperty("cmd", command);
            params.forEach(body::addProperty);
            answer = http.v2(body.toString());
        }
        assertEquals(200, answer.status(), () -> command + ": " + answer.text());
        return answer.body();
    }

    private static Map<String, String> healthCheck() {
        return Map.of(
                "checktype",
                "https",
                "checkport",
                "8080",
                "checkhost",
                "foo.bar.baz",
                "checkurl",
                "/healthz",
                "checkcodes",
                "303 606 909",
                "defaultgw",
                "192.168.1.1");
    }

    // ---- fixtures

    private static String withoutCr(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).replace("\r", "");
    }

    private static String extension(Format format) {
        return format == Format.XML ? ".xml" : ".json";
    }

    private static List<String> skeletonFixture(String command, Format format) {
        String text = new String(resource("skeletons/" + command + extension(format) + ".txt"), StandardCharsets.UTF_8);
        return Arrays.asList(text.strip().split("\n"));
    }

    static byte[] resource(String name) {
        try (InputStream in = FidelityTest.class.getResourceAsStream("/simulator/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture simulator/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
