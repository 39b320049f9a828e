package kubelmagent.loadmaster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import kubelmagent.http.ApiObserver;
import kubelmagent.http.Backoff;
import kubelmagent.model.Member;
import kubelmagent.model.RealServer;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.secret.Secret;
import kubelmagent.simulator.LoadMasterSimulator;
import kubelmagent.simulator.RefusalException;
import kubelmagent.simulator.SimRealServer;
import kubelmagent.simulator.SimulatedLoadMaster;
import kubelmagent.simulator.VsRef;
import kubelmagent.tls.Pem;
import kubelmagent.tls.TlsSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent's LoadMaster client against the simulator, over verified HTTPS: the behaviours
 * {@link LoadMasterRestClientTest} checks against scripted MockWebServer answers, here against a
 * LoadMaster that keeps state, with the same operator-facing messages.
 */
class LoadMasterRestClientSimulatorTest {

    private static final String KEY = "k3y";
    private static final String PASSWORD = "pa55-w0rd";
    private static final VirtualServiceId VS = VirtualServiceId.of(3);
    private static final Member POD = new Member("10.244.1.7", 8080);
    /** Three tries as in production, without the waits. */
    private static final Backoff NO_WAITS = new Backoff(3, Duration.ZERO, Duration.ZERO);

    private static LoadMasterSimulator simulator;
    private static TlsSettings tls;
    private SimulatedLoadMaster lm;

