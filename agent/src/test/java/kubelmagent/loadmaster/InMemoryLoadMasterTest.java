package kubelmagent.loadmaster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import kubelmagent.model.Member;
import kubelmagent.model.RealServer;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.Test;

class InMemoryLoadMasterTest {

    private static final VirtualServiceId VS = VirtualServiceId.of(3);
    private static final VirtualServiceId MISSING = VirtualServiceId.of(99);
    private static final Member A = new Member("10.244.1.7", 8080);
    private static final Member B = new Member("10.244.2.9", 8080);

    private final InMemoryLoadMaster lm = new InMemoryLoadMaster().addVirtualService(3, "10.0.0.5", 443, "tcp", "web");

    @Test
    void showsAVirtualServiceWithItsRealServersInTheOrderTheyWereAdded() throws Exception {
        lm.addRealServer(VS, B);
        lm.addRealServerByHand(VS, A, false, 50);
        VirtualService vs = lm.showVirtualService(VS);
        assertEquals(
                new VirtualService(
                        VS,
                        "10.0.0.5",
                        443,
                        "tcp",
                        "web",
                        List.of(),
                        List.of(new RealServer(1, B, true, 1000), new RealServer(2, A, false, 50))),
                vs);
        assertEquals(List.of(A, B), lm.realServers(VS), "sorted");
    }

    @Test
    void listsEveryVirtualServiceSubVsIncludedAsItShowsEach() throws Exception {
        lm.addVirtualService(7, "10.0.0.6", 80)
                .addSubVirtualService(7, 8, "sub")
                .setTransparent(3, true);
        lm.addRealServer(VS, A);
        lm.addRealServer(VirtualServiceId.of(8), B);
        VirtualServiceList list = lm.listVirtualServices();
        Map<VirtualServiceId, VirtualService> shown = new TreeMap<>();
        for (int index : new int[] {3, 7, 8}) {
            shown.put(VirtualServiceId.of(index), lm.showVirtualService(VirtualServiceId.of(index)));
        }
        assertEquals(shown, list.virtualServices());
        assertEquals(Map.of(), list.unreadable());
        assertEquals(1, lm.calls("listvs"));
        assertEquals(3, lm.calls("showvs"));
    }

    @Test
    void listsNoVirtualServicesWhenItHasNone() throws Exception {
        lm.removeVirtualService(VS);
        assertEquals(new VirtualServiceList(Map.of(), Map.of()), lm.listVirtualServices());
    }

    @Test
    void failsTheNextListvsWhenToldTo() throws Exception {
        LoadMasterException injected = new LoadMasterException("listvs: LoadMaster answered 500", 500);
        lm.failNext("listvs", injected);
        assertEquals(injected, assertThrows(LoadMasterException.class, lm::listVirtualServices));
        assertEquals(
                List.of(VS),
                List.copyOf(lm.listVirtualServices().virtualServices().keySet()));
        assertEquals(2, lm.calls("listvs"));
    }

    @Test
    void returnsASnapshotThatLaterChangesDoNotTouch() throws Exception {
        VirtualService before = lm.showVirtualService(VS);
        lm.addRealServer(VS, A);
        assertEquals(List.of(), before.realServers());
        assertEquals(1, lm.showVirtualService(VS).realServers().size());
    }

    @Test
    void refusesCommandsOnAMissingVirtualServiceAsUnknownVs() {
        LoadMasterException show = assertThrows(LoadMasterException.class, () -> lm.showVirtualService(MISSING));
        LoadMasterException add = assertThrows(LoadMasterException.class, () -> lm.addRealServer(MISSING, A));
        LoadMasterException del = assertThrows(LoadMasterException.class, () -> lm.deleteRealServer(MISSING, A));
        assertInstanceOf(UnknownVirtualServiceException.class, show);
        assertInstanceOf(UnknownVirtualServiceException.class, add);
        assertInstanceOf(UnknownVirtualServiceException.class, del);
        assertEquals("showvs vs=99: LoadMaster answered 422 \"Unknown VS\"", show.getMessage());
        assertEquals("addrs vs=99 rs=10.244.1.7:8080: LoadMaster answered 422 \"Unknown VS\"", add.getMessage());
        assertEquals("delrs vs=99 rs=10.244.1.7:8080: LoadMaster answered 422 \"Unknown VS\"", del.getMessage());
        assertEquals(422, add.status());
    }

