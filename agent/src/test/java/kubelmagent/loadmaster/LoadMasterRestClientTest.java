package kubelmagent.loadmaster;

import static kubelmagent.loadmaster.Answers.dropped;
import static kubelmagent.loadmaster.Answers.response;
import static kubelmagent.loadmaster.Answers.unauthorized;
import static kubelmagent.loadmaster.Answers.xml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import kubelmagent.http.ApiObserver;
import kubelmagent.http.Backoff;
import kubelmagent.log.LogCapture;
import kubelmagent.model.Member;
import kubelmagent.model.RealServer;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.secret.Secret;
import kubelmagent.tls.TlsSettings;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LoadMasterRestClientTest {

    private static final String KEY = "k3y";
    private static final String PASSWORD = "pa55-w0rd";
    private static final VirtualServiceId VS = VirtualServiceId.of(3);
    private static final Member POD = new Member("10.244.1.7", 8080);
    /** Three tries as in production, without the waits. */
    private static final Backoff NO_WAITS = new Backoff(3, Duration.ZERO, Duration.ZERO);

    private MockWebServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    // ---- requests

    @Test
    void sendsShowvsAsAPostFormWithTheApiKeyLastAndNoAuthorizationHeader() throws Exception {
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.showVirtualService(VS);
        }
        RecordedRequest request = server.takeRequest();
        assertEquals("POST /access/showvs HTTP/1.1", request.getRequestLine());
        assertEquals("application/x-www-form-urlencoded", request.getHeaders().get("Content-Type"));
        assertEquals("vs=3&apikey=k3y", body(request));
        assertNull(request.getHeaders().get("Authorization"));
    }

    @Test
    void sendsAddrsWithNonLocalWhenTheConnectionAsksForIt() throws Exception {
        server.enqueue(xml(200, "addrs.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.addRealServer(VS, POD);
        }
        RecordedRequest request = server.takeRequest();
        assertEquals("/access/addrs", request.getTarget());
        assertEquals("vs=3&rs=10.244.1.7&rsport=8080&non_local=1&apikey=k3y", body(request));
    }

    @Test
    void sendsAddrsWithoutNonLocalWhenTheConnectionDoesNotAskForIt() throws Exception {
        server.enqueue(xml(200, "addrs.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), false)) {
            lm.addRealServer(VS, POD);
        }
        assertEquals("vs=3&rs=10.244.1.7&rsport=8080&apikey=k3y", body(server.takeRequest()));
    }

    @Test
    void sendsDelrsByAddressAndPort() throws Exception {
        server.enqueue(xml(200, "delrs.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.deleteRealServer(VS, POD);
        }
        RecordedRequest request = server.takeRequest();
        assertEquals("/access/delrs", request.getTarget());
        assertEquals("vs=3&rs=10.244.1.7&rsport=8080&apikey=k3y", body(request));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sendsModrsWithEnableYesOrNo(boolean enabled) throws Exception {
        server.enqueue(xml(200, "modrs.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), false)) {
            lm.setRealServerEnabled(VS, POD, enabled);
        }
        RecordedRequest request = server.takeRequest();
        assertEquals("/access/modrs", request.getTarget());
        assertEquals("vs=3&rs=10.244.1.7&rsport=8080&enable=" + (enabled ? "Y" : "N") + "&apikey=k3y", body(request));
        assertEquals(1, server.getRequestCount());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sendsModrsWithNonLocalWhenTheConnectionAsksForIt(boolean enabled) throws Exception {
        server.enqueue(xml(200, "modrs.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.setRealServerEnabled(VS, POD, enabled);
        }
        assertEquals(
                "vs=3&rs=10.244.1.7&rsport=8080&non_local=1&enable=" + (enabled ? "Y" : "N") + "&apikey=k3y",
                body(server.takeRequest()));
    }

    @Test
    void sendsGetWithTheParameterName() throws Exception {
        server.enqueue(xml(200, "get-nonlocalrs-yes.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.nonLocalRealServersEnabled();
        }
        RecordedRequest request = server.takeRequest();
        assertEquals("/access/get", request.getTarget());
        assertEquals("param=nonlocalrs&apikey=k3y", body(request));
    }

    @Test
    void encodesIpv6AddressesAndApiKeys() throws Exception {
        server.enqueue(xml(200, "addrs-completed.xml"));
        LoadMasterConnection c = connection(base(), Secret.of("a+b/c=&d"), null, null, true, Duration.ofSeconds(5));
        try (LoadMasterRestClient lm = client(c)) {
            lm.addRealServer(VS, new Member("fd00::1", 8080));
        }
        assertEquals("vs=3&rs=fd00%3A%3A1&rsport=8080&non_local=1&apikey=a%2Bb%2Fc%3D%26d", body(server.takeRequest()));
    }

    /** A Member is canonical however it was spelt, so every write names the RS as fd00::1, percent-encoded. */
    @Test
    void sendsIpv6RealServersInCanonicalFormPercentEncodedAndNamesThemSoInMessages() throws Exception {
        Member pod = new Member("FD00:0:0:0:0:0:0:0001", 8080);
        server.enqueue(xml(200, "addrs.xml"));
        server.enqueue(xml(200, "modrs.xml"));
        server.enqueue(xml(422, "error-unknown-rs.xml"));
        LoadMasterException e;
        try (LoadMasterRestClient lm = client(apiKey(), false)) {
            lm.addRealServer(VS, pod);
            lm.setRealServerEnabled(VS, pod, false);
            e = assertThrows(LoadMasterException.class, () -> lm.deleteRealServer(VS, pod));
        }
        assertEquals("vs=3&rs=fd00%3A%3A1&rsport=8080&apikey=k3y", body(server.takeRequest()));
        assertEquals("vs=3&rs=fd00%3A%3A1&rsport=8080&enable=N&apikey=k3y", body(server.takeRequest()));
        assertEquals("vs=3&rs=fd00%3A%3A1&rsport=8080&apikey=k3y", body(server.takeRequest()));
        assertEquals("delrs vs=3 rs=[fd00::1]:8080: LoadMaster answered 422 \"Unknown RS\"", e.getMessage());
    }

    @Test
    void sendsBasicAuthWhenThereIsNoApiKey() throws Exception {
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        LoadMasterConnection c =
                connection(base(), null, "bal", Secret.of("p@ss:w\u00f6rd"), true, Duration.ofSeconds(5));
        try (LoadMasterRestClient lm = client(c)) {
            lm.showVirtualService(VS);
        }
        RecordedRequest request = server.takeRequest();
        assertEquals("POST /access/showvs HTTP/1.1", request.getRequestLine());
        assertEquals("vs=3", body(request));
        String expected =
                "Basic " + Base64.getEncoder().encodeToString("bal:p@ss:w\u00f6rd".getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, request.getHeaders().get("Authorization"));
    }

    /** Each command the client sends, with the form body it sends with an API key and with Basic auth. */
    static Stream<Arguments> everyCommandWithEitherCredential() {
        String rs = "vs=3&rs=10.244.1.7&rsport=8080";
        Map<Op, String> forms = Map.of(
                Op.LISTVS,
                "",
                Op.SHOWVS,
                "vs=3",
                Op.GET,
                "param=nonlocalrs",
                Op.ADDRS,
                rs + "&non_local=1",
                Op.DELRS,
                rs,
                Op.MODRS,
                rs + "&non_local=1&enable=N");
        return Stream.of(true, false)
                .flatMap(withKey -> Stream.of(Op.values())
                        .map(op -> Arguments.of(op, withKey ? "API key" : "Basic auth", forms.get(op))));
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("everyCommandWithEitherCredential")
    void neverPutsACredentialIntoTheRequestLine(Op op, String auth, String form) throws Exception {
        String key = "key-7Hq2+Zx/9=&";
        String password = "pass-V8s!n&Q=";
        boolean withKey = auth.equals("API key");
        server.enqueue(xml(200, op.success()));
        try (LoadMasterRestClient lm = client(connection(
                base(),
                withKey ? Secret.of(key) : null,
                withKey ? null : "bal",
                withKey ? null : Secret.of(password),
                true,
                Duration.ofSeconds(5)))) {
            op.run(lm);
        }
        RecordedRequest request = server.takeRequest();
        String command = op.name().toLowerCase(Locale.ROOT);
        assertEquals("POST /access/" + command + " HTTP/1.1", request.getRequestLine());
        assertEquals("/access/" + command, request.getTarget(), "no query string");
        String basic = Base64.getEncoder().encodeToString(("bal:" + password).getBytes(StandardCharsets.UTF_8));
        for (String secret : List.of(
                key,
                password,
                URLEncoder.encode(key, StandardCharsets.UTF_8),
                URLEncoder.encode(password, StandardCharsets.UTF_8),
                basic)) {
            assertFalse(request.getRequestLine().contains(secret), request.getRequestLine());
        }
        assertEquals("application/x-www-form-urlencoded", request.getHeaders().get("Content-Type"));
        String apiKey = "apikey=key-7Hq2%2BZx%2F9%3D%26";
        assertEquals(withKey ? (form.isEmpty() ? apiKey : form + "&" + apiKey) : form, body(request));
        assertEquals(withKey ? null : "Basic " + basic, request.getHeaders().get("Authorization"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/"})
    void buildsTheSamePathWithOrWithoutATrailingSlash(String suffix) throws Exception {
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        try (LoadMasterRestClient lm =
                client(connection(base() + suffix, Secret.of(KEY), null, null, true, Duration.ofSeconds(5)))) {
            lm.showVirtualService(VS);
        }
        assertEquals("/access/showvs", server.takeRequest().getTarget());
    }

    @Test
    void keepsAPathPrefixOfTheUrl() throws Exception {
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        try (LoadMasterRestClient lm =
                client(connection(base() + "/lm/", Secret.of(KEY), null, null, true, Duration.ofSeconds(5)))) {
            lm.showVirtualService(VS);
        }
        RecordedRequest request = server.takeRequest();
        assertEquals("/lm/access/showvs", request.getTarget());
        assertEquals("vs=3&apikey=k3y", body(request));
    }

    @Test
    void refusesAUrlThatIsNotHttp() {
        LoadMasterConnection c = connection("ftp://10.0.0.2", Secret.of(KEY), null, null, true, Duration.ofSeconds(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> client(c));
        assertEquals("the LoadMaster URL must be https://<address>[:port]", e.getMessage());
    }

    // ---- listvs

    @Test
    void sendsListvsAsAPostFormWithOnlyTheApiKey() throws Exception {
        server.enqueue(xml(200, "listvs-empty.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.listVirtualServices();
        }
        RecordedRequest request = server.takeRequest();
        assertEquals("POST /access/listvs HTTP/1.1", request.getRequestLine());
        assertEquals("application/x-www-form-urlencoded", request.getHeaders().get("Content-Type"));
        assertEquals("apikey=k3y", body(request));
        assertNull(request.getHeaders().get("Authorization"));
    }

    @Test
    void readsEveryVirtualServiceInAListvsAnswerAsShowvsWouldReadIt() throws Exception {
        VirtualServiceList list = list("listvs-two-vs.xml");
        VirtualServiceId sub = VirtualServiceId.of(4);
        assertEquals(
                Map.of(
                        VS,
                        new VirtualService(
                                VS, "10.0.0.5", 443, "tcp", "parent", List.of(sub), true, List.of(), null, false),
                        sub,
                        new VirtualService(
                                sub,
                                "",
                                0,
                                "tcp",
                                "sub",
                                List.of(),
                                false,
                                List.of(
                                        new RealServer(10, new Member("10.244.3.4", 9090), true, 1000),
                                        new RealServer(11, new Member("10.244.3.5", 9090), false, 500)),
                                VS,
                                false)),
                list.virtualServices());
        assertEquals(Map.of(), list.unreadable());
    }

    @Test
    void readsIpv6AddressesOfAListvsAnswerInCanonicalForm() throws Exception {
        String text = new String(Fixtures.bytes("listvs-two-vs.xml"), StandardCharsets.ISO_8859_1);
        String ipv6 = text.replace("<VSAddress>10.0.0.5</VSAddress>", "<VSAddress>FD00:0:0::0005</VSAddress>")
                .replace("<Addr>10.244.3.4</Addr>", "<Addr>FD00:0:0:0:0:0:0:1</Addr>")
                .replace("<Addr>10.244.3.5</Addr>", "<Addr>fd00::0002</Addr>");
        assertTrue(!ipv6.contains("10.0.0.5") && !ipv6.contains("10.244.3."), "every address replaced");
        server.enqueue(response(200, ipv6.getBytes(StandardCharsets.ISO_8859_1)));
        VirtualServiceList list;
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            list = lm.listVirtualServices();
        }
        VirtualService parent = list.virtualServices().get(VS);
        assertEquals("fd00::5", parent.address());
        assertEquals("[fd00::5]:443/tcp", parent.identity());
        assertEquals(
                List.of(
                        new RealServer(10, new Member("fd00::1", 9090), true, 1000),
                        new RealServer(11, new Member("fd00::2", 9090), false, 500)),
                list.virtualServices().get(VirtualServiceId.of(4)).realServers());
    }

    @Test
    void readsAnEmptyListvsAnswerAsALoadMasterWithoutVirtualServices() throws Exception {
        assertEquals(new VirtualServiceList(Map.of(), Map.of()), list("listvs-empty.xml"));
    }

    @Test
    void listsAVirtualServiceItCannotReadAsUnreadableAndReadsTheOthers() throws Exception {
        server.enqueue(response(200, replace("listvs-two-vs.xml", "<Addr>10.244.3.5</Addr>", "<Addr></Addr>")));
        VirtualServiceList list;
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            list = lm.listVirtualServices();
        }
        assertEquals(List.of(VS), List.copyOf(list.virtualServices().keySet()));
        assertEquals(
                Map.of(
                        VirtualServiceId.of(4),
                        "listvs: LoadMaster sent VS 4 in a form the agent cannot read (<Rs> #2 has no <Addr>)"),
                list.unreadable());
    }

    @Test
    void failsOnAListvsAnswerThatDoesNotSayWhichVirtualServicesItLists() throws Exception {
        server.enqueue(response(200, replace("listvs-two-vs.xml", "<Index>4</Index>", "<Index>3</Index>")));
        server.enqueue(response(200, replace("listvs-two-vs.xml", "<Index>4</Index>", "<Index></Index>")));
        server.enqueue(xml(200, "showvs-two-rs.xml"));
        server.enqueue(xml(200, "delrs.xml"));
        List<String> messages = new java.util.ArrayList<>();
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            for (int i = 0; i < 4; i++) {
                LoadMasterException e = assertThrows(LoadMasterException.class, lm::listVirtualServices);
                assertEquals(0, e.status());
                messages.add(e.getMessage());
            }
        }
        String prefix = "listvs: LoadMaster sent a list of Virtual Services the agent cannot read (";
        assertEquals(
                List.of(
                        prefix + "VS 3 is listed twice)",
                        prefix + "<VS> #2 has no valid <Index>)",
                        prefix + "<Data> holds <Status>, where a list has only <VS> elements)",
                        prefix + "no <Data> in <Success>)"),
                messages);
    }

    @Test
    void failsOnAListvsAnsweredWith401() throws Exception {
        server.enqueue(unauthorized());
        LoadMasterException e = failure(Op.LISTVS::run);
        assertEquals("listvs: LoadMaster answered 401 Unauthorized: " + LoadMasterRestClient.HINT_401, e.getMessage());
        assertEquals(401, e.status());
        assertEquals(1, server.getRequestCount(), "a 401 is not tried again");
    }

    @Test
    void triesAListvsAnsweredWith500ThreeTimesAndThenFails() throws Exception {
        enqueueForEveryTry(Op.LISTVS, xml(500, "error-internal.xml"));
        LoadMasterException e = failure(Op.LISTVS::run);
        assertEquals("listvs: LoadMaster answered 500 \"Internal error\"", e.getMessage());
        assertEquals(500, e.status());
        assertEquals(3, server.getRequestCount());
    }

    @Test
    void failsOnATruncatedListvsAnswer() throws Exception {
        byte[] whole = Fixtures.bytes("listvs-two-vs.xml");
        server.enqueue(response(200, Arrays.copyOf(whole, whole.length - 40)));
        LoadMasterException e = failure(Op.LISTVS::run);
        assertTrue(
                e.getMessage()
                        .startsWith("listvs: LoadMaster sent a response that is not a LoadMaster XML envelope"
                                + " (malformed XML: "),
                e.getMessage());
        assertEquals(0, e.status());
        assertEquals(1, server.getRequestCount(), "an answer that cannot be read is not tried again");
    }

    /** listvs is read as it streams, not as a DOM: it must judge what is not an envelope as the DOM path does. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "an HTML page|<html><body>Login</body></html>|an HTML page",
                "another root|<?xml version=\"1.0\"?><Answer/>|root element <Answer>, expected <Response>",
                "a DOCTYPE|<?xml version=\"1.0\"?><!DOCTYPE Response [<!ENTITY x \"y\">]><Response stat=\"200\""
                        + " code=\"ok\"><Success><Data/></Success></Response>|malformed XML: it contains a DOCTYPE"
                        + " declaration, which LoadMaster answers never have and the agent refuses",
                "not XML|{\"VS\": []}|not XML",
                "trailing garbage|<Response stat=\"200\" code=\"ok\"><Success><Data/></Success></Response><x>|"
                        + "malformed XML: "
            })
    void judgesAListvsAnswerThatIsNoEnvelopeAsAnyOther(String what, String body, String why) throws Exception {
        server.enqueue(response(200, body.getBytes(StandardCharsets.UTF_8)));
        LoadMasterException e = failure(Op.LISTVS::run);
        assertTrue(
                e.getMessage()
                        .startsWith("listvs: LoadMaster sent a response that is not a LoadMaster XML envelope (" + why),
                e.getMessage());
    }

    @Test
    void readsAListvsEnvelopeWithAnErrorAsARefusal() throws Exception {
        server.enqueue(response(
                200,
                "<Response stat=\"422\" code=\"fail\"><Error>Command not supported</Error></Response>"
                        .getBytes(StandardCharsets.UTF_8)));
        LoadMasterException e = failure(Op.LISTVS::run);
        assertEquals(422, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains("Command not supported"), e.getMessage());
    }

    // ---- showvs parsing

    @Test
    void readsAVirtualServiceWithTwoRealServers() throws Exception {
        VirtualService vs = show("showvs-two-rs.xml");
        assertEquals(VS, vs.id());
        assertEquals("10.0.0.5", vs.address());
        assertEquals(443, vs.port());
        assertEquals("tcp", vs.protocol());
        assertEquals("caf\u00e9", vs.nickName(), "ISO-8859-1 as declared, not UTF-8");
        assertFalse(vs.hasSubVirtualServices());
        assertEquals(
                List.of(
                        new RealServer(7, new Member("10.244.1.7", 8080), true, 1000),
                        new RealServer(8, new Member("10.244.2.9", 8080), false, 500)),
                vs.realServers());
    }

    @Test
    void readsIpv6AddressesOfAShowvsAnswerInCanonicalFormAsIfTheyWereSpeltSo() throws Exception {
        VirtualService vs = show("showvs-ipv6.xml");
        assertEquals("fd00::5", vs.address());
        assertEquals("[fd00::5]:443/tcp", vs.identity());
        assertEquals(
                List.of(
                        new RealServer(7, new Member("fd00::1", 8080), true, 1000),
                        new RealServer(8, new Member("fd00:0:0:1::9", 8080), false, 500)),
                vs.realServers());
        assertEquals("fd00::1", vs.realServers().get(0).member().ip());
        String canonical = new String(Fixtures.bytes("showvs-ipv6.xml"), StandardCharsets.ISO_8859_1)
                .replace("FD00:0:0:0:0:0:0:5", "fd00::5")
                .replace("FD00:0:0:0:0:0:0:1", "fd00::1")
                .replace("fd00:0:0:1::0009", "fd00:0:0:1::9");
        server.enqueue(response(200, canonical.getBytes(StandardCharsets.ISO_8859_1)));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            assertEquals(lm.showVirtualService(VS), vs, "the same VS however the LoadMaster spells its addresses");
        }
    }

    @Test
    void readsAVirtualServiceWithoutRealServers() throws Exception {
        VirtualService vs = show("showvs-no-rs.xml");
        assertEquals(new VirtualService(VS, "10.0.0.5", 80, "tcp", "web", List.of(), List.of()), vs);
    }

    @Test
    void readsTheSubVsIdsOfAParent() throws Exception {
        VirtualService vs = show("showvs-parent.xml");
        assertTrue(vs.hasSubVirtualServices());
        assertEquals(List.of(VirtualServiceId.of(4), VirtualServiceId.of(6)), vs.subVsIds());
        assertEquals(List.of(), vs.realServers());
    }

    @Test
    void readsASubVsWithoutAddress() throws Exception {
        server.enqueue(xml(200, "showvs-subvs.xml"));
        VirtualService vs;
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            vs = lm.showVirtualService(VirtualServiceId.of(4));
        }
        assertEquals(
                new VirtualService(
                        VirtualServiceId.of(4),
                        "",
                        0,
                        "tcp",
                        "sub",
                        List.of(),
                        false,
                        List.of(new RealServer(10, new Member("10.244.3.4", 9090), true, 1000)),
                        VirtualServiceId.of(3),
                        false),
                vs);
    }

    @Test
    void readsMasterVsWithoutListedSubVsAsAParent() throws Exception {
        VirtualService vs = show("showvs-master-without-subvs.xml");
        assertTrue(vs.hasSubVirtualServices());
        assertEquals(List.of(), vs.subVsIds());
        assertEquals(List.of(), vs.realServers());
    }

    @Test
    void readsOlderFirmwareWithoutTheNewerFields() throws Exception {
        VirtualService vs = show("showvs-old-firmware.xml");
        assertEquals(
                new VirtualService(
                        VS,
                        "10.0.0.5",
                        80,
                        "tcp",
                        "",
                        List.of(),
                        List.of(new RealServer(2, new Member("10.154.0.100", 80), true, 1000))),
                vs);
    }

    @Test
    void readsNumbersAndBooleansLeniently() throws Exception {
        VirtualService vs = show("showvs-loose-values.xml");
        assertEquals(80, vs.port());
        assertEquals(
                List.of(
                        new RealServer(11, new Member("10.244.1.7", 8080), true, 20),
                        new RealServer(12, new Member("10.244.1.8", 8080), false, 1000)),
                vs.realServers());
    }

    @Test
    void refusesAnAnswerAboutAnotherVirtualService() throws Exception {
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        LoadMasterException e = failure(lm -> lm.showVirtualService(VirtualServiceId.of(5)));
        assertEquals(
                "showvs vs=5: LoadMaster sent a Virtual Service the agent cannot read"
                        + " (it describes VS 3, not VS 5)",
                e.getMessage());
        assertEquals(0, e.status());
    }

    @Test
    void refusesARealServerWithoutAddress() throws Exception {
        server.enqueue(response(200, replace("showvs-two-rs.xml", "<Addr>10.244.2.9</Addr>", "<Addr> </Addr>")));
        LoadMasterException e = failure(lm -> lm.showVirtualService(VS));
        assertEquals(
                "showvs vs=3: LoadMaster sent a Virtual Service the agent cannot read (<Rs> #2 has no <Addr>)",
                e.getMessage());
    }

    @Test
    void refusesAnEnableThatIsNeitherYesNorNo() throws Exception {
        server.enqueue(response(200, replace("showvs-two-rs.xml", "<Enable>N</Enable>", "<Enable>maybe</Enable>")));
        LoadMasterException e = failure(lm -> lm.showVirtualService(VS));
        assertEquals(
                "showvs vs=3: LoadMaster sent a Virtual Service the agent cannot read"
                        + " (<Rs> #2 <Enable> is not Y or N (got \"maybe\"))",
                e.getMessage());
    }

    @Test
    void refusesAPortOutOfRange() throws Exception {
        server.enqueue(response(200, replace("showvs-two-rs.xml", "<Port>8080</Port>", "<Port>0</Port>")));
        LoadMasterException e = failure(lm -> lm.showVirtualService(VS));
        assertEquals(
                "showvs vs=3: LoadMaster sent a Virtual Service the agent cannot read"
                        + " (<Rs> #1 (10.244.1.7): port must be 1..65535 (got 0))",
                e.getMessage());
    }

    // ---- get answers

    @ParameterizedTest
    @CsvSource({"get-nonlocalrs-yes.xml,true", "get-nonlocalrs-no.xml,false"})
    void readsWhetherNonLocalRealServersAreEnabled(String fixture, boolean expected) throws Exception {
        server.enqueue(xml(200, fixture));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            assertEquals(expected, lm.nonLocalRealServersEnabled());
        }
    }

    static Stream<Arguments> unreadableGetAnswers() {
        return Stream.of(
                Arguments.of("no data", Fixtures.bytes("delrs.xml"), "no <Data><nonlocalrs> in <Success>"),
                Arguments.of(
                        "another parameter",
                        replace("get-nonlocalrs-yes.xml", "nonlocalrs>yes</nonlocalrs", "enableapi>yes</enableapi"),
                        "no <Data><nonlocalrs> in <Success>"),
                Arguments.of(
                        "neither yes nor no",
                        replace("get-nonlocalrs-yes.xml", ">yes<", ">perhaps<"),
                        "<nonlocalrs> is not Y or N (got \"perhaps\")"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadableGetAnswers")
    void reportsAGetAnswerItCannotReadWithoutStatus(String name, byte[] body, String reason) throws Exception {
        server.enqueue(response(200, body));
        LoadMasterException e = failure(Op.GET::run);
        assertEquals(
                "get param=nonlocalrs: LoadMaster sent an answer the agent cannot read (" + reason + ")",
                e.getMessage());
        assertEquals(0, e.status());
        assertEquals(1, server.getRequestCount(), "an answer that cannot be read is not retried");
    }

    // ---- addrs / delrs answers

    @ParameterizedTest
    @ValueSource(strings = {"addrs.xml", "addrs-completed.xml"})
    void acceptsBothFormsOfTheAddrsAnswer(String fixture) throws Exception {
        server.enqueue(xml(200, fixture));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.addRealServer(VS, POD);
        }
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void acceptsTheDelrsAnswer() throws Exception {
        server.enqueue(xml(200, "delrs.xml"));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.deleteRealServer(VS, POD);
        }
        assertEquals(1, server.getRequestCount());
    }

    // ---- failures with an answer

    /** Every call the client makes; named after its command. */
    enum Op {
        LISTVS,
        SHOWVS,
        GET,
        ADDRS,
        DELRS,
        MODRS;

        void run(LoadMaster lm) throws LoadMasterException {
            switch (this) {
                case LISTVS -> lm.listVirtualServices();
                case SHOWVS -> lm.showVirtualService(VS);
                case GET -> lm.nonLocalRealServersEnabled();
                case ADDRS -> lm.addRealServer(VS, POD);
                case DELRS -> lm.deleteRealServer(VS, POD);
                default -> lm.setRealServerEnabled(VS, POD, false);
            }
        }

        boolean read() {
            return this == LISTVS || this == SHOWVS || this == GET;
        }

        /** The fixture of a successful answer. */
        String success() {
            return switch (this) {
                case LISTVS -> "listvs-two-vs.xml";
                case SHOWVS -> "showvs-no-rs.xml";
                case GET -> "get-nonlocalrs-yes.xml";
                case ADDRS -> "addrs.xml";
                case DELRS -> "delrs.xml";
                default -> "modrs.xml";
            };
        }
    }

    static Stream<Arguments> answeredFailures() {
        String addrs = "addrs vs=3 rs=10.244.1.7:8080";
        String delrs = "delrs vs=3 rs=10.244.1.7:8080";
        String modrs = "modrs vs=3 rs=10.244.1.7:8080 enable=N";
        return Stream.of(
                Arguments.of(
                        Op.SHOWVS,
                        422,
                        "error-unknown-vs.xml",
                        true,
                        "showvs vs=3: LoadMaster answered 422 \"Unknown VS\""),
                Arguments.of(
                        Op.ADDRS,
                        422,
                        "error-unknown-vs.xml",
                        true,
                        addrs + ": LoadMaster answered 422 \"Unknown VS\""),
                Arguments.of(
                        Op.DELRS,
                        422,
                        "error-unknown-vs.xml",
                        true,
                        delrs + ": LoadMaster answered 422 \"Unknown VS\""),
                Arguments.of(
                        Op.DELRS,
                        422,
                        "error-unknown-rs.xml",
                        false,
                        delrs + ": LoadMaster answered 422 \"Unknown RS\""),
                Arguments.of(
                        Op.MODRS,
                        422,
                        "error-unknown-vs.xml",
                        true,
                        modrs + ": LoadMaster answered 422 \"Unknown VS\""),
                Arguments.of(
                        Op.MODRS,
                        422,
                        "error-unknown-rs.xml",
                        false,
                        modrs + ": LoadMaster answered 422 \"Unknown RS\""),
                Arguments.of(
                        Op.MODRS,
                        500,
                        "error-internal.xml",
                        false,
                        modrs + ": LoadMaster answered 500 \"Internal error\""),
                Arguments.of(
                        Op.SHOWVS,
                        500,
                        "error-internal.xml",
                        false,
                        "showvs vs=3: LoadMaster answered 500 \"Internal error\""),
                Arguments.of(
                        Op.GET,
                        422,
                        "error-unknown-parameter.xml",
                        false,
                        "get param=nonlocalrs: LoadMaster answered 422 \"Unknown parameter value nonlocalrs\""),
                Arguments.of(
                        Op.GET,
                        500,
                        "error-internal.xml",
                        false,
                        "get param=nonlocalrs: LoadMaster answered 500 \"Internal error\""),
                Arguments.of(
                        Op.ADDRS,
                        422,
                        "error-already-exists.xml",
                        false,
                        addrs + ": LoadMaster answered 422 \"Real Server already exists\""),
                Arguments.of(
                        Op.ADDRS,
                        422,
                        "error-couldnt-create-rs.xml",
                        false,
                        addrs + ": LoadMaster answered 422 \"Couldn't create RS\""),
                Arguments.of(
                        Op.ADDRS,
                        400,
                        "error-rsport-missing.xml",
                        false,
                        addrs + ": LoadMaster answered 400 \"rsport: Integer Value missing\""),
                Arguments.of(
                        Op.SHOWVS,
                        405,
                        "error-unknown-command.xml",
                        false,
                        "showvs vs=3: LoadMaster answered 405 \"Unknown command\""),
                Arguments.of(
                        Op.ADDRS,
                        429,
                        "error-too-many-requests.xml",
                        false,
                        addrs + ": LoadMaster answered 429 \"Too many requests\""),
                Arguments.of(
                        Op.DELRS,
                        500,
                        "error-internal.xml",
                        false,
                        delrs + ": LoadMaster answered 500 \"Internal error\""),
                Arguments.of(
                        Op.SHOWVS,
                        401,
                        "",
                        false,
                        "showvs vs=3: LoadMaster answered 401 Unauthorized: check the API key in loadmaster.apiKeyFile"
                                + " (or username/passwordFile) and that the user may use the API"),
                Arguments.of(
                        Op.ADDRS,
                        403,
                        "error-incorrect-permissions.xml",
                        false,
                        addrs + ": LoadMaster answered 403 \"Incorrect permissions\": the API user lacks permission"
                                + " for Real Server changes (System Administration > User Management)"),
                Arguments.of(
                        Op.ADDRS,
                        403,
                        "",
                        false,
                        addrs + ": LoadMaster answered 403: the API user lacks permission"
                                + " for Real Server changes (System Administration > User Management)"),
                Arguments.of(
                        Op.SHOWVS,
                        404,
                        "not-found.html",
                        false,
                        "showvs vs=3: LoadMaster answered 404: the API is disabled or the URL is wrong;"
                                + " enable it under Certificates & Security > Remote Access > Enable API Interface"),
                Arguments.of(
                        Op.SHOWVS,
                        500,
                        "server-error.html",
                        false,
                        "showvs vs=3: LoadMaster answered 500 with no LoadMaster XML envelope (an HTML page)"),
                Arguments.of(
                        Op.ADDRS,
                        429,
                        "",
                        false,
                        addrs + ": LoadMaster answered 429 with no LoadMaster XML envelope (empty body)"),
                Arguments.of(
                        Op.DELRS,
                        503,
                        "Service Unavailable",
                        false,
                        delrs + ": LoadMaster answered 503 with no LoadMaster XML envelope (not XML)"),
                Arguments.of(
                        Op.SHOWVS,
                        503,
                        "Service Unavailable",
                        false,
                        "showvs vs=3: LoadMaster answered 503 with no LoadMaster XML envelope (not XML)"));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("answeredFailures")
    void reportsWhatTheLoadMasterAnswered(Op op, int code, String body, boolean unknownVs, String message)
            throws Exception {
        for (int i = 0; i < 3; i++) {
            server.enqueue(response(
                    code,
                    body.endsWith(".xml") || body.endsWith(".html")
                            ? Fixtures.bytes(body)
                            : body.getBytes(StandardCharsets.ISO_8859_1)));
        }
        LoadMasterException e = failure(op::run);
        assertEquals(message, e.getMessage());
        assertEquals(code, e.status());
        assertEquals(code < 500, e.isRefusal());
        assertEquals(unknownVs, e instanceof UnknownVirtualServiceException);
        assertEquals(
                op.read() && code >= 500 ? 3 : 1,
                server.getRequestCount(),
                "only reads are retried, and only after a 5xx");
    }

    @Test
    void trimsTheErrorTextAndJoinsItsLines() throws Exception {
        server.enqueue(response(
                422,
                ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n"
                                + "<Response stat=\"422\" code=\"fail\"><Error>\r\n   Invalid address\r\n   10.0.0.x  \r\n</Error></Response>")
                        .getBytes(StandardCharsets.ISO_8859_1)));
        LoadMasterException e = failure(Op.ADDRS::run);
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Invalid address 10.0.0.x\"", e.getMessage());
        assertTrue(e.isRefusal());
    }

    @Test
    void believesAFailingEnvelopeEvenWithHttp200() throws Exception {
        server.enqueue(response(200, Fixtures.bytes("error-unknown-vs.xml")));
        LoadMasterException e = failure(Op.SHOWVS::run);
        assertInstanceOf(UnknownVirtualServiceException.class, e);
        assertEquals(422, e.status());
    }

    @Test
    void reportsARedirectWithoutItsLocation() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .code(302)
                .addHeader("Location", "https://elsewhere.example/access/showvs?vs=3&apikey=k3y")
                .build());
        LoadMasterException e = failure(Op.SHOWVS::run);
        assertEquals(
                "showvs vs=3: LoadMaster answered 302: a redirect, which the agent does not follow;"
                        + " check the scheme and address in loadmaster.url",
                e.getMessage());
        assertEquals(1, server.getRequestCount());
    }

    // ---- 200 answers that are not envelopes

    static Stream<Arguments> unreadable200s() {
        byte[] showvs = Fixtures.bytes("showvs-two-rs.xml");
        return Stream.of(
                Arguments.of("truncated", Arrays.copyOf(showvs, showvs.length / 2), "(malformed XML: "),
                Arguments.of("empty", new byte[0], "(empty body)"),
                Arguments.of("plain text", "OK".getBytes(StandardCharsets.ISO_8859_1), "(not XML)"),
                Arguments.of("html", Fixtures.bytes("server-error.html"), "(an HTML page)"),
                Arguments.of(
                        "wrong root",
                        "<?xml version=\"1.0\"?><Result code=\"ok\"/>".getBytes(StandardCharsets.ISO_8859_1),
                        "(root element <Result>, expected <Response>)"),
                Arguments.of(
                        "external entity",
                        ("<?xml version=\"1.0\"?><!DOCTYPE Response ["
                                        + "<!ENTITY x SYSTEM \"file:///etc/hostname\">]><Response stat=\"200\" code=\"ok\"><Success><Data>"
                                        + "<Index>3</Index><NickName>&x;</NickName></Data></Success></Response>")
                                .getBytes(StandardCharsets.ISO_8859_1),
                        "(malformed XML: "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadable200s")
    void treatsAn200ThatIsNotAnEnvelopeAsAFailureWithoutStatus(String name, byte[] body, String reason)
            throws Exception {
        server.enqueue(response(200, body));
        LoadMasterException e = failure(Op.SHOWVS::run);
        String prefix = "showvs vs=3: LoadMaster sent a response that is not a LoadMaster XML envelope ";
        assertTrue(e.getMessage().startsWith(prefix + reason), e.getMessage());
        assertTrue(e.getMessage().endsWith(")"), e.getMessage());
        assertEquals(0, e.status());
        assertFalse(e.isRefusal());
    }

    @Test
    void treatsAn200ThatIsNotAnEnvelopeAsAFailureForWritesToo() throws Exception {
        server.enqueue(response(200, "<html><body>Login</body></html>".getBytes(StandardCharsets.ISO_8859_1)));
        LoadMasterException e = failure(Op.ADDRS::run);
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster sent a response that is not a LoadMaster XML envelope"
                        + " (an HTML page)",
                e.getMessage());
        assertEquals(0, e.status());
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 422, 500})
    void refusesAnAnswerThatPullsInALocalFile(int code, @TempDir Path dir) throws Exception {
        byte[] body = LoadMasterXmlTest.xxe(
                "<!DOCTYPE Response [<!ENTITY x SYSTEM \"FILE\">]>"
                        + "<Response stat=\"" + code + "\" code=\"" + (code == 200 ? "ok" : "fail")
                        + "\"><Success><Data>"
                        + "<Index>3</Index><NickName>&x;</NickName></Data></Success><Error>&x;</Error></Response>",
                dir);
        for (int i = 0; i < 3; i++) {
            server.enqueue(response(code, body));
        }
        LoadMasterException e = failure(Op.SHOWVS::run);
        String expected = code == 200
                ? "showvs vs=3: LoadMaster sent a response that is not a LoadMaster XML envelope ("
                : "showvs vs=3: LoadMaster answered " + code + " with no LoadMaster XML envelope (";
        assertEquals(expected + LoadMasterXmlTest.DOCTYPE_REFUSED + ")", e.getMessage());
        assertFalse(e.getMessage().contains(LoadMasterXmlTest.MARKER));
    }

    // ---- no answer, and retries

    @Test
    void retriesAReadThatTimedOutAndReportsTheLastTimeoutWithStatusZero() throws Exception {
        for (int i = 0; i < 3; i++) {
            server.enqueue(new MockResponse.Builder()
                    .code(200)
                    .body("<Response/>")
                    .headersDelay(2, TimeUnit.SECONDS)
                    .build());
        }
        LoadMasterException e;
        try (LoadMasterRestClient lm =
                client(connection(base(), Secret.of(KEY), null, null, true, Duration.ofMillis(250)))) {
            e = assertThrows(LoadMasterException.class, () -> lm.showVirtualService(VS));
        }
        assertEquals(
                "showvs vs=3: no answer from LoadMaster " + base() + " (SocketTimeoutException: Read timed out)",
                e.getMessage());
        assertEquals(0, e.status());
        assertFalse(e.isRefusal());
        assertEquals(3, server.getRequestCount());
    }

    @Test
    void neverRetriesAWriteThatTimedOut() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .code(200)
                .body("<Response/>")
                .headersDelay(2, TimeUnit.SECONDS)
                .build());
        server.enqueue(xml(200, "addrs.xml"));
        LoadMasterException e;
        try (LoadMasterRestClient lm =
                client(connection(base(), Secret.of(KEY), null, null, true, Duration.ofMillis(250)))) {
            e = assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, POD));
        }
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: no answer from LoadMaster " + base()
                        + " (SocketTimeoutException: Read timed out)",
                e.getMessage());
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void reportsARefusedConnectionWithStatusZero() throws Exception {
        String url = base();
        server.close();
        LoadMasterException e;
        try (LoadMasterRestClient lm =
                client(connection(url, Secret.of(KEY), null, null, true, Duration.ofSeconds(2)))) {
            e = assertThrows(LoadMasterException.class, () -> lm.showVirtualService(VS));
        }
        String prefix = "showvs vs=3: no answer from LoadMaster " + url + " (HttpHostConnectException: ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        assertEquals(0, e.status());
    }

    @Test
    void retriesAReadAfterADroppedConnection() throws Exception {
        server.enqueue(dropped());
        server.enqueue(dropped());
        server.enqueue(xml(200, "showvs-two-rs.xml"));
        VirtualService vs;
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            vs = lm.showVirtualService(VS);
        }
        assertEquals(2, vs.realServers().size());
        assertEquals(3, server.getRequestCount());
        for (int i = 0; i < 3; i++) {
            RecordedRequest request = server.takeRequest();
            assertEquals("/access/showvs", request.getTarget());
            assertEquals("vs=3&apikey=k3y", body(request));
        }
    }

    @Test
    void retriesAReadAfterA5xx() throws Exception {
        server.enqueue(xml(503, "server-error.html"));
        server.enqueue(xml(500, "error-internal.xml"));
        server.enqueue(xml(200, "showvs-two-rs.xml"));
        VirtualService vs;
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            vs = lm.showVirtualService(VS);
        }
        assertEquals(2, vs.realServers().size());
        assertEquals(3, server.getRequestCount());
    }

    @Test
    void triesAReadAtMostThreeTimes() throws Exception {
        server.enqueue(dropped());
        server.enqueue(dropped());
        server.enqueue(dropped());
        server.enqueue(xml(200, "showvs-two-rs.xml"));
        LoadMasterException e = failure(Op.SHOWVS::run);
        assertTrue(
                e.getMessage().startsWith("showvs vs=3: no answer from LoadMaster " + base() + " ("), e.getMessage());
        assertEquals(0, e.status());
        assertEquals(3, server.getRequestCount());
    }

    static Stream<Arguments> refusalsOfARead() {
        return Stream.of(
                Arguments.of("400", xml(400, "error-rsport-missing.xml")),
                Arguments.of("401 without a credential file", unauthorized()),
                Arguments.of("403", xml(403, "error-incorrect-permissions.xml")),
                Arguments.of("404", xml(404, "not-found.html")),
                Arguments.of("422 Unknown VS", xml(422, "error-unknown-vs.xml")),
                Arguments.of("429", xml(429, "error-too-many-requests.xml")),
                Arguments.of("200 with a failing envelope", xml(200, "error-unknown-command.xml")),
                Arguments.of("200 that is not XML", response(200, "OK".getBytes(StandardCharsets.ISO_8859_1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusalsOfARead")
    void neverRetriesAReadThatTheLoadMasterAnsweredOtherThanWith5xx(String name, MockResponse answer) throws Exception {
        server.enqueue(answer);
        server.enqueue(xml(200, "showvs-two-rs.xml"));
        failure(Op.SHOWVS::run);
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void retriesReadsWithTheProductionBackoffByDefault() throws Exception {
        server.enqueue(dropped());
        server.enqueue(xml(503, "server-error.html"));
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        try (LoadMasterRestClient lm =
                new LoadMasterRestClient(connection(base(), Secret.of(KEY), null, null, true, Duration.ofSeconds(5)))) {
            lm.showVirtualService(VS);
        }
        assertEquals(Backoff.READS.attempts(), server.getRequestCount());
    }

    static Stream<Arguments> writesWithoutAnswerOrWith5xx() {
        return Stream.of(Op.ADDRS, Op.DELRS, Op.MODRS)
                .flatMap(op -> Stream.of(
                        Arguments.of(op, "a dropped connection", dropped()),
                        Arguments.of(op, "500", xml(500, "error-internal.xml")),
                        Arguments.of(op, "503", xml(503, "server-error.html"))));
    }

    @ParameterizedTest(name = "{0} after {1}")
    @MethodSource("writesWithoutAnswerOrWith5xx")
    void neverRetriesAWrite(Op op, String name, MockResponse first) throws Exception {
        server.enqueue(first);
        server.enqueue(xml(200, "delrs.xml"));
        LoadMasterException e = failure(op::run);
        assertFalse(e.isRefusal(), e.getMessage());
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void reportsAWriteWithoutAnswerWithStatusZero() throws Exception {
        server.enqueue(dropped());
        LoadMasterException e = failure(Op.MODRS::run);
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "modrs vs=3 rs=10.244.1.7:8080 enable=N: no answer from LoadMaster " + base() + " ("),
                e.getMessage());
        assertEquals(0, e.status());
        assertFalse(e.isRefusal());
    }

    // ---- secrets

    static Stream<Arguments> everyKindOfFailure() {
        return Stream.of(
                Arguments.of("422", xml(422, "error-unknown-vs.xml")),
                Arguments.of("401", unauthorized()),
                Arguments.of("403", xml(403, "error-incorrect-permissions.xml")),
                Arguments.of("404", xml(404, "not-found.html")),
                Arguments.of("500", xml(500, "server-error.html")),
                Arguments.of(
                        "302",
                        new MockResponse.Builder()
                                .code(302)
                                .addHeader("Location", "/access/showvs?vs=3&apikey=" + KEY)
                                .build()),
                Arguments.of("truncated", response(200, Arrays.copyOf(Fixtures.bytes("showvs-no-rs.xml"), 300))),
                Arguments.of("dropped", dropped()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyKindOfFailure")
    void neverPutsTheApiKeyIntoAMessage(String name, MockResponse answer) throws Exception {
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            for (Op op : Op.values()) {
                enqueueForEveryTry(op, answer);
                LoadMasterException e = assertThrows(LoadMasterException.class, () -> op.run(lm));
                assertNoSecret(e);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyKindOfFailure")
    void neverPutsThePasswordIntoAMessage(String name, MockResponse answer) throws Exception {
        LoadMasterConnection c = connection(base(), null, "bal", Secret.of(PASSWORD), true, Duration.ofSeconds(5));
        try (LoadMasterRestClient lm = client(c)) {
            for (Op op : Op.values()) {
                enqueueForEveryTry(op, answer);
                LoadMasterException e = assertThrows(LoadMasterException.class, () -> op.run(lm));
                assertNoSecret(e);
            }
        }
    }

    @Test
    void neverPutsTheApiKeyIntoATimeoutOrRefusalMessage() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .code(200)
                .headersDelay(2, TimeUnit.SECONDS)
                .build());
        try (LoadMasterRestClient lm =
                client(connection(base(), Secret.of(KEY), null, null, true, Duration.ofMillis(250)))) {
            assertNoSecret(assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, POD)));
        }
        String url = base();
        server.close();
        try (LoadMasterRestClient lm =
                client(connection(url, Secret.of(KEY), null, null, true, Duration.ofMillis(250)))) {
            assertNoSecret(assertThrows(LoadMasterException.class, () -> lm.deleteRealServer(VS, POD)));
        }
    }

    // ---- logging

    @Test
    void logsEachAttemptAtDebugLevelWithoutTheUrl() throws Exception {
        server.enqueue(dropped());
        server.enqueue(xml(200, "showvs-two-rs.xml"));
        server.enqueue(xml(422, "error-already-exists.xml"));
        List<String> lines;
        try (LogCapture log = new LogCapture(LoadMasterRestClient.class);
                LoadMasterRestClient lm = client(apiKey(), true)) {
            lm.showVirtualService(VS);
            assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, POD));
            lines = log.lines();
        }
        assertEquals(4, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("FINE showvs vs=3: no answer after \\d+ ms \\(.+\\)"), lines.get(0));
        assertEquals("FINE showvs vs=3: trying again", lines.get(1));
        assertTrue(lines.get(2).matches("FINE showvs vs=3: 200 in \\d+ ms"), lines.get(2));
        assertTrue(lines.get(3).matches("FINE addrs vs=3 rs=10\\.244\\.1\\.7:8080: 422 in \\d+ ms"), lines.get(3));
        for (String line : lines) {
            assertFalse(line.contains(KEY) || line.contains("http:") || line.contains("/access"), line);
        }
    }

    // ---- helpers

    /** Enough answers for every try of the call: three for a read, one for a write. */
    private void enqueueForEveryTry(Op op, MockResponse answer) {
        for (int i = 0; i < (op.read() ? 3 : 1); i++) {
            server.enqueue(answer);
        }
    }

    /** The request's form body. */
    static String body(RecordedRequest request) {
        return request.getBody() == null ? "" : request.getBody().string(StandardCharsets.ISO_8859_1);
    }

    private VirtualServiceList list(String fixture) throws LoadMasterException {
        server.enqueue(xml(200, fixture));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            return lm.listVirtualServices();
        }
    }

    private VirtualService show(String fixture) throws LoadMasterException {
        server.enqueue(xml(200, fixture));
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            return lm.showVirtualService(VS);
        }
    }

    interface Call {
        void run(LoadMaster lm) throws LoadMasterException;
    }

    private LoadMasterException failure(Call call) {
        try (LoadMasterRestClient lm = client(apiKey(), true)) {
            return assertThrows(LoadMasterException.class, () -> call.run(lm));
        }
    }

    private static void assertNoSecret(LoadMasterException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String text = String.valueOf(t.getMessage()) + " " + t;
            assertFalse(text.contains(KEY), text);
            assertFalse(text.contains(PASSWORD), text);
        }
    }

    private Secret apiKey() {
        return Secret.of(KEY);
    }

    @Test
    void sendsAsManyWritesAtOnceAsMaxInFlightAllows() throws Exception {
        int n = 8; // more than the 4 connections a client keeps otherwise
        CountDownLatch allThere = new CountDownLatch(n);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                allThere.countDown(); // each answer waits until all n requests have arrived
                return allThere.await(10, TimeUnit.SECONDS)
                        ? xml(200, "addrs.xml")
                        : response(500, "not all at once".getBytes(StandardCharsets.UTF_8));
            }
        });
        LoadMasterConnection c = connection(base(), apiKey(), null, null, false, Duration.ofSeconds(30));
        try (LoadMasterRestClient lm = client(new LoadMasterConnection(
                c.url(),
                c.tls(),
                c.apiKey(),
                c.apiKeyFile(),
                c.username(),
                c.password(),
                c.passwordFile(),
                c.nonLocal(),
                c.timeout(),
                n))) {
            List<Thread> writers = new ArrayList<>();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < n; i++) {
                VirtualServiceId vs = VirtualServiceId.of(i + 1);
                Thread t = new Thread(() -> {
                    try {
                        lm.addRealServer(vs, POD);
                    } catch (LoadMasterException e) {
                        failures.add(e);
                    }
                });
                writers.add(t);
                t.start();
            }
            for (Thread t : writers) {
                t.join();
            }
            assertEquals(List.of(), failures);
            assertEquals(n, server.getRequestCount());
        }
    }

    @Test
    void aWriteThatMayNoLongerBeSentNeverReachesTheLoadMasterWhileReadsGoOn() throws Exception {
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        try (LoadMasterRestClient lm = new LoadMasterRestClient(
                connection(base(), apiKey(), null, null, false, Duration.ofSeconds(5)),
                ApiObserver.NONE,
                () -> false,
                Duration.ofSeconds(5))) {
            LoadMasterException e = assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, POD));
            assertEquals(
                    "addrs vs=3 rs=10.244.1.7:8080: not sent: this agent no longer holds the Lease (it could not renew"
                            + " it in time), so it writes nothing more to the LoadMaster",
                    e.getMessage());
            assertThrows(LoadMasterException.class, () -> lm.deleteRealServer(VS, POD));
            assertThrows(LoadMasterException.class, () -> lm.setRealServerEnabled(VS, POD, false));
            lm.showVirtualService(VS);
        }
        List<String> reached = new ArrayList<>();
        for (RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS);
                r != null;
                r = server.takeRequest(200, TimeUnit.MILLISECONDS)) {
            String path = r.getUrl().encodedPath();
            if (!path.equals("/access/showvs")) {
                assertEquals(0, r.getBodySize(), path + ": no write's form (what to change) left the agent");
                assertNotNull(r.getFailure(), path + ": the request broke off after its head");
            }
            reached.add(path);
        }
        assertEquals(1, reached.stream().filter("/access/showvs"::equals).count(), reached::toString);
    }

    @Test
    void aWriteWaitsForItsAnswerOnlyAsLongAsItsOwnDeadlineWhileReadsWaitTheFullTimeout() throws Exception {
        MockResponse slow = new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "text/xml")
                .body(new String(Fixtures.bytes("addrs.xml"), StandardCharsets.ISO_8859_1))
                .headersDelay(1500, TimeUnit.MILLISECONDS)
                .build();
        server.enqueue(slow);
        server.enqueue(new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "text/xml")
                .body(new String(Fixtures.bytes("showvs-no-rs.xml"), StandardCharsets.ISO_8859_1))
                .headersDelay(1500, TimeUnit.MILLISECONDS)
                .build());
        try (LoadMasterRestClient lm = new LoadMasterRestClient(
                connection(base(), apiKey(), null, null, false, Duration.ofSeconds(5)),
                ApiObserver.NONE,
                () -> true,
                Duration.ofMillis(500))) {
            LoadMasterException e = assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, POD));
            assertTrue(
                    e.getMessage().startsWith("addrs vs=3 rs=10.244.1.7:8080: no answer from LoadMaster"),
                    e.getMessage());
            lm.showVirtualService(VS); // 1.5 s, within the 5 s of a read
        }
    }

    @Test
    void whetherAWriteMayStillBeSentIsAskedOnceForEachWriteAsItGoesOut() throws Exception {
        server.enqueue(xml(200, "addrs.xml"));
        AtomicInteger asked = new AtomicInteger();
        try (LoadMasterRestClient lm = new LoadMasterRestClient(
                connection(base(), apiKey(), null, null, false, Duration.ofSeconds(5)),
                ApiObserver.NONE,
                () -> asked.incrementAndGet() > 0,
                Duration.ofSeconds(5))) {
            lm.addRealServer(VS, POD);
        }
        assertEquals(1, asked.get());
        assertEquals(1, server.getRequestCount());
    }

    private LoadMasterRestClient client(Secret apiKey, boolean nonLocal) {
        return client(connection(base(), apiKey, null, null, nonLocal, Duration.ofSeconds(5)));
    }

    private static LoadMasterRestClient client(LoadMasterConnection c) {
        return new LoadMasterRestClient(c, NO_WAITS);
    }

    private static LoadMasterConnection connection(
            String url, Secret apiKey, String user, Secret password, boolean nonLocal, Duration timeout) {
        return new LoadMasterConnection(
                URI.create(url), TlsSettings.systemTrust(), apiKey, user, password, nonLocal, timeout);
    }

    /** {@code http://host:port}, without a trailing slash. */
    private String base() {
        String url = server.url("/").toString();
        return url.substring(0, url.length() - 1);
    }

    private static byte[] replace(String fixture, String from, String to) {
        String text = new String(Fixtures.bytes(fixture), StandardCharsets.ISO_8859_1);
        if (!text.contains(from)) {
            throw new IllegalArgumentException(fixture + " has no " + from);
        }
        return text.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to))
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