    @BeforeAll
    static void start() throws IOException {
        simulator = LoadMasterSimulator.start(
                LoadMasterSimulator.Options.defaults().apiKey(KEY).credentials("bal", PASSWORD));
        tls = TlsSettings.trusting(Pem.readCertificates(simulator.caFile()));
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    /** A factory-new LoadMaster with non-local Real Servers switched on: POD is outside 10.0.0.0/24. */
    @BeforeEach
    void reset() {
        lm = simulator.engine();
        lm.reset();
        lm.setNonLocalRs(true);
    }

    // ---- listvs

    @Test
    void listsEveryVirtualServiceSubVsIncludedAsShowvsShowsEach() throws Exception {
        lm.addVirtualService(2, "10.0.0.4", 80, "udp", "dns");
        lm.addRealServerByHand(2, "10.244.1.7", 53);
        lm.addRealServerByHand(2, "10.244.2.9", 53, false, 500);
        lm.addVirtualService(3, "10.0.0.5", 443, "tcp", "parent");
        lm.addSubVirtualService(3, 4, "sub");
        lm.addRealServerByHand(4, "10.244.3.4", 9090);
        lm.setTransparent(2, true);
        Map<VirtualServiceId, VirtualService> shown = new TreeMap<>();
        VirtualServiceList list;
        try (LoadMasterRestClient client = client()) {
            for (int index : new int[] {2, 3, 4}) {
                VirtualServiceId id = VirtualServiceId.of(index);
                shown.put(id, client.showVirtualService(id));
            }
            list = client.listVirtualServices();
        }
        assertEquals(shown, list.virtualServices());
        assertEquals(Map.of(), list.unreadable());
        assertEquals(1, lm.calls("listvs"));
    }

    /** A steady pass's listvs is the same answer as the last: it is not parsed again, and a change is seen. */
    @Test
    void anUnchangedListIsNotReadAgainAndAChangedOneIs() throws Exception {
        lm.addVirtualService(2, "10.0.0.4", 80, "tcp", "web");
        lm.addRealServerByHand(2, "10.244.1.7", 8080);
        try (LoadMasterRestClient client = client()) {
            VirtualServiceList first = client.listVirtualServices();
            VirtualServiceList same = client.listVirtualServices();
            lm.addRealServerByHand(2, "10.244.1.8", 8080);
            VirtualServiceList changed = client.listVirtualServices();

            assertSame(first, same, "the same answer, read once");
            assertEquals(
                    2,
                    changed.virtualServices()
                            .get(VirtualServiceId.of(2))
                            .realServers()
                            .size(),
                    "the new RS seen");
            assertEquals(3, lm.calls("listvs"), "asked every time");
        }
    }

    @Test
    void listsNoVirtualServicesOfAnEmptyLoadMaster() throws Exception {
        try (LoadMasterRestClient client = client()) {
            assertEquals(new VirtualServiceList(Map.of(), Map.of()), client.listVirtualServices());
        }
    }

    // ---- showvs

    @Test
    void readsAVirtualServiceWithTwoRealServers() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 443, "tcp", "caf\u00e9");
        lm.addRealServerByHand(3, "10.244.1.7", 8080);
        lm.addRealServerByHand(3, "10.244.2.9", 8080, false, 500);
        VirtualService vs = show();
        assertEquals(
                new VirtualService(
                        VS,
                        "10.0.0.5",
                        443,
                        "tcp",
                        "caf\u00e9",
                        List.of(),
                        List.of(
                                new RealServer(1, new Member("10.244.1.7", 8080), true, 1000),
                                new RealServer(2, new Member("10.244.2.9", 8080), false, 500))),
                vs);
    }

    @Test
    void readsAVirtualServiceWithoutRealServers() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        assertEquals(new VirtualService(VS, "10.0.0.5", 80, "tcp", "web", List.of(), List.of()), show());
    }

    @Test
    void readsTheSubVsIdsOfAParent() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 443, "tcp", "parent");
        lm.addSubVirtualService(3, 4, "");
        lm.addSubVirtualService(3, 6, "api");
        VirtualService vs = show();
        assertTrue(vs.hasSubVirtualServices());
        assertEquals(List.of(VirtualServiceId.of(4), VirtualServiceId.of(6)), vs.subVsIds());
        assertEquals(List.of(), vs.realServers());
    }

    @Test
    void readsASubVsWithoutAddress() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 443, "tcp", "parent");
        lm.addSubVirtualService(3, 4, "sub");
        lm.addRealServerByHand(4, "10.244.3.4", 9090);
        VirtualService vs;
        try (LoadMasterRestClient client = client()) {
            vs = client.showVirtualService(VirtualServiceId.of(4));
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
                        List.of(new RealServer(2, new Member("10.244.3.4", 9090), true, 1000)),
                        VirtualServiceId.of(3),
                        false),
                vs);
    }

    // ---- get

    @Test
    void readsWhetherNonLocalRealServersAreEnabled() throws Exception {
        try (LoadMasterRestClient client = client()) {
            lm.setNonLocalRs(true);
            assertTrue(client.nonLocalRealServersEnabled());
            lm.setNonLocalRs(false);
            assertFalse(client.nonLocalRealServersEnabled());
        }
        assertEquals(2, lm.calls("get"));
    }

    // ---- addrs / delrs

    @Test
    void addsARealServerWithTheLoadMastersDefaults() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        try (LoadMasterRestClient client = client()) {
            client.addRealServer(VS, POD);
        }
        assertEquals(
                List.of(new SimRealServer(3, 1, "10.244.1.7", 8080, "Down", "", "nat", 1000, 0, 0, 0, true, false, 0)),
                lm.realServers(3));
        assertEquals(1, lm.calls("addrs"));
    }

    @Test
    void addsAPodOutsideTheLoadMastersSubnetOnlyWithNonLocal() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        LoadMasterException e =
                failure(client(connection(Secret.of(KEY), null, null, false, Duration.ofSeconds(5))), Op.ADDRS);
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Real Server address is not on a local network\"",
                e.getMessage());
        lm.setNonLocalRs(false);
        assertThrows(LoadMasterException.class, () -> Op.ADDRS.run(client()));
        lm.setNonLocalRs(true);
        Op.ADDRS.run(client());
        assertEquals(1, lm.realServers(3).size());
    }

    @Test
    void aFactoryNewLoadMasterRefusesPodsOutsideItsSubnetsUntilNonLocalRealServersAreOn() throws Exception {
        lm.reset();
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        try (LoadMasterRestClient client = client()) {
            assertFalse(client.nonLocalRealServersEnabled());
            assertEquals(
                    "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422"
                            + " \"Real Server address is not on a local network\"",
                    assertThrows(LoadMasterException.class, () -> client.addRealServer(VS, POD))
                            .getMessage());
            client.addRealServer(VS, new Member("10.0.0.20", 8080)); // in the VS's /24: local
        }
        assertEquals(
                List.of("10.0.0.20"),
                lm.realServers(3).stream().map(SimRealServer::addr).toList());
    }

    @Test
    void reportsAPodRefusedByATransparentVirtualService() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.setTransparent(3, true);
        try (LoadMasterRestClient client = client()) {
            assertTrue(client.showVirtualService(VS).transparent());
            LoadMasterException e = assertThrows(LoadMasterException.class, () -> client.addRealServer(VS, POD));
            assertEquals(
                    "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422"
                            + " \"Non-local Real Servers cannot be used on a transparent Virtual Service\"",
                    e.getMessage());
            assertTrue(e.isRefusal());
            client.addRealServer(VS, new Member("10.0.0.20", 8080));
        }
        assertEquals(
                List.of("10.0.0.20"),
                lm.realServers(3).stream().map(SimRealServer::addr).toList());
    }

    @Test
    void deletesARealServer() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addRealServerByHand(3, POD.ip(), POD.port());
        lm.addRealServerByHand(3, "10.244.2.9", 8080);
        try (LoadMasterRestClient client = client()) {
            client.deleteRealServer(VS, POD);
        }
        assertEquals(
                List.of("10.244.2.9"),
                lm.realServers(3).stream().map(SimRealServer::addr).toList());
    }

    @Test
    void disablesARealServerAndEnablesItAgain() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addRealServerByHand(3, POD.ip(), POD.port());
        lm.addRealServerByHand(3, "10.244.2.9", 8080);
        try (LoadMasterRestClient client = client()) {
            client.setRealServerEnabled(VS, POD, false);
            assertEquals(
                    List.of(
                            new RealServer(1, POD, false, 1000),
                            new RealServer(2, new Member("10.244.2.9", 8080), true, 1000)),
                    client.showVirtualService(VS).realServers());
            client.setRealServerEnabled(VS, POD, true);
            assertEquals(
                    List.of(
                            new RealServer(1, POD, true, 1000),
                            new RealServer(2, new Member("10.244.2.9", 8080), true, 1000)),
                    client.showVirtualService(VS).realServers());
        }
        assertEquals(2, lm.calls("modrs"));
    }

    // ---- failures with an answer

    enum Op {
        SHOWVS,
        ADDRS,
        DELRS,
        MODRS;

        void run(LoadMasterRestClient client) throws LoadMasterException {
            try (client) {
                switch (this) {
                    case SHOWVS -> client.showVirtualService(VS);
                    case ADDRS -> client.addRealServer(VS, POD);
                    case DELRS -> client.deleteRealServer(VS, POD);
                    default -> client.setRealServerEnabled(VS, POD, false);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SHOWVS", "ADDRS", "DELRS", "MODRS"})
    void reportsAnUnknownVirtualService(Op op) {
        LoadMasterException e = failure(op);
        String expected = switch (op) {
            case SHOWVS -> "showvs vs=3";
            case ADDRS -> "addrs vs=3 rs=10.244.1.7:8080";
            case DELRS -> "delrs vs=3 rs=10.244.1.7:8080";
            default -> "modrs vs=3 rs=10.244.1.7:8080 enable=N";
        };
        assertEquals(expected + ": LoadMaster answered 422 \"Unknown VS\"", e.getMessage());
        assertInstanceOf(UnknownVirtualServiceException.class, e);
        assertEquals(422, e.status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"DELRS", "MODRS"})
    void reportsAnUnknownRealServer(Op op) {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addRealServerByHand(3, POD.ip(), 9090);
        LoadMasterException e = failure(op);
        String expected = op == Op.DELRS ? "delrs vs=3 rs=10.244.1.7:8080" : "modrs vs=3 rs=10.244.1.7:8080 enable=N";
        assertEquals(expected + ": LoadMaster answered 422 \"Unknown RS\"", e.getMessage());
        assertTrue(e.isRefusal());
        assertFalse(e instanceof UnknownVirtualServiceException);
        assertEquals(
                List.of(true),
                lm.realServers(3).stream().map(SimRealServer::enabled).toList());
    }

    // ---- IPv6

    /**
     * An IPv6 VS and its Real Servers end to end: whatever the spelling they were given in, the client sends,
     * and reads back, the canonical form, and the simulator takes every spelling as the same address.
     */
    @Test
    void addsListsModifiesAndDeletesIpv6RealServersWhateverTheSpelling() throws Exception {
        VirtualServiceId vs = VirtualServiceId.of(
                lm.addvs("FD00:0:0:0:0:0:0:0005", 443, "tcp", Map.of()).index());
        Member pod = new Member("FD00:0:0::0001", 8443); // outside the VS's /64 it would be non-local: inside it
        lm.addrs(simulatorVs(vs), "fd00:0:0:0::2", 8443, Map.of(), false); // another client, another spelling
        try (LoadMasterRestClient client = client()) {
            client.addRealServer(vs, pod);
            VirtualService listed =
                    client.listVirtualServices().virtualServices().get(vs);
            assertEquals("fd00::5", listed.address());
            assertEquals("[fd00::5]:443/tcp", listed.identity());
            assertEquals(
                    List.of(
                            new RealServer(1, new Member("fd00::2", 8443), true, 1000),
                            new RealServer(2, new Member("fd00::1", 8443), true, 1000)),
                    listed.realServers());
            assertEquals(listed, client.showVirtualService(vs));

            LoadMasterException duplicate = assertThrows(
                    LoadMasterException.class, () -> client.addRealServer(vs, new Member("fd00:0::1", 8443)));
            assertEquals(
                    "addrs vs=" + vs + " rs=[fd00::1]:8443: LoadMaster answered 422 \"Real Server already exists\"",
                    duplicate.getMessage());
            assertEquals(
                    "Real Server already exists",
                    assertThrows(
                                    RefusalException.class,
                                    () -> lm.addrs(simulatorVs(vs), "FD00::0:1", 8443, Map.of(), false))
                            .text(),
                    "any spelling is the duplicate");

            client.setRealServerEnabled(vs, new Member("fd00:0:0:0:0:0:0:1", 8443), false);
            assertEquals(
                    List.of(true, false),
                    lm.realServers(vs.index()).stream()
                            .map(SimRealServer::enabled)
                            .toList());
            client.deleteRealServer(vs, new Member("FD00::2", 8443));
            assertEquals(
                    List.of(new RealServer(2, new Member("fd00::1", 8443), false, 1000)),
                    client.showVirtualService(vs).realServers());
        }
        assertEquals(
                List.of("fd00::1"),
                lm.realServers(vs.index()).stream().map(SimRealServer::addr).toList());
    }

    /**
     * A VS takes Real Servers of the other family (the simulator's guess: the LoadMaster translates), as
     * non-local ones; a set-up that cannot is refused with a text the client reports as it is.
     */
    @Test
    void addsARealServerOfTheOtherFamilyAsANonLocalOneOrReportsItsRefusal() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "v4");
        lm.addVirtualService(5, "fd00::5", 80, "tcp", "v6");
        Member ipv6 = new Member("fd00:0:0:9::7", 8080);
        Member ipv4 = new Member("10.244.1.7", 8080);
        try (LoadMasterRestClient local =
                client(connection(Secret.of(KEY), null, null, false, Duration.ofSeconds(5)))) {
            assertEquals(
                    "addrs vs=3 rs=[fd00:0:0:9::7]:8080: LoadMaster answered 422"
                            + " \"Real Server address is not on a local network\"",
                    assertThrows(LoadMasterException.class, () -> local.addRealServer(VS, ipv6))
                            .getMessage());
        }
        try (LoadMasterRestClient client = client()) {
            client.addRealServer(VS, ipv6);
            client.addRealServer(VirtualServiceId.of(5), ipv4);
            VirtualServiceList list = client.listVirtualServices();
            assertEquals(
                    List.of(new RealServer(1, ipv6, true, 1000)),
                    list.virtualServices().get(VS).realServers());
            assertEquals(
                    List.of(new RealServer(2, ipv4, true, 1000)),
                    list.virtualServices().get(VirtualServiceId.of(5)).realServers());

            lm.setOtherFamilyRealServers(false);
            LoadMasterException e = assertThrows(
                    LoadMasterException.class, () -> client.addRealServer(VS, new Member("fd00::8", 8080)));
            assertEquals(
                    "addrs vs=3 rs=[fd00::8]:8080: LoadMaster answered 422"
                            + " \"Real Server address family does not match the Virtual Service\"",
                    e.getMessage());
            assertTrue(e.isRefusal());
            client.deleteRealServer(VS, ipv6); // what is there can still go
        }
        assertEquals(List.of(), lm.realServers(3));
    }

    private static VsRef simulatorVs(VirtualServiceId vs) {
        return VsRef.index(vs.index());
    }

    @Test
    void reportsADuplicate() {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addRealServerByHand(3, POD.ip(), POD.port());
        LoadMasterException e = failure(Op.ADDRS);
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Real Server already exists\"",
                e.getMessage());
        assertEquals(422, e.status());
    }

    @Test
    void reportsRealServersRefusedOnAParent() {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addSubVirtualService(3, 4, "a");
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Couldn't create RS\"",
                failure(Op.ADDRS).getMessage());
    }

    @Test
    void reportsWrongCredentials() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        String expected =
                "showvs vs=3: LoadMaster answered 401 Unauthorized: check the API key in loadmaster.apiKeyFile"
                        + " (or username/passwordFile) and that the user may use the API";
        LoadMasterException e =
                failure(client(connection(Secret.of("wrong"), null, null, true, Duration.ofSeconds(5))), Op.SHOWVS);
        assertEquals(expected, e.getMessage());
        assertEquals(401, e.status());
        assertEquals(
                expected,
                failure(client(connection(null, "bal", Secret.of("wrong"), true, Duration.ofSeconds(5))), Op.SHOWVS)
                        .getMessage());
        Op.SHOWVS.run(client(connection(null, "bal", Secret.of(PASSWORD), true, Duration.ofSeconds(5))));
    }

    @Test
    void reports401AfterTheKeyIsRevoked() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.faults().unauthorizedAfter(1);
        try (LoadMasterRestClient client = client()) {
            client.showVirtualService(VS);
            assertEquals(
                    401,
                    assertThrows(LoadMasterException.class, () -> client.showVirtualService(VS))
                            .status());
        }
    }

    @Test
    void reportsADisabledApi() {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.setApiEnabled(false);
        LoadMasterException e = failure(Op.SHOWVS);
        assertEquals(
                "showvs vs=3: LoadMaster answered 404: the API is disabled or the URL is wrong;"
                        + " enable it under Certificates & Security > Remote Access > Enable API Interface",
                e.getMessage());
        assertEquals(404, e.status());
    }

    @Test
    void reportsAServerErrorAndDoesNotRetryIt() {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addRealServerByHand(3, POD.ip(), POD.port());
        lm.faults().failNext("delrs", 500, "Internal error");
        LoadMasterException e = failure(Op.DELRS);
        assertEquals("delrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 500 \"Internal error\"", e.getMessage());
        assertFalse(e.isRefusal());
        assertEquals(1, lm.calls("delrs"));
        assertEquals(1, lm.realServers(3).size());
    }

    @Test
    void reportsInjectedRefusalsWithTheirHints() {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.faults().failNext("addrs", 403, "Incorrect permissions").failNext("addrs", 429, "Too many requests");
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 403 \"Incorrect permissions\": the API user"
                        + " lacks permission for Real Server changes (System Administration > User Management)",
                failure(Op.ADDRS).getMessage());
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 429 \"Too many requests\"",
                failure(Op.ADDRS).getMessage());
        assertEquals(List.of(), lm.realServers(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unknown VS", "401", "404", "500", "dropped", "timeout"})
    void neverPutsTheApiKeyOrPasswordIntoAMessage(String failure) {
        for (boolean withKey : new boolean[] {true, false}) {
            lm.reset();
            if (!failure.equals("unknown VS")) {
                lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
            }
            switch (failure) {
                case "401" -> lm.faults().unauthorizedAfter(0);
                case "404" -> lm.setApiEnabled(false);
                case "500" -> {
                    for (int i = 0; i < 6; i++) { // three tries of showvs, one of each write
                        lm.faults().failNext("*", 500, "Internal error");
                    }
                }
                case "dropped" -> {
                    for (int i = 0; i < 6; i++) {
                        lm.faults().dropNext("*");
                    }
                }
                case "timeout" -> lm.faults().latency(Duration.ofMillis(500));
                default -> {}
            }
            Duration timeout = failure.equals("timeout") ? Duration.ofMillis(200) : Duration.ofSeconds(5);
            for (Op op : Op.values()) {
                LoadMasterRestClient client = client(
                        withKey
                                ? connection(Secret.of(KEY), null, null, true, timeout)
                                : connection(null, "bal", Secret.of(PASSWORD), true, timeout));
                LoadMasterException e = failure(client, op);
                for (Throwable t = e; t != null; t = t.getCause()) {
                    String text = t.getMessage() + " " + t;
                    assertFalse(text.contains(KEY) || text.contains(PASSWORD), text);
                }
            }
        }
    }

    // ---- no answer

    @Test
    void retriesAReadAfterADroppedConnection() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addRealServerByHand(3, POD.ip(), POD.port());
        lm.faults().dropNext("showvs").dropNext("showvs");
        assertEquals(1, show().realServers().size());
        assertEquals(3, lm.calls("showvs"));
    }

    @Test
    void retriesAReadAfterA5xx() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addRealServerByHand(3, POD.ip(), POD.port());
        lm.faults().failNext("showvs", 503, "Service unavailable");
        assertEquals(1, show().realServers().size());
        assertEquals(2, lm.calls("showvs"));
    }

    @Test
    void triesAReadAtMostThreeTimes() {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.faults().dropNext("showvs").dropNext("showvs").dropNext("showvs");
        LoadMasterException e = failure(Op.SHOWVS);
        assertTrue(
                e.getMessage().startsWith("showvs vs=3: no answer from LoadMaster " + simulator.url() + " ("),
                e.getMessage());
        assertEquals(0, e.status());
        assertEquals(3, lm.calls("showvs"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADDRS", "DELRS", "MODRS"})
    void neverRetriesAWrite(Op op) {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        if (op != Op.ADDRS) {
            lm.addRealServerByHand(3, POD.ip(), POD.port());
        }
        String command = op.name().toLowerCase(java.util.Locale.ROOT);
        lm.faults().dropNext(command);
        LoadMasterException e = failure(op);
        assertTrue(
                e.getMessage()
                        .startsWith(command + " vs=3 rs=10.244.1.7:8080" + (op == Op.MODRS ? " enable=N" : "")
                                + ": no answer from LoadMaster " + simulator.url() + " ("),
                e.getMessage());
        assertEquals(0, e.status());
        assertFalse(e.isRefusal());
        assertEquals(1, lm.calls(command));
        assertEquals(
                op == Op.ADDRS ? List.of() : List.of(true),
                lm.realServers(3).stream().map(SimRealServer::enabled).toList(),
                "dropped before it took effect");
    }

    @Test
    void reportsAWriteWhoseAnswerWasLostAfterItTookEffect() {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.faults().dropNextAfterApplying("addrs");
        LoadMasterException e = failure(Op.ADDRS);
        assertEquals(0, e.status());
        assertEquals(1, lm.realServers(3).size(), "the LoadMaster applied it; the agent must re-read");
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Real Server already exists\"",
                failure(Op.ADDRS).getMessage());
    }

    @Test
    void retriesAReadThatTimedOutAndReportsTheLastTimeoutWithStatusZero() {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.faults().latency(Duration.ofMillis(600));
        LoadMasterException e =
                failure(client(connection(Secret.of(KEY), null, null, true, Duration.ofMillis(200))), Op.SHOWVS);
        assertEquals(
                "showvs vs=3: no answer from LoadMaster " + simulator.url()
                        + " (SocketTimeoutException: Read timed out)",
                e.getMessage());
        assertEquals(0, e.status());
        assertEquals(3, lm.calls("showvs"));
    }

    // ---- helpers

    private VirtualService show() throws LoadMasterException {
        try (LoadMasterRestClient client = client()) {
            return client.showVirtualService(VS);
        }
    }

    private static LoadMasterException failure(Op op) {
        return failure(client(), op);
    }

    private static LoadMasterException failure(LoadMasterRestClient client, Op op) {
        return assertThrows(LoadMasterException.class, () -> op.run(client));
    }

    @Test
    void aWriteThatMayNoLongerBeSentChangesNothingOnTheLoadMaster() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.addRealServerByHand(3, "10.244.1.8", 8080);
        try (LoadMasterRestClient client = new LoadMasterRestClient(
                connection(Secret.of(KEY), null, null, true, Duration.ofSeconds(5)),
                ApiObserver.NONE,
                () -> false,
                Duration.ofSeconds(5))) {
            assertThrows(LoadMasterException.class, () -> client.addRealServer(VS, POD));
            assertThrows(LoadMasterException.class, () -> client.deleteRealServer(VS, new Member("10.244.1.8", 8080)));
            assertThrows(
                    LoadMasterException.class,
                    () -> client.setRealServerEnabled(VS, new Member("10.244.1.8", 8080), false));
            assertEquals(1, client.showVirtualService(VS).realServers().size(), "reads go on");
        }
        assertEquals(List.of(), simulator.writes(), "no write reached the LoadMaster, not even as a refusal");
        assertEquals(1, client().showVirtualService(VS).realServers().size());
    }

    private static LoadMasterRestClient client() {
        return client(connection(Secret.of(KEY), null, null, true, Duration.ofSeconds(5)));
    }

    private static LoadMasterRestClient client(LoadMasterConnection c) {
        return new LoadMasterRestClient(c, NO_WAITS);
    }

    private static LoadMasterConnection connection(
            Secret apiKey, String user, Secret password, boolean nonLocal, Duration timeout) {
        return new LoadMasterConnection(simulator.url(), tls, apiKey, user, password, nonLocal, timeout);
    }
}
