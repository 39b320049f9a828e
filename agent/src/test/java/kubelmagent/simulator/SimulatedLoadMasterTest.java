package kubelmagent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SimulatedLoadMasterTest {

    private final AtomicLong now = new AtomicLong();
    private final SimulatedLoadMaster lm = new SimulatedLoadMaster(now::get);

    private static final VsRef VS1 = VsRef.index(1);

    @Test
    void createsRealServersWithTheLoadMastersDefaults() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        SimRealServer rs = lm.addrs(VS1, "10.0.0.20", 8080, Map.of(), false);
        assertEquals(new SimRealServer(1, 1, "10.0.0.20", 8080, "Down", "", "nat", 1000, 0, 0, 0, true, false, 0), rs);
        assertEquals(List.of(rs), lm.showvs(VS1).realServers());
    }

    @Test
    void takesTheOptionalRealServerSettings() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        SimRealServer rs = lm.addrs(
                VS1,
                "10.0.0.20",
                8080,
                Map.of("Weight", "50", "forward", "route", "enable", "N", "critical", "1", "limit", "7"),
                false);
        assertEquals(new SimRealServer(1, 1, "10.0.0.20", 8080, "Down", "", "route", 50, 7, 0, 0, false, true, 0), rs);
    }

    @Test
    void neverReusesVsIndexOrRsIndex() throws Exception {
        SimVirtualService a = lm.addvs("10.0.0.5", 80, "tcp", Map.of());
        SimVirtualService b = lm.addvs("10.0.0.5", 443, "tcp", Map.of());
        assertEquals(List.of(1, 2), List.of(a.index(), b.index()));
        lm.addrs(VS1, "10.0.0.20", 80, Map.of(), false);
        lm.delrs(VS1, RsRef.address("10.0.0.20", 80));
        assertEquals(2, lm.addrs(VS1, "10.0.0.20", 80, Map.of(), false).rsIndex());
        lm.delvs(VsRef.index(2));
        assertEquals(3, lm.addvs("10.0.0.5", 443, "tcp", Map.of()).index());
        assertEquals(4, lm.addSubVirtualService(3, "sub").index());
        assertEquals(
                4,
                lm.addrs(VsRef.index(4), "10.0.0.21", 80, Map.of(), false).rsIndex(),
                "the SubVS slot took RsIndex 3");
    }

    @Test
    void findsAVirtualServiceByAddressPortAndProtocol() throws Exception {
        lm.addVirtualService(7, "10.0.0.5", 80, "tcp", "web");
        assertEquals(7, lm.showvs(VsRef.address("10.0.0.5", 80, "TCP")).index());
        RefusalException e =
                assertThrows(RefusalException.class, () -> lm.showvs(VsRef.address("10.0.0.5", 80, "udp")));
        assertEquals(422, e.stat());
        assertEquals("Unknown VS", e.text());
    }

    @Test
    void refusesUnknownVirtualServicesAndRealServers() {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        VsRef missing = VsRef.index(9);
        for (Executable call : List.<Executable>of(
                () -> lm.showvs(missing),
                () -> lm.delvs(missing),
                () -> lm.modvs(missing, Map.of()),
                () -> lm.addrs(missing, "10.0.0.1", 80, Map.of(), true),
                () -> lm.delrs(missing, RsRef.index(1)),
                () -> lm.modrs(missing, RsRef.index(1), Map.of()),
                () -> lm.showrs(missing, RsRef.index(1)))) {
            assertEquals(
                    "Unknown VS",
                    assertThrows(RefusalException.class, call::run).text());
        }
        for (Executable call : List.<Executable>of(
                () -> lm.delrs(VS1, RsRef.index(1)), () -> lm.delrs(VS1, RsRef.address("10.0.0.1", 80)),
                () -> lm.modrs(VS1, RsRef.index(1), Map.of("weight", "5")), () -> lm.showrs(VS1, RsRef.index(1)))) {
            RefusalException e = assertThrows(RefusalException.class, call::run);
            assertEquals(422, e.stat());
            assertEquals("Unknown RS", e.text());
        }
    }

    @Test
    void refusesADuplicateWithAConfigurableText() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        lm.setNonLocalRs(true); // fd00::1 is not on the VS's subnet
        lm.addrs(VS1, "fd00::1", 80, Map.of(), true);
        assertEquals(
                "Real Server already exists",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "FD00:0::1", 80, Map.of(), true))
                        .text());
        lm.setText(ErrorText.DUPLICATE_RS, "RS already exists");
        assertEquals(
                "RS already exists",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "fd00::1", 80, Map.of(), true))
                        .text());
        lm.setText(ErrorText.DUPLICATE_RS, null);
        assertEquals("Real Server already exists", lm.text(ErrorText.DUPLICATE_RS));
    }

    @Test
    void refusesRealServersOnAParentAndShapesSubVirtualServices() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 443, "udp", "parent");
        lm.addSubVirtualService(3, 4, "api");
        lm.addSubVirtualService(3, 6, "");
        RefusalException e =
                assertThrows(RefusalException.class, () -> lm.addrs(VsRef.index(3), "10.0.0.9", 80, Map.of(), true));
        assertEquals(422, e.stat());
        assertEquals("Couldn't create RS", e.text());
        SimVirtualService parent = lm.showvs(VsRef.index(3));
        assertEquals(
                List.of(
                        new SimSubVs(4, 1, "api", "Down", "nat", 1000, 0, true, false),
                        new SimSubVs(6, 2, "-", "Down", "nat", 1000, 0, true, false)),
                parent.subVs());
        assertEquals(0, parent.masterVsId());
        SimVirtualService sub = lm.showvs(VsRef.index(4));
        assertEquals(List.of("", 0, "udp", 3), List.of(sub.address(), sub.port(), sub.protocol(), sub.masterVsId()));
        assertTrue(sub.isSubVs());
        lm.addrs(VsRef.index(4), "10.0.0.9", 80, Map.of(), false);
        assertEquals("10.0.0.9", lm.realServers(4).get(0).addr());
        assertThrows(
                RefusalException.class,
                () -> lm.showvs(VsRef.address("", 0, "udp")),
                "a SubVS has no address to find it by");
    }

    @Test
    void createsASubVirtualServiceWithModvsAndDeletesItWithItsParent() throws Exception {
        lm.addvs("10.0.0.5", 80, "tcp", Map.of());
        SimVirtualService parent = lm.modvs(VS1, Map.of("createsubvs", ""));
        assertEquals(List.of(2), parent.subVs().stream().map(SimSubVs::vsIndex).toList());
        lm.delvs(VS1);
        assertEquals(List.of(), lm.listvs());
        lm.addVirtualService(5, "10.0.0.6", 80, "tcp", "");
        lm.addrs(VsRef.index(5), "10.0.0.7", 80, Map.of(), false);
        assertEquals(
                ErrorText.SUBVS_ON_VS_WITH_RS.defaultText(),
                assertThrows(RefusalException.class, () -> lm.modvs(VsRef.index(5), Map.of("createsubvs", "1")))
                        .text());
    }

    @Test
    void deletingASubVirtualServiceTakesItOutOfItsParent() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "");
        lm.addSubVirtualService(3, 4, "a");
        lm.delvs(VsRef.index(4));
        assertEquals(List.of(), lm.showvs(VsRef.index(3)).subVs());
        lm.addrs(VsRef.index(3), "10.0.0.9", 80, Map.of(), false);
    }

    @Test
    void appliesTheNonLocalRule() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        lm.addrs(VS1, "10.0.0.200", 80, Map.of(), false); // same /24: local
        assertEquals("no", lm.get("nonlocalrs"), "off, as on a factory-new appliance");
        assertEquals(
                "Real Server address is not on a local network",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "10.244.1.7", 80, Map.of(), true))
                        .text(),
                "non_local=1 is not enough while nonlocalrs is off");
        lm.set("nonlocalrs", "yes");
        assertEquals(
                "Real Server address is not on a local network",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "10.244.1.7", 80, Map.of(), false))
                        .text(),
                "nonlocalrs is not enough without non_local=1");
        lm.addrs(VS1, "10.244.1.7", 80, Map.of(), true);
        lm.set("nonlocalrs", "no");
        assertEquals("no", lm.get("nonlocalrs"));
        assertThrows(RefusalException.class, () -> lm.addrs(VS1, "10.244.1.8", 80, Map.of(), true));
        lm.setLocalSubnets(List.of("10.244.0.0/16"));
        lm.addrs(VS1, "10.244.1.8", 80, Map.of(), false);
        assertThrows(
                RefusalException.class,
                () -> lm.addrs(VS1, "10.0.0.201", 80, Map.of(), false),
                "with subnets configured, the VS's /24 is no longer local");
        assertEquals(List.of("10.244.0.0/16"), lm.localSubnets());
    }

    @Test
    void takesABareAddressAsALocalSubnetOfItsOwnAndRefusesWhatIsNoSubnet() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        lm.setLocalSubnets(List.of("10.244.1.7", "fd00::/64"));
        lm.addrs(VS1, "10.244.1.7", 80, Map.of(), false);
        lm.addrs(VS1, "fd00::8", 80, Map.of(), false);
        assertThrows(RefusalException.class, () -> lm.addrs(VS1, "10.244.1.8", 80, Map.of(), false));
        assertEquals(List.of("10.244.1.7/32", "fd00::/64"), lm.localSubnets());
        assertEquals(
                "not a subnet (expected e.g. 10.0.0.0/24): 10.0.0.0/33 (the prefix length of an IPv4 network"
                        + " is 0 to 32)",
                assertThrows(IllegalArgumentException.class, () -> lm.setLocalSubnets(List.of("10.0.0.0/33")))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> lm.setLocalSubnets(List.of("lan")));
    }

    @Test
    void refusesNonLocalRealServersOnATransparentVirtualServiceWithAConfigurableText() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        lm.setNonLocalRs(true);
        lm.setTransparent(1, true);
        assertEquals("Y", lm.showvs(VS1).setting("Transparent"));
        RefusalException e =
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "10.244.1.7", 80, Map.of(), true));
        assertEquals(422, e.stat());
        assertEquals("Non-local Real Servers cannot be used on a transparent Virtual Service", e.text());
        lm.addrs(VS1, "10.0.0.20", 80, Map.of(), true); // local: transparency does not matter
        lm.setNonLocalRs(false);
        assertEquals(
                ErrorText.NON_LOCAL.defaultText(),
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "10.244.1.7", 80, Map.of(), true))
                        .text(),
                "the global switch is checked first");
        lm.setNonLocalRs(true);
        lm.setText(ErrorText.TRANSPARENT_NON_LOCAL, "Transparent VS");
        assertEquals(
                "Transparent VS",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "10.244.1.7", 80, Map.of(), true))
                        .text());
        lm.modvs(VS1, Map.of("transparent", "N"));
        lm.addrs(VS1, "10.244.1.7", 80, Map.of(), true);
        assertEquals(
                List.of("10.0.0.20", "10.244.1.7"),
                lm.realServers(1).stream().map(SimRealServer::addr).toList());
        lm.modvs(VS1, Map.of("Transparent", "1"));
        assertEquals("Y", lm.showvs(VS1).setting("Transparent"), "modvs sets it as well");
        assertFalse(ErrorText.TRANSPARENT_NON_LOCAL.verified());
    }

    @Test
    void modifiesARealServerByIndexOrAddress() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        SimRealServer a = lm.addrs(VS1, "10.0.0.20", 80, Map.of(), false);
        lm.addrs(VS1, "10.0.0.20", 81, Map.of(), false);
        lm.modrs(VS1, RsRef.index(a.rsIndex()), Map.of("enable", "N", "weight", "20"));
        SimRealServer changed = lm.showrs(VS1, RsRef.address("10.0.0.20", 80));
        assertFalse(changed.enabled());
        assertEquals(20, changed.weight());
        RefusalException e = assertThrows(
                RefusalException.class,
                () -> lm.modrs(VS1, RsRef.index(a.rsIndex()), Map.of("enable", "Y", "weight", "70000")));
        assertEquals("Invalid value for weight", e.text());
        assertFalse(lm.showrs(VS1, RsRef.index(a.rsIndex())).enabled(), "nothing changes when a value is invalid");
        assertEquals(
                "Real Server already exists",
                assertThrows(
                                RefusalException.class,
                                () -> lm.modrs(VS1, RsRef.index(a.rsIndex()), Map.of("newport", "81")))
                        .text());
        lm.modrs(VS1, RsRef.index(a.rsIndex()), Map.of("newport", "82"));
        assertEquals(a.rsIndex(), lm.showrs(VS1, RsRef.address("10.0.0.20", 82)).rsIndex());
    }

    @Test
    void setsVirtualServiceFieldsByParameterName() throws Exception {
        SimVirtualService vs = lm.addvs(
                "10.0.0.5",
                80,
                "tcp",
                Map.of("NICKNAME", "shop", "forcel4", "yes", "Idletime", "30", "apikey", "ignored"));
        assertEquals("shop", vs.nickName());
        assertEquals("Y", vs.setting("ForceL4"));
        assertEquals("30", vs.setting("Idletime"));
        assertEquals(
                "Invalid value for enable",
                assertThrows(RefusalException.class, () -> lm.modvs(VS1, Map.of("enable", "maybe")))
                        .text());
        assertEquals(
                "Virtual Service already exists",
                assertThrows(RefusalException.class, () -> lm.addvs("10.0.0.5", 80, "tcp", Map.of()))
                        .text());
        assertEquals(
                "Invalid address format",
                assertThrows(RefusalException.class, () -> lm.addvs("web.example", 80, "tcp", Map.of()))
                        .text());
        assertEquals(
                "Invalid address format",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "pod.example", 80, Map.of(), true))
                        .text());
    }

    @Test
    void getsAndSetsParameters() throws Exception {
        assertEquals("no", lm.get("nonlocalrs"));
        lm.set("NonLocalRS", "1");
        assertEquals("yes", lm.get("nonlocalrs"));
        assertEquals("yes", lm.get("EnableAPI"));
        lm.set("enableapi", "0");
        assertFalse(lm.apiEnabled());
        RefusalException e = assertThrows(RefusalException.class, () -> lm.get("lmversion"));
        assertEquals("Unknown parameter value lmversion", e.text());
        assertEquals(422, e.stat());
        assertThrows(RefusalException.class, () -> lm.set("nonlocalrs", "perhaps"));
    }

    @Test
    void hidesNewRealServersFromReadsDuringTheReadAfterWriteDelay() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        lm.faults().readAfterWriteDelay(Duration.ofMillis(500));
        lm.addrs(VS1, "10.0.0.20", 80, Map.of(), false);
        assertEquals(List.of(), lm.showvs(VS1).realServers());
        assertEquals(List.of(), lm.listvs().get(0).realServers());
        assertThrows(RefusalException.class, () -> lm.showrs(VS1, RsRef.address("10.0.0.20", 80)));
        assertEquals(
                "Real Server already exists",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "10.0.0.20", 80, Map.of(), false))
                        .text());
        assertEquals(1, lm.realServers(1).size(), "inspection sees it");
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertEquals(1, lm.showvs(VS1).realServers().size());
    }

    @Test
    void countsCallsAndResets() throws Exception {
        lm.countCall("showvs");
        lm.countCall("showvs");
        lm.countCall("addrs");
        assertEquals(Map.of("addrs", 1, "showvs", 2), lm.calls());
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        lm.setNonLocalRs(true);
        lm.faults().latency(Duration.ofSeconds(1));
        lm.reset();
        assertEquals(Map.of(), lm.calls());
        assertFalse(lm.hasVirtualService(1));
        assertFalse(lm.nonLocalRs(), "back to a factory-new appliance's");
        assertEquals(Duration.ZERO, lm.faults().latency());
        assertEquals(1, lm.addvs("10.0.0.5", 80, "tcp", Map.of()).index());
    }

    @Test
    void rejectsSetUpMistakes() {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "web");
        assertThrows(IllegalStateException.class, () -> lm.addVirtualService(1, "10.0.0.6", 80, "tcp", ""));
        assertThrows(IllegalStateException.class, () -> lm.addSubVirtualService(9, "x"));
        lm.addRealServerByHand(1, "10.0.0.20", 80);
        assertThrows(IllegalStateException.class, () -> lm.addRealServerByHand(1, "10.0.0.20", 80));
        assertThrows(IllegalStateException.class, () -> lm.addSubVirtualService(1, "x"));
        assertThrows(IllegalStateException.class, () -> lm.modifyRealServerByHand(1, "10.0.0.21", 80, true, 1));
        assertThrows(IllegalStateException.class, () -> lm.realServers(2));
    }

    @Test
    void roundTripsItsStateThroughJson() throws Exception {
        lm.addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
        lm.modvs(VsRef.index(3), Map.of("checkhost", "shop.example"));
        lm.addrs(VsRef.index(3), "10.0.0.20", 8080, Map.of("weight", "10"), false);
        lm.addVirtualService(5, "10.0.0.6", 443, "tcp", "parent");
        lm.addSubVirtualService(5, 6, "api");
        lm.setNonLocalRs(true);
        lm.addrs(VsRef.index(6), "10.244.1.1", 80, Map.of(), true);
        lm.setTransparent(5, true);
        String json = StateFile.toJson(lm);

        SimulatedLoadMaster copy = new SimulatedLoadMaster();
        StateFile.fromJson(copy, json);
        assertEquals(lm.virtualServices(), copy.virtualServices());
        assertEquals("Y", copy.virtualService(5).setting("Transparent"));
        assertTrue(copy.nonLocalRs());
        assertEquals(7, copy.addvs("10.0.0.7", 80, "tcp", Map.of()).index());
        assertEquals(
                4, copy.addrs(VsRef.index(7), "10.0.0.8", 80, Map.of(), false).rsIndex());
    }

    @Test
    void loadsAMinimalStateAndRefusesAWrongOne() {
        lm.setNonLocalRs(true);
        StateFile.fromJson(
                lm,
                "{\"virtualServices\": [{\"index\": 2, \"address\": \"10.0.0.5\", \"port\": 80,"
                        + " \"settings\": {\"NickName\": \"web\"}, \"realServers\": [{\"addr\": \"10.0.0.9\", \"port\": 8080}]},"
                        + " {\"index\": 4, \"parent\": 2}]}");
        assertEquals("web", lm.virtualService(2).nickName());
        assertEquals(1, lm.realServers(2).get(0).rsIndex(), "the next free RsIndex; the SubVS slot takes 2");
        assertEquals(
                List.of(4),
                lm.virtualService(2).subVs().stream().map(SimSubVs::vsIndex).toList());
        assertFalse(lm.nonLocalRs(), "a state that does not say is a new appliance's: nonlocalrs off");
        assertThrows(
                IllegalArgumentException.class,
                () -> StateFile.fromJson(lm, "{\"virtualServices\": [{\"index\": 1}]}"));
        assertThrows(
                IllegalArgumentException.class,
                () -> StateFile.fromJson(
                        lm,
                        "{\"virtualServices\": [{\"index\": 1, \"address\": \"10.0.0.5\", \"port\": 80, \"settings\": {\"Bogus\": \"1\"}}]}"));
        assertThrows(IllegalArgumentException.class, () -> StateFile.fromJson(lm, "[1, 2"));
        for (String rs : List.of("{\"port\": 80}", "{\"addr\": \"fd00::1::2\", \"port\": 80}")) {
            assertEquals(
                    "VS 1: a Real Server needs an IP address (got " + (rs.contains("addr") ? "fd00::1::2" : "null")
                            + ")",
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () -> StateFile.fromJson(
                                            lm,
                                            "{\"virtualServices\": [{\"index\": 1, \"address\": \"fd00::5\","
                                                    + " \"port\": 80, \"realServers\": [" + rs + "]}]}"))
                            .getMessage());
        }
        assertEquals("web", lm.virtualService(2).nickName(), "a refused state changes nothing");
    }

    // ---- IPv6

    @Test
    void storesAndShowsIpv6VirtualServicesInCanonicalFormAndFindsThemByAnySpelling() throws Exception {
        SimVirtualService vs = lm.addvs("FD00:0:0:0:0:0:0:0005", 443, "tcp", Map.of());
        assertEquals("fd00::5", vs.address());
        assertEquals("fd00::5", lm.showvs(VsRef.index(vs.index())).address());
        assertEquals("fd00::5", lm.listvs().get(0).address());
        for (String spelling : List.of("fd00::5", "FD00::5", "fd00:0:0::5", "fd00:0000::0005")) {
            assertEquals(
                    vs.index(), lm.showvs(VsRef.address(spelling, 443, "tcp")).index(), spelling);
            assertEquals(
                    "Virtual Service already exists",
                    assertThrows(RefusalException.class, () -> lm.addvs(spelling, 443, "tcp", Map.of()))
                            .text(),
                    spelling);
        }
        assertEquals("[fd00::5]:443/tcp", VsRef.address("FD00:0::5", 443, "TCP").toString());
        lm.addVirtualService(9, "FD00:0::6", 80, "tcp", "by hand");
        assertEquals("fd00::6", lm.virtualService(9).address(), "a VS added by hand too");
    }

    @Test
    void addsFindsModifiesAndDeletesIpv6RealServersByAnySpelling() throws Exception {
        lm.addVirtualService(1, "fd00::5", 443, "tcp", "web");
        SimRealServer rs = lm.addrs(VS1, "FD00:0:0:0:0:0:0:0001", 8443, Map.of(), false); // the VS's /64: local
        assertEquals("fd00::1", rs.addr());
        assertEquals("fd00::1", lm.showvs(VS1).realServers().get(0).addr());
        assertEquals("fd00::1", lm.listvs().get(0).realServers().get(0).addr());
        for (String spelling : List.of("fd00::1", "fd00:0:0::1", "FD00::0001")) {
            assertEquals(
                    "Real Server already exists",
                    assertThrows(RefusalException.class, () -> lm.addrs(VS1, spelling, 8443, Map.of(), false))
                            .text(),
                    spelling);
            assertEquals(rs, lm.showrs(VS1, RsRef.address(spelling, 8443)), spelling);
        }
        assertEquals("[fd00::1]:8443", RsRef.address("FD00:0::1", 8443).toString());
        lm.modrs(VS1, RsRef.address("fd00:0:0::1", 8443), Map.of("enable", "N"));
        assertFalse(lm.realServers(1).get(0).enabled());
        lm.modrs(VS1, RsRef.address("FD00::1", 8443), Map.of("newport", "9443"));
        assertEquals(9443, lm.realServers(1).get(0).port());
        lm.delrs(VS1, RsRef.address("fd00:0000::1", 9443));
        assertEquals(List.of(), lm.realServers(1));
    }

    @Test
    void takesThe64AroundAnIpv6VirtualServiceAsLocal() throws Exception {
        lm.addVirtualService(1, "fd00:0:0:7::5", 443, "tcp", "web");
        lm.addrs(VS1, "FD00:0:0:7:FFFF:FFFF:FFFF:FFFF", 80, Map.of(), false); // the last of the /64
        assertEquals(
                "Real Server address is not on a local network",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "fd00:0:0:8::1", 80, Map.of(), false))
                        .text(),
                "the next /64 is not local");
        lm.setNonLocalRs(true);
        lm.addrs(VS1, "fd00:0:0:8::1", 80, Map.of(), true);
        assertEquals(
                List.of("fd00::7:ffff:ffff:ffff:ffff", "fd00:0:0:8::1"),
                lm.realServers(1).stream().map(SimRealServer::addr).toList());
    }

    @Test
    void refusesAnIpv6AddressWithAZoneOrBrackets() {
        lm.addVirtualService(1, "fd00::5", 443, "tcp", "web");
        for (String bad : List.of("fe80::1%eth0", "[fd00::1]", "fd00::1::2", "fd00:::1")) {
            assertEquals(
                    "Invalid address format",
                    assertThrows(RefusalException.class, () -> lm.addrs(VS1, bad, 80, Map.of(), true))
                            .text(),
                    bad);
        }
    }

    @Test
    void takesARealServerOfTheOtherFamilyAsANonLocalOneUnlessSwitchedOff() throws Exception {
        lm.addVirtualService(1, "10.0.0.5", 80, "tcp", "v4");
        lm.addVirtualService(2, "fd00::5", 80, "tcp", "v6");
        VsRef vs2 = VsRef.index(2);
        assertEquals(
                "Real Server address is not on a local network",
                assertThrows(RefusalException.class, () -> lm.addrs(VS1, "fd00::1", 80, Map.of(), false))
                        .text(),
                "outside the IPv4 VS's /24");
        lm.setNonLocalRs(true);
        assertEquals("fd00::1", lm.addrs(VS1, "FD00::1", 80, Map.of(), true).addr());
        assertEquals("10.0.0.1", lm.addrs(vs2, "10.0.0.1", 80, Map.of(), true).addr());

        lm.setOtherFamilyRealServers(false);
        for (Executable call : List.<Executable>of(
                () -> lm.addrs(VS1, "fd00::2", 80, Map.of(), true),
                () -> lm.addrs(vs2, "10.0.0.2", 80, Map.of(), true))) {
            RefusalException e = assertThrows(RefusalException.class, call::run);
            assertEquals(422, e.stat());
            assertEquals("Real Server address family does not match the Virtual Service", e.text());
        }
        lm.addrs(VS1, "10.0.0.2", 80, Map.of(), false);
        lm.addrs(vs2, "fd00::2", 80, Map.of(), false);
        assertFalse(ErrorText.OTHER_FAMILY.verified());

        lm.reset();
        assertTrue(lm.otherFamilyRealServers(), "on again after reset");
    }

    @Test
    void storesRealServersAddedByHandInCanonicalFormAndFindsThemByAnySpelling() {
        lm.addVirtualService(1, "fd00::5", 443, "tcp", "web");
        assertEquals("fd00::1", lm.addRealServerByHand(1, "FD00:0::1", 80).addr());
        assertThrows(IllegalStateException.class, () -> lm.addRealServerByHand(1, "fd00::1", 80));
        lm.modifyRealServerByHand(1, "fd00:0:0:0::1", 80, false, 5);
        lm.setRealServerStatus(1, "FD00::1", 80, "Up");
        assertEquals(
                new SimRealServer(1, 1, "fd00::1", 80, "Up", "", "nat", 5, 0, 0, 0, false, false, 0),
                lm.realServers(1).get(0));
        assertTrue(lm.removeRealServerByHand(1, "fd00:0::0:1", 80));
    }

    @Test
    void loadsIpv6AddressesOfAStateInCanonicalFormAndWritesThemSo() throws Exception {
        StateFile.fromJson(
                lm,
                "{\"virtualServices\": [{\"index\": 2, \"address\": \"FD00:0:0:0::5\", \"port\": 443,"
                        + " \"realServers\": [{\"addr\": \"FD00:0000::0001\", \"port\": 8443}]}]}");
        assertEquals("fd00::5", lm.virtualService(2).address());
        assertEquals("fd00::1", lm.realServers(2).get(0).addr());
        String json = StateFile.toJson(lm);
        assertTrue(json.contains("\"address\": \"fd00::5\"") && json.contains("\"addr\": \"fd00::1\""), json);
        assertEquals(
                "Real Server already exists",
                assertThrows(RefusalException.class, () -> lm.addrs(VsRef.index(2), "fd00::1", 8443, Map.of(), false))
                        .text());
        SimulatedLoadMaster copy = new SimulatedLoadMaster();
        StateFile.fromJson(copy, json);
        assertEquals(lm.virtualServices(), copy.virtualServices());
    }

    interface Executable {
        void run() throws Exception;
    }
}