    @Test
    void refusesADuplicateAdd() throws Exception {
        lm.addRealServer(VS, A);
        LoadMasterException e = assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, A));
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Real Server already exists\"",
                e.getMessage());
        assertTrue(e.isRefusal());
        assertFalse(e instanceof UnknownVirtualServiceException);
        assertEquals(List.of(A), lm.realServers(VS));
    }

    @Test
    void keepsIpv6AddressesInCanonicalFormAndRefusesAnotherSpellingAsADuplicate() throws Exception {
        VirtualServiceId v6 = VirtualServiceId.of(6);
        lm.addVirtualService(6, "FD00:0:0:0:0:0:0:5", 443);
        lm.addRealServer(v6, new Member("FD00:0:0::0001", 8443));
        VirtualService vs = lm.listVirtualServices().virtualServices().get(v6);
        assertEquals("fd00::5", vs.address());
        assertEquals("[fd00::5]:443/tcp", vs.identity());
        assertEquals(List.of(new Member("fd00::1", 8443)), lm.realServers(v6));
        assertEquals(
                "addrs vs=6 rs=[fd00::1]:8443: LoadMaster answered 422 \"Real Server already exists\"",
                assertThrows(LoadMasterException.class, () -> lm.addRealServer(v6, new Member("fd00::1", 8443)))
                        .getMessage());
        lm.setRealServerEnabled(v6, new Member("fd00:0::1", 8443), false);
        assertFalse(lm.showVirtualService(v6).realServers().get(0).enabled());
        lm.deleteRealServer(v6, new Member("FD00::1", 8443));
        assertEquals(List.of(), lm.realServers(v6));
    }

    @Test
    void answersNonLocalRealServersOffUntilSwitchedOnAndStillTakesEveryAddressAsLocal() throws Exception {
        assertFalse(lm.nonLocalRealServersEnabled(), "off, as on a factory-new appliance");
        lm.addRealServer(VS, A); // 10.244.1.7 is outside 10.0.0.5's /24, but every address is local here
        assertTrue(lm.setNonLocalRealServers(true).nonLocalRealServersEnabled());
        assertFalse(lm.setNonLocalRealServers(false).nonLocalRealServersEnabled());
        assertEquals(3, lm.calls("get"));
        lm.failNext("get", new LoadMasterException("get param=nonlocalrs: no answer", 0));
        assertEquals(
                "get param=nonlocalrs: no answer",
                assertThrows(LoadMasterException.class, lm::nonLocalRealServersEnabled)
                        .getMessage());
        assertEquals(List.of(A), lm.realServers(VS));
    }

    @Test
    void showsTheTransparencyOfAVirtualServiceAsSetUp() throws Exception {
        assertFalse(lm.showVirtualService(VS).transparent());
        lm.setTransparent(3, true);
        assertTrue(lm.showVirtualService(VS).transparent());
        lm.addRealServer(VS, A); // every address is local here, so transparency refuses nothing
        assertEquals(List.of(A), lm.realServers(VS));
        assertFalse(lm.setTransparent(3, false).showVirtualService(VS).transparent());
        assertThrows(IllegalStateException.class, () -> lm.setTransparent(99, true));
    }

    @Test
    void refusesDeletingARealServerThatIsNotThere() {
        LoadMasterException e = assertThrows(LoadMasterException.class, () -> lm.deleteRealServer(VS, A));
        assertEquals("delrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Unknown RS\"", e.getMessage());
        assertEquals(422, e.status());
    }

    @Test
    void disablesARealServerAndEnablesItAgainKeepingItsPlace() throws Exception {
        lm.addRealServer(VS, A);
        lm.addRealServerByHand(VS, B, true, 50);
        lm.setRealServerEnabled(VS, A, false);
        assertEquals(
                List.of(new RealServer(1, A, false, 1000), new RealServer(2, B, true, 50)),
                lm.showVirtualService(VS).realServers());
        lm.setRealServerEnabled(VS, A, true);
        assertEquals(
                List.of(new RealServer(1, A, true, 1000), new RealServer(2, B, true, 50)),
                lm.showVirtualService(VS).realServers());
        assertEquals(2, lm.calls("modrs"));
    }

    @Test
    void refusesEnablingARealServerThatIsNotThereOrOnAMissingVirtualService() {
        LoadMasterException rs = assertThrows(LoadMasterException.class, () -> lm.setRealServerEnabled(VS, A, false));
        assertEquals("modrs vs=3 rs=10.244.1.7:8080 enable=N: LoadMaster answered 422 \"Unknown RS\"", rs.getMessage());
        assertTrue(rs.isRefusal());
        assertFalse(rs instanceof UnknownVirtualServiceException);
        LoadMasterException vs =
                assertThrows(LoadMasterException.class, () -> lm.setRealServerEnabled(MISSING, A, true));
        assertInstanceOf(UnknownVirtualServiceException.class, vs);
        assertEquals(
                "modrs vs=99 rs=10.244.1.7:8080 enable=Y: LoadMaster answered 422 \"Unknown VS\"", vs.getMessage());
    }

    @Test
    void failsTheNextModrsAsInjected() throws Exception {
        lm.addRealServer(VS, A);
        LoadMasterException lost = new LoadMasterException("modrs vs=3 rs=10.244.1.7:8080 enable=N: no answer", 0);
        lm.failNextAfterApplying("modrs", lost);
        assertEquals(lost, assertThrows(LoadMasterException.class, () -> lm.setRealServerEnabled(VS, A, false)));
        assertFalse(lm.showVirtualService(VS).realServers().get(0).enabled(), "applied before the answer was lost");
    }

    @Test
    void refusesRealServersOnAParentVirtualService() throws Exception {
        lm.addSubVirtualService(3, 4, "api").addSubVirtualService(3, 5, "web");
        LoadMasterException e = assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, A));
        assertEquals("addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Couldn't create RS\"", e.getMessage());
        VirtualService parent = lm.showVirtualService(VS);
        assertEquals(List.of(VirtualServiceId.of(4), VirtualServiceId.of(5)), parent.subVsIds());
        VirtualService sub = lm.showVirtualService(VirtualServiceId.of(4));
        assertEquals("", sub.address());
        assertEquals(0, sub.port());
        lm.addRealServer(VirtualServiceId.of(4), A);
        assertEquals(List.of(A), lm.realServers(VirtualServiceId.of(4)));
    }

    @Test
    void neverReusesAnRsIndex() throws Exception {
        lm.addVirtualService(7, "10.0.0.6", 80);
        lm.addRealServer(VS, A);
        lm.addRealServer(VirtualServiceId.of(7), A);
        lm.deleteRealServer(VS, A);
        lm.addRealServer(VS, A);
        lm.removeRealServerByHand(VirtualServiceId.of(7), A);
        lm.addRealServerByHand(VirtualServiceId.of(7), B);
        assertEquals(3, lm.showVirtualService(VS).realServers().get(0).rsIndex());
        assertEquals(
                4,
                lm.showVirtualService(VirtualServiceId.of(7))
                        .realServers()
                        .get(0)
                        .rsIndex());
    }

    @Test
    void deletesARealServer() throws Exception {
        lm.addRealServer(VS, A);
        lm.addRealServer(VS, B);
        lm.deleteRealServer(VS, A);
        assertEquals(List.of(B), lm.realServers(VS));
    }

    @Test
    void letsAPersonAddAndRemoveRealServersWithoutCountingCalls() throws Exception {
        lm.addRealServerByHand(VS, A);
        assertTrue(lm.removeRealServerByHand(VS, A));
        assertFalse(lm.removeRealServerByHand(VS, A));
        lm.addRealServerByHand(VS, B);
        lm.modifyRealServerByHand(VS, B, false, 10);
        assertEquals(
                new RealServer(2, B, false, 10),
                lm.showVirtualService(VS).realServers().get(0));
        assertEquals(0, lm.calls("addrs"));
        assertEquals(0, lm.calls("delrs"));
        assertEquals(1, lm.calls("showvs"));
    }

    @Test
    void countsCallsPerCommandIncludingFailedOnes() throws Exception {
        lm.showVirtualService(VS);
        lm.addRealServer(VS, A);
        assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, A));
        assertThrows(LoadMasterException.class, () -> lm.deleteRealServer(VS, B));
        assertEquals(1, lm.calls("showvs"));
        assertEquals(2, lm.calls("addrs"));
        assertEquals(1, lm.calls("delrs"));
    }

    @Test
    void failsTheNextCallOfACommandOnceWithoutEffect() throws Exception {
        LoadMasterException injected = new LoadMasterException(
                "addrs vs=3 rs=10.244.1.7:8080: no answer from LoadMaster https://10.0.0.2 (SocketTimeoutException: Read timed out)",
                0);
        lm.failNext("addrs", injected);
        lm.showVirtualService(VS);
        assertEquals(injected, assertThrows(LoadMasterException.class, () -> lm.addRealServer(VS, A)));
        assertEquals(List.of(), lm.realServers(VS));
        lm.addRealServer(VS, A);
        assertEquals(List.of(A), lm.realServers(VS));
        assertEquals(2, lm.calls("addrs"));
    }

    @Test
    void failsAfterApplyingWhenTheAnswerIsLost() throws Exception {
        LoadMasterException lost = new LoadMasterException("delrs vs=3 rs=10.244.1.7:8080: no answer", 0);
        lm.addRealServer(VS, A);
        lm.failNextAfterApplying("delrs", lost);
        assertEquals(lost, assertThrows(LoadMasterException.class, () -> lm.deleteRealServer(VS, A)));
        assertEquals(List.of(), lm.realServers(VS));
    }

    @Test
    void queuesSeveralInjectedFailuresInOrder() {
        LoadMasterException first = new LoadMasterException("first", 0);
        LoadMasterException second = new UnknownVirtualServiceException("second", 422);
        lm.failNext("showvs", first);
        lm.failNext("showvs", second);
        assertEquals(first, assertThrows(LoadMasterException.class, () -> lm.showVirtualService(VS)));
        assertEquals(second, assertThrows(LoadMasterException.class, () -> lm.showVirtualService(VS)));
    }

    @Test
    void rejectsAnUnknownCommandName() {
        assertThrows(IllegalArgumentException.class, () -> lm.failNext("showrs", new LoadMasterException("x", 0)));
        assertThrows(IllegalArgumentException.class, () -> lm.calls("addRs"));
    }

    @Test
    void forgetsADeletedVirtualService() {
        lm.addSubVirtualService(3, 4, "api");
        lm.removeVirtualService(VS);
        assertFalse(lm.hasVirtualService(VS));
        assertFalse(lm.hasVirtualService(VirtualServiceId.of(4)));
        assertInstanceOf(
                UnknownVirtualServiceException.class,
                assertThrows(LoadMasterException.class, () -> lm.showVirtualService(VS)));
    }

    @Test
    void rejectsSetUpMistakes() {
        assertThrows(IllegalStateException.class, () -> lm.addVirtualService(3, "10.0.0.9", 80));
        assertThrows(IllegalStateException.class, () -> lm.addRealServerByHand(MISSING, A));
        lm.addRealServerByHand(VS, A);
        assertThrows(IllegalStateException.class, () -> lm.addRealServerByHand(VS, A));
        assertThrows(IllegalStateException.class, () -> lm.addSubVirtualService(3, 4, "api"));
    }
}
