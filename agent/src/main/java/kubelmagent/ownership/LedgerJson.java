package kubelmagent.ownership;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.model.VsMissing;

/** The ledger's JSON form, as the ledger file and the HA ledger's ConfigMaps hold it. */
public final class LedgerJson {

    /** Format 2 added the LoadMaster, the VS identities, Unknown VS counts, who disabled what, and capacity. */
    private static final int FORMAT = 2;

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().create();

    private LedgerJson() {}

    /** The ledger as JSON, indented for people to read. */
    public static String format(Ledger ledger) {
        return GSON.toJson(toWire(ledger));
    }

    /** The ledger as JSON on one line, where size counts more than reading (a ConfigMap). */
    public static String compact(Ledger ledger) {
        return COMPACT.toJson(toWire(ledger));
    }

    /**
     * The ledger {@code json} holds.
     *
     * @throws RuntimeException if it is not a ledger (unreadable JSON, a missing or wrong field)
     */
    public static Ledger parse(String json) {
        LedgerFile wire = GSON.fromJson(json, LedgerFile.class);
        if (wire == null || (wire.format != 1 && wire.format != FORMAT) || wire.virtualServices == null) {
            throw new JsonParseException("expected {\"format\": " + FORMAT + ", \"virtualServices\": {...}}");
        }
        SortedMap<VirtualServiceId, Ownership> owned = new TreeMap<>();
        for (var e : wire.virtualServices.entrySet()) {
            Entry entry = e.getValue();
            String[] service = entry.service.split("/", 2);
            TreeSet<Member> members = new TreeSet<>();
            Map<Member, Retiring> retiring = new TreeMap<>();
            for (MemberWire m : entry.realServers) {
                Member member = new Member(m.ip, m.port);
                members.add(member);
                if (m.retiring != null) {
                    // Format 1 did not say who disabled it; the agent did, but for the rare RS it found disabled.
                    boolean byAgent = m.retiring.disabledByAgent == null || m.retiring.disabledByAgent;
                    retiring.put(
                            member,
                            new Retiring(
                                    Retiring.Reason.valueOf(m.retiring.reason),
                                    Instant.parse(m.retiring.since),
                                    m.retiring.absentReads,
                                    byAgent));
                }
            }
            VsMissing missing = entry.missing == null
                    ? null
                    : new VsMissing(Instant.parse(entry.missing.since), entry.missing.passes);
            if (!members.isEmpty()) {
                owned.put(
                        VirtualServiceId.of(Integer.parseInt(e.getKey())),
                        new Ownership(
                                new ServiceRef(service[0], service[1]), members, retiring, entry.identity, missing));
            }
        }
        return new Ledger(wire.loadMaster, owned, capacity(wire.capacity));
    }

    private static CapacityHistory capacity(CapacityWire wire) {
        if (wire == null) {
            return CapacityHistory.EMPTY;
        }
        Map<VirtualServiceId, List<CapacityHistory.Sample>> perVs = new TreeMap<>();
        if (wire.perVirtualService != null) {
            wire.perVirtualService.forEach(
                    (vs, samples) -> perVs.put(VirtualServiceId.of(Integer.parseInt(vs)), samples(samples)));
        }
        return new CapacityHistory(perVs, samples(wire.total));
    }

    private static List<CapacityHistory.Sample> samples(List<SampleWire> wire) {
        return wire == null
                ? List.of()
                : wire.stream()
                        .map(w -> new CapacityHistory.Sample(w.inService, Instant.parse(w.at)))
                        .toList();
    }

    private static List<SampleWire> samplesWire(List<CapacityHistory.Sample> samples) {
        return samples.stream()
                .map(s -> {
                    SampleWire w = new SampleWire();
                    w.inService = s.count();
                    w.at = s.at().toString();
                    return w;
                })
                .toList();
    }

    private static LedgerFile toWire(Ledger ledger) {
        CapacityHistory capacity = ledger.capacity();
        LedgerFile wire = new LedgerFile();
        wire.format = FORMAT;
        wire.note =
                "Real Servers that kube-lm-agent added and may remove. Written by the agent; do not edit while it runs.";
        wire.loadMaster = ledger.loadMaster();
        wire.virtualServices = new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        ledger.owned().forEach((vs, o) -> {
            Entry entry = new Entry();
            entry.service = o.service().toString();
            entry.identity = o.vsIdentity();
            if (o.missing() != null) {
                entry.missing = new MissingWire();
                entry.missing.since = o.missing().since().toString();
                entry.missing.passes = o.missing().passes();
            }
            entry.realServers = o.members().stream()
                    .sorted()
                    .map(m -> {
                        MemberWire w = new MemberWire();
                        w.ip = m.ip();
                        w.port = m.port();
                        Retiring r = o.retiring().get(m);
                        if (r != null) {
                            w.retiring = new RetiringWire();
                            w.retiring.reason = r.reason().name();
                            w.retiring.since = r.since().toString();
                            w.retiring.absentReads = r.absentReads();
                            w.retiring.disabledByAgent = r.disabledByAgent();
                        }
                        return w;
                    })
                    .toList();
            wire.virtualServices.put(vs.toString(), entry);
        });
        if (!capacity.isEmpty()) {
            wire.capacity = new CapacityWire();
            wire.capacity.total = samplesWire(capacity.total());
            wire.capacity.perVirtualService =
                    new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
            capacity.perVs()
                    .forEach((vs, samples) -> wire.capacity.perVirtualService.put(vs.toString(), samplesWire(samples)));
        }
        return wire;
    }

    // Gson wire shapes of the file.
    private static final class LedgerFile {
        int format;
        String note;
        String loadMaster; // absent in format 1
        Map<String, Entry> virtualServices;
        CapacityWire capacity; // absent while empty
    }

    private static final class Entry {
        String service;
        String identity; // absent in format 1, and until a pass has read the VS
        MissingWire missing; // absent while the VS exists
        List<MemberWire> realServers;
    }

    private static final class MissingWire {
        String since;
        int passes;
    }

    private static final class CapacityWire {
        List<SampleWire> total;
        Map<String, List<SampleWire>> perVirtualService;
    }

    private static final class SampleWire {
        int inService;
        String at;
    }

    private static final class MemberWire {
        String ip;
        int port;
        RetiringWire retiring; // absent while in service
    }

    private static final class RetiringWire {
        String reason;
        String since;
        int absentReads;
        Boolean disabledByAgent; // absent in format 1
    }
}
