package kubelmagent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import kubelmagent.kube.ObjectStore;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.LedgerJson;
import org.junit.jupiter.api.Test;

/** The shared ledger on a store with the API server's compare-and-swap, written by two agents in turn. */
class ConfigMapLedgerTest {

    static final String NAME = "kube-lm-agent-ledger";
    static final LeaseElector.Term A1 = new LeaseElector.Term("node-a", 1);
    static final LeaseElector.Term B2 = new LeaseElector.Term("node-b", 2);
    static final ServiceRef WEB = new ServiceRef("shop", "web");

    final InMemoryObjectStore store = new InMemoryObjectStore();
    final AtomicReference<LeaseElector.Term> aHolds = new AtomicReference<>(A1);
    final AtomicReference<LeaseElector.Term> bHolds = new AtomicReference<>(B2);
    final ConfigMapLedger a = new ConfigMapLedger(store, NAME, aHolds::get);
    final ConfigMapLedger b = new ConfigMapLedger(store, NAME, bHolds::get);

    static Ownership owning(int members) {
        Set<Member> set = new TreeSet<>();
        for (int i = 0; i < members; i++) {
            set.add(new Member("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 8080));
        }
        return new Ownership(WEB, set);
    }

    static Member member(String ip) {
        return new Member(ip, 8080);
    }

    JsonObject configMap(String name) {
        return store.object(ObjectStore.Kind.CONFIG_MAP, name);
    }

    static String annotation(JsonObject o, String key) {
        return ObjectStore.annotation(o, key);
    }

    @Test
    void takingOverCreatesTheFirstConfigMapStampedWithTheHoldingAndAnEmptyLedger() throws IOException {
        a.takeOver(A1);

        JsonObject first = configMap(NAME);
        assertEquals("node-a", annotation(first, ConfigMapLedger.HOLDER));
        assertEquals("1", annotation(first, ConfigMapLedger.TERM));
        assertEquals("1", annotation(first, ConfigMapLedger.PARTS));
        assertEquals(Ledger.EMPTY, a.snapshot());
        assertEquals(A1, a.takenOverAs());
    }

    @Test
    void anEntryWrittenByOneAgentIsWhatTheOtherReadsInTheFileLedgersForm() throws IOException {
        a.takeOver(A1);
        VirtualServiceId vs = VirtualServiceId.of(3);
        a.update(vs, o -> o.withMember(WEB, member("10.244.1.5")));
        a.record(l -> l.withLoadMaster("https://10.0.0.2"));

        b.load();
        assertEquals(a.snapshot(), b.snapshot());
        assertEquals(Set.of(member("10.244.1.5")), b.snapshot().get(vs).members());
        String json = configMap(NAME)
                .getAsJsonObject("data")
                .get(ConfigMapLedger.DATA_KEY)
                .getAsString();
        assertEquals(a.snapshot(), LedgerJson.parse(json), "kubectl get -o jsonpath shows the ledger file's form");
    }

    @Test
    void everyWriteIsACompareAndSwapOnTheVersionThisAgentLastSaw() throws IOException {
        a.takeOver(A1);
        a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.5")));

        List<InMemoryObjectStore.Request> writes =
                store.requests().stream().filter(r -> !r.verb().equals("get")).toList();
        assertEquals(
                List.of(
                        new InMemoryObjectStore.Request("create", "configmaps", NAME),
                        new InMemoryObjectStore.Request("update", "configmaps", NAME)),
                writes);
    }

    @Test
    void anAgentThatLostTheLeaseCanNeitherRecordNorFenceOnceTheOtherTookTheLedgerOver() throws IOException {
        a.takeOver(A1);
        a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.5")));
        b.takeOver(B2); // a was paused past its lease; it still believes it holds it (its clock has not run)
        JsonObject before = configMap(NAME);

        IOException record = assertThrows(
                IOException.class,
                () -> a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.6"))));
        assertEquals(
                "the ledger ConfigMap kube-lm-agent/kube-lm-agent-ledger was taken over by node-b (term 2): this"
                        + " agent no longer holds the Lease, and writes nothing to the LoadMaster",
                record.getMessage());
        IOException fence = assertThrows(IOException.class, () -> a.fence(VirtualServiceId.of(3)));
        assertTrue(fence.getMessage().startsWith("this agent does not hold the Lease"), fence.getMessage());
        assertEquals(before, configMap(NAME), "nothing a wrote after b took over is stored");
        assertEquals(null, a.takenOverAs());
    }

    @Test
    void theFenceChangesTheObjectSoThatAStaleCopyCannotBeWrittenAfterIt() throws IOException {
        a.takeOver(A1);
        a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.5")));
        String version = ObjectStore.resourceVersion(configMap(NAME));

        a.fence(VirtualServiceId.of(3));

        assertNotEquals(version, ObjectStore.resourceVersion(configMap(NAME)));
        assertEquals(
                Set.of(member("10.244.1.5")),
                a.snapshot().get(VirtualServiceId.of(3)).members());
    }

    @Test
    void withoutTheLeaseNothingIsWrittenNorEvenAsked() throws IOException {
        a.takeOver(A1);
        aHolds.set(null); // the renew deadline passed
        int requests = store.requests().size();

        IOException e = assertThrows(
                IOException.class,
                () -> a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.5"))));
        assertTrue(e.getMessage().contains("does not hold the Lease"), e.getMessage());
        assertEquals(requests, store.requests().size());
    }

    @Test
    void aLargeLedgerIsSplitOverConfigMapsEachUnderTheLimitAndReadsBackWhole() throws IOException {
        a.takeOver(A1);
        Map<VirtualServiceId, Ownership> owned = new TreeMap<>();
        for (int vs = 1; vs <= 40; vs++) {
            owned.put(VirtualServiceId.of(vs), owning(500)); // about 20,000 Real Servers in all
        }
        Ledger big = new Ledger("https://10.0.0.2", owned, CapacityHistory.EMPTY);
        a.record(l -> big);

        List<String> names = store.names(ObjectStore.Kind.CONFIG_MAP);
        assertTrue(names.size() >= 3, names::toString);
        assertEquals(Integer.toString(names.size()), annotation(configMap(NAME), ConfigMapLedger.PARTS));
        for (String name : names) {
            int bytes = configMap(name)
                    .getAsJsonObject("data")
                    .get(ConfigMapLedger.DATA_KEY)
                    .getAsString()
                    .getBytes(StandardCharsets.UTF_8)
                    .length;
            assertTrue(bytes <= ConfigMapLedger.LIMIT, name + " holds " + bytes + " bytes");
            assertEquals("node-a", annotation(configMap(name), ConfigMapLedger.HOLDER));
        }
        b.load();
        assertEquals(big, b.snapshot());

        b.takeOver(B2);
        for (String name : names) {
            assertEquals("node-b", annotation(configMap(name), ConfigMapLedger.HOLDER), name);
        }
        assertThrows(IOException.class, () -> a.fence(VirtualServiceId.of(40)), "every object is fenced");
    }

    @Test
    void aGrowingEntryMovesToANewConfigMapWrittenBeforeTheOldOneLetsGoOfIt() throws IOException {
        a.takeOver(A1);
        a.record(l -> l.with(VirtualServiceId.of(1), owning(3000)).with(VirtualServiceId.of(2), owning(3000)));
        assertEquals(List.of(NAME), store.names(ObjectStore.Kind.CONFIG_MAP), "both fit in one");

        Ownership grown = owning(27_000); // with VS 2 beside it, more than one ConfigMap holds
        a.update(VirtualServiceId.of(1), o -> grown);

        assertEquals(List.of(NAME, NAME + "-1"), store.names(ObjectStore.Kind.CONFIG_MAP));
        assertEquals(Set.of(VirtualServiceId.of(2)), entriesIn(NAME));
        assertEquals(Set.of(VirtualServiceId.of(1)), entriesIn(NAME + "-1"));
        b.load();
        assertEquals(a.snapshot(), b.snapshot());
    }

    @Test
    void anEntryFoundInTwoConfigMapsAfterAMoveCutShortIsTakenFromTheLaterOne() throws IOException {
        a.takeOver(A1);
        a.record(l -> l.with(VirtualServiceId.of(1), owning(3000)).with(VirtualServiceId.of(2), owning(3000)));
        Ownership grown = owning(27_000);
        store.failWritesAfter(2); // the count and the new object are written; the old one never lets go

        assertThrows(IOException.class, () -> a.update(VirtualServiceId.of(1), o -> grown));

        assertEquals(Set.of(VirtualServiceId.of(1), VirtualServiceId.of(2)), entriesIn(NAME), "the old copy");
        b.load();
        assertEquals(grown, b.snapshot().get(VirtualServiceId.of(1)), "the new copy is the one read");
        assertEquals(owning(3000), b.snapshot().get(VirtualServiceId.of(2)));
    }

    Set<VirtualServiceId> entriesIn(String name) {
        String json = configMap(name)
                .getAsJsonObject("data")
                .get(ConfigMapLedger.DATA_KEY)
                .getAsString();
        return LedgerJson.parse(json).owned().keySet();
    }

    @Test
    void aWriteWhoseAnswerWasLostIsFoundOnTheNextWriteWhichReadsEverythingAgainFirst() throws IOException {
        a.takeOver(A1);
        store.loseNextAnswer();
        assertThrows(
                IOException.class,
                () -> a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.5"))));

        a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.6")));

        assertEquals(
                Set.of(member("10.244.1.5"), member("10.244.1.6")),
                a.snapshot().get(VirtualServiceId.of(3)).members(),
                "the lost write had landed: it is kept");
        b.load();
        assertEquals(a.snapshot(), b.snapshot());
    }

    @Test
    void aConfigMapEditedByHandFailsOneWriteThenTheAgentGoesOnFromWhatItHolds() throws IOException {
        a.takeOver(A1);
        a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.5")));
        JsonObject edited = configMap(NAME);
        ObjectStore.annotate(edited, "team", "netops"); // kubectl annotate: a new resourceVersion, same holder
        store.edit(ObjectStore.Kind.CONFIG_MAP, edited);

        IOException e = assertThrows(
                IOException.class,
                () -> a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.6"))));
        assertTrue(e.getMessage().contains("changed since this agent read it (edited by hand?)"), e.getMessage());

        a.update(VirtualServiceId.of(3), o -> o.withMember(WEB, member("10.244.1.6")));
        assertEquals("netops", annotation(configMap(NAME), "team"), "the person's change is kept");
        assertEquals(2, a.snapshot().get(VirtualServiceId.of(3)).members().size());
    }

    @Test
    void aDamagedConfigMapStopsTheReadAndSaysHowToRecover() throws IOException {
        a.takeOver(A1);
        JsonObject damaged = configMap(NAME);
        JsonObject data = new JsonObject();
        data.addProperty(ConfigMapLedger.DATA_KEY, "{\"format\": 2, \"virtualServices\": ");
        damaged.add("data", data);
        store.edit(ObjectStore.Kind.CONFIG_MAP, damaged);

        IOException e = assertThrows(IOException.class, b::load);
        assertTrue(
                e.getMessage().startsWith("the ledger's ConfigMap kube-lm-agent/kube-lm-agent-ledger is damaged ("),
                e.getMessage());
        assertTrue(
                e.getMessage()
                        .endsWith("Restore it, or delete it (kubectl -n kube-lm-agent delete configmap"
                                + " kube-lm-agent-ledger): the Real Servers it names then count as hand-made, and --adopt"
                                + " takes them over again"),
                e.getMessage());
        assertThrows(IOException.class, () -> b.takeOver(B2), "nothing is written over it");
    }

    @Test
    void theCapacityMemoryAndTheLoadMasterLiveInTheFirstConfigMap() throws IOException {
        a.takeOver(A1);
        CapacityHistory history = new CapacityHistory(
                Map.of(
                        VirtualServiceId.of(3),
                        List.of(new CapacityHistory.Sample(4, Instant.parse("2026-11-30T12:00:00Z")))),
                List.of(new CapacityHistory.Sample(4, Instant.parse("2026-11-30T12:00:00Z"))));
        a.record(l -> l.withCapacity(history).withLoadMaster("https://10.0.0.2"));

        b.load();
        assertEquals(history, b.snapshot().capacity());
        assertEquals("https://10.0.0.2", b.snapshot().loadMaster());
    }
}
