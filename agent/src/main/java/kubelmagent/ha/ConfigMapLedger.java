package kubelmagent.ha;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import kubelmagent.kube.ObjectStore;
import kubelmagent.kube.ObjectStoreException;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Ledger;
import kubelmagent.model.Ownership;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.LedgerJson;
import kubelmagent.ownership.OwnershipLedger;

/**
 * The ownership ledger of two agents with one active, in ConfigMaps of the agent's namespace: {@code NAME}, and
 * {@code NAME-1}, {@code NAME-2}, ... once it outgrows one object. Each holds, under {@code ledger.json}, the
 * file ledger's JSON for some Virtual Services ({@link LedgerJson}); the first also holds the LoadMaster's address,
 * the capacity guard's memory, and how many there are.
 *
 * <p><b>Fencing.</b> Every write is a compare-and-swap on the object's {@code resourceVersion}, and each object
 * carries the Lease holding ({@link LeaseElector.Term}) of the agent that wrote it last. An agent that takes the
 * Lease first writes its holding into every object ({@link #takeOver}). From then on, a write by the agent that held
 * it before fails, because the object changed since that agent read it: as the write comes before the LoadMaster
 * call it covers, that agent does not make the call (a paused leader that wakes up, a leader cut off from the API
 * server). A write also needs the Lease to be held ({@link LeaseElector#holding()}). The LoadMaster client asks the
 * same again as a write's body goes on the wire, and gives a write up once the Lease could have passed to the other
 * agent ({@code LoadMasterRestClient}), which covers a pause between this write and the call.
 *
 * <p><b>Size.</b> A ConfigMap holds at most 1 MiB. A Virtual Service's entry stays in the object it was first
 * written to; a new one goes to the object with the most room, and to a new object when every one has passed
 * {@link #FILL}. An object that would pass {@link #LIMIT} has the entries of that write moved to a new object: the
 * new object is written first, so an entry found in two objects (a move cut short) is taken from the later one.
 */
public final class ConfigMapLedger implements OwnershipLedger {

    static final String DATA_KEY = "ledger.json";
    /** The annotations: whose holding wrote the object last, how many objects hold the ledger, a write counter. */
    static final String HOLDER = "kube-lm-agent/holder";

    static final String TERM = "kube-lm-agent/term";
    static final String PARTS = "kube-lm-agent/parts";
    static final String WRITES = "kube-lm-agent/writes";

    /** A new Virtual Service's entry goes to an object below this size. */
    static final int FILL = 256 * 1024;
    /** No object grows beyond this (a ConfigMap holds at most 1 MiB, its metadata included). */
    static final int LIMIT = 900 * 1000;
    /** Sanity bound on the count the first object gives. */
    static final int MAX_PARTS = 100;

    /**
     * One of the objects.
     *
     * @param object as last read or written; null when it does not exist yet
     * @param share  the ledger's entries it holds
     * @param bytes  the size of its {@code ledger.json}
     */
    private record Part(JsonObject object, Ledger share, int bytes) {
        static final Part ABSENT = new Part(null, Ledger.EMPTY, 0);
    }

    private final ObjectStore store;
    private final String name;
    private final Supplier<LeaseElector.Term> holding;
    private final List<Part> parts = new ArrayList<>(List.of(Part.ABSENT));
    private Ledger content = Ledger.EMPTY;
    /**
     * The holding every object carries, since this agent took the ledger over; null when it has not. Volatile: the
     * LoadMaster client asks for it (through {@link LeaseLeadership#mayWrite()}) without waiting for a ledger write.
     */
    private volatile LeaseElector.Term stamped;
    /** A write failed without an answer: read every object again, and check it is still this agent's, first. */
    private boolean uncertain;

    /**
     * @param holding the Lease holding under way, or null: writes need it, and need it to be the one the ledger
     *                was taken over with
     */
    public ConfigMapLedger(ObjectStore store, String name, Supplier<LeaseElector.Term> holding) {
        this.store = store;
        this.name = name;
        this.holding = holding;
    }

    /** {@code kube-lm-agent/kube-lm-agent-ledger}: for messages. */
    public String describe() {
        return "ConfigMap " + store.namespace() + "/" + name;
    }

    /**
     * Reads every object again, for a pass that writes nothing (the agent without the Lease) or before a take-over.
     * This agent no longer counts as having taken the ledger over.
     *
     * @throws IOException if an object cannot be read, or is not a ledger; the message says what to do
     */
    public synchronized void load() throws IOException {
        stamped = null;
        uncertain = false;
        List<Part> before = List.copyOf(parts);
        List<Part> now = new ArrayList<>();
        Optional<JsonObject> first = store.get(ObjectStore.Kind.CONFIG_MAP, name);
        if (first.isPresent()) {
            now.add(read(first.get(), 0, before));
            int count = count(first.get());
            for (int i = 1; i < count; i++) {
                Optional<JsonObject> more = store.get(ObjectStore.Kind.CONFIG_MAP, partName(i));
                now.add(more.isEmpty() ? Part.ABSENT : read(more.get(), i, before));
            }
        } else {
            now.add(Part.ABSENT);
        }
        parts.clear();
        parts.addAll(now);
        content = merged();
    }

    /** Object {@code i} as read, its share parsed again only if it changed since {@code before} was read. */
    private Part read(JsonObject object, int i, List<Part> before) throws IOException {
        if (i < before.size() && before.get(i).object() != null) {
            String version = ObjectStore.resourceVersion(object);
            if (version != null
                    && version.equals(ObjectStore.resourceVersion(before.get(i).object()))) {
                return new Part(object, before.get(i).share(), before.get(i).bytes());
            }
        }
        return read(object, i);
    }

    /**
     * Takes the ledger over for {@code term}, just taken: reads every object and writes the holding into each
     * (creating those missing), so that the agent that held the Lease before can write none of them again.
     *
     * @throws IOException if an object cannot be read or written (another agent wrote one meanwhile: the next pass
     *                     tries again)
     */
    public synchronized void takeOver(LeaseElector.Term term) throws IOException {
        load();
        for (int i = 0; i < parts.size(); i++) {
            write(i, parts.get(i).share(), parts.size(), term);
        }
        stamped = term;
    }

    /** The holding this agent took the ledger over with, or null. */
    public LeaseElector.Term takenOverAs() {
        return stamped;
    }

    @Override
    public synchronized Ledger snapshot() {
        return content;
    }

    @Override
    public synchronized void record(UnaryOperator<Ledger> transition) throws IOException {
        mayWrite();
        Ledger next = transition.apply(content);
        if (next.equals(content)) {
            return;
        }
        store(next);
    }

    /** A compare-and-swap write of the object holding {@code vs}'s entry, changing nothing but its write counter. */
    @Override
    public synchronized void fence(VirtualServiceId vs) throws IOException {
        mayWrite();
        int i = placement().getOrDefault(vs, 0);
        write(i, parts.get(i).share(), parts.size(), stamped);
    }

    private void mayWrite() throws IOException {
        LeaseElector.Term now = holding.get();
        if (stamped == null || !stamped.equals(now)) {
            throw new IOException("this agent does not hold the Lease"
                    + (stamped == null
                            ? ""
                            : " it took the ledger " + describe() + " over with (" + stamped.describe() + ")")
                    + ", so it writes nothing to the LoadMaster; it goes on reading, and writes again once it holds the"
                    + " Lease");
        }
        if (uncertain) {
            LeaseElector.Term mine = stamped;
            load();
            for (Part p : parts) {
                if (p.object() != null && !mine.equals(stampOf(p.object()))) {
                    throw takenOver(p.object());
                }
            }
            stamped = mine;
        }
    }

    /** Writes the objects whose share of {@code next} changed, growing the ledger by objects where needed. */
    private void store(Ledger next) throws IOException {
        Map<VirtualServiceId, Integer> placement = placement();
        List<Ledger> shares = split(next, placement);
        Set<VirtualServiceId> changed = new TreeSet<>();
        for (VirtualServiceId vs : union(content.owned().keySet(), next.owned().keySet())) {
            if (!content.get(vs).equals(next.get(vs))) {
                changed.add(vs);
            }
        }
        for (int i = 0; i < shares.size(); i++) {
            if (bytes(shares.get(i)) > LIMIT) {
                Map<VirtualServiceId, Integer> moved = new HashMap<>(placement);
                int target = shares.size();
                for (VirtualServiceId vs : changed) {
                    if (Integer.valueOf(i).equals(placement(vs, moved, next))) {
                        moved.put(vs, target);
                    }
                }
                placement = moved;
                shares = split(next, placement);
                if (bytes(shares.get(i)) > LIMIT || bytes(shares.get(target)) > LIMIT) {
                    throw new IOException("the ledger entries this write changes take more than one ConfigMap holds ("
                            + LIMIT + " bytes): tens of thousands of Real Servers on one Virtual Service; the agent"
                            + " cannot record them in the cluster, so it does not make the change");
                }
            }
        }
        int count = shares.size();
        int before = parts.size();
        if (count > before) {
            // First the first object, unchanged but for the new count: a stale agent fails here; then the new
            // objects; entries leave their old object only after that, so a write cut short leaves two copies
            // (the later one is read) rather than none.
            write(0, parts.get(0).share(), count, stamped);
            for (int i = before; i < count; i++) {
                write(i, shares.get(i), count, stamped);
            }
        }
        for (int i = 0; i < before; i++) {
            if (!shares.get(i).equals(parts.get(i).share())) {
                write(i, shares.get(i), count, stamped);
            }
        }
    }

    /** Where each Virtual Service's entry is now: the last object holding it. */
    private Map<VirtualServiceId, Integer> placement() {
        Map<VirtualServiceId, Integer> where = new HashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            for (VirtualServiceId vs : parts.get(i).share().owned().keySet()) {
                where.put(vs, i);
            }
        }
        return where;
    }

    private static Integer placement(VirtualServiceId vs, Map<VirtualServiceId, Integer> placement, Ledger next) {
        return next.owned().containsKey(vs) ? placement.get(vs) : null;
    }

    /**
     * {@code next} split into the objects' shares: the first gets the LoadMaster and the capacity memory, each entry
     * stays where it is, and a new one goes where there is most room (a new object when none has room under
     * {@link #FILL}). Adds to {@code placement} where new entries go.
     */
    private List<Ledger> split(Ledger next, Map<VirtualServiceId, Integer> placement) {
        int count = Math.max(
                parts.size(),
                placement.values().stream().mapToInt(i -> i + 1).max().orElse(1));
        List<Map<VirtualServiceId, Ownership>> owned = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            owned.add(new TreeMap<>());
            sizes.add(i < parts.size() ? parts.get(i).bytes() : 0);
        }
        for (Map.Entry<VirtualServiceId, Ownership> e : next.owned().entrySet()) {
            Integer at = placement.get(e.getKey());
            if (at == null) {
                at = roomiest(sizes);
                if (at == null) {
                    owned.add(new TreeMap<>());
                    sizes.add(0);
                    at = owned.size() - 1;
                }
                placement.put(e.getKey(), at);
                sizes.set(at, sizes.get(at) + bytes(Ledger.of(null, Map.of(e.getKey(), e.getValue()))));
            }
            owned.get(at).put(e.getKey(), e.getValue());
        }
        List<Ledger> shares = new ArrayList<>();
        for (int i = 0; i < owned.size(); i++) {
            shares.add(
                    i == 0
                            ? new Ledger(next.loadMaster(), owned.get(0), next.capacity())
                            : new Ledger(null, owned.get(i), CapacityHistory.EMPTY));
        }
        return shares;
    }

    private static Integer roomiest(List<Integer> sizes) {
        Integer best = null;
        for (int i = 0; i < sizes.size(); i++) {
            if (sizes.get(i) < FILL && (best == null || sizes.get(i) < sizes.get(best))) {
                best = i;
            }
        }
        return best;
    }

    /** Writes object {@code i} with {@code share}, stamped with {@code term}; a compare-and-swap when it exists. */
    private void write(int i, Ledger share, int count, LeaseElector.Term term) throws IOException {
        Part before = i < parts.size() ? parts.get(i) : Part.ABSENT;
        JsonObject next =
                before.object() == null ? new JsonObject() : before.object().deepCopy();
        ObjectStore.metadata(next).addProperty("name", partName(i));
        JsonObject data = new JsonObject();
        String json = LedgerJson.compact(share);
        data.addProperty(DATA_KEY, json);
        next.add("data", data);
        ObjectStore.annotate(next, HOLDER, term.identity());
        ObjectStore.annotate(next, TERM, Long.toString(term.transitions()));
        String writes = ObjectStore.annotation(next, WRITES);
        ObjectStore.annotate(next, WRITES, Long.toString(writes == null ? 1 : Long.parseLong(writes) + 1));
        if (i == 0) {
            ObjectStore.annotate(next, PARTS, Integer.toString(count));
        }
        JsonObject stored;
        try {
            stored = before.object() == null
                    ? store.create(ObjectStore.Kind.CONFIG_MAP, next)
                    : store.replace(ObjectStore.Kind.CONFIG_MAP, next);
        } catch (ObjectStoreException e) {
            throw failed(i, term, e);
        }
        while (parts.size() <= i) {
            parts.add(Part.ABSENT);
        }
        parts.set(i, new Part(stored, share, json.getBytes(StandardCharsets.UTF_8).length));
        content = merged();
    }

    /** Why a write failed, having found out whether another agent took the ledger over. */
    private IOException failed(int i, LeaseElector.Term term, ObjectStoreException e) {
        if (!e.conflict()) {
            uncertain = true; // it may have been written all the same: read everything again before the next write
            return new IOException(
                    "could not write the ledger's ConfigMap " + store.namespace() + "/" + partName(i) + ": "
                            + e.getMessage(),
                    e);
        }
        try {
            Optional<JsonObject> now = store.get(ObjectStore.Kind.CONFIG_MAP, partName(i));
            if (now.isPresent() && !term.equals(stampOf(now.get()))) {
                return takenOver(now.get());
            }
        } catch (ObjectStoreException again) {
            // fall through: read everything again before the next write
        }
        uncertain = true;
        return new IOException("the ledger's ConfigMap " + store.namespace() + "/" + partName(i) + " changed since this"
                + " agent read it (edited by hand?); the agent reads it again, and the next pass retries");
    }

    private IOException takenOver(JsonObject object) {
        stamped = null;
        LeaseElector.Term other = stampOf(object);
        return new IOException("the ledger " + describe() + " was taken over by "
                + (other == null ? "someone else" : other.describe())
                + ": this agent no longer holds the Lease, and writes nothing to the LoadMaster");
    }

    private static LeaseElector.Term stampOf(JsonObject object) {
        String holder = ObjectStore.annotation(object, HOLDER);
        String term = ObjectStore.annotation(object, TERM);
        try {
            return holder == null || term == null ? null : new LeaseElector.Term(holder, Long.parseLong(term));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Part read(JsonObject object, int i) throws IOException {
        JsonObject data = object.has("data") && object.get("data").isJsonObject()
                ? object.getAsJsonObject("data")
                : new JsonObject();
        JsonElement json = data.get(DATA_KEY);
        if (json == null || json.isJsonNull()) {
            return new Part(object, Ledger.EMPTY, 0);
        }
        String text = json.getAsString();
        try {
            return new Part(object, LedgerJson.parse(text), text.getBytes(StandardCharsets.UTF_8).length);
        } catch (RuntimeException e) {
            throw new IOException("the ledger's ConfigMap " + store.namespace() + "/" + partName(i) + " is damaged ("
                    + e.getMessage()
                    + "): the agent changes nothing until it is fixed. Restore it, or delete it (kubectl"
                    + " -n " + store.namespace() + " delete configmap " + partName(i) + "): the Real Servers it names"
                    + " then count as hand-made, and --adopt takes them over again");
        }
    }

    private int count(JsonObject first) throws IOException {
        String text = ObjectStore.annotation(first, PARTS);
        try {
            int n = text == null ? 1 : Integer.parseInt(text);
            if (n >= 1 && n <= MAX_PARTS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException("the ledger's ConfigMap " + describe() + " has annotation " + PARTS + "=\"" + text
                + "\", not a count from 1 to " + MAX_PARTS + "; restore it (it counts the ConfigMaps " + name + ", "
                + name + "-1, ... that hold the ledger)");
    }

    /** Every object's share in one ledger; an entry in two objects is taken from the later one. */
    private Ledger merged() {
        Map<VirtualServiceId, Ownership> owned = new TreeMap<>();
        for (Part p : parts) {
            owned.putAll(p.share().owned());
        }
        Ledger first = parts.get(0).share();
        return new Ledger(first.loadMaster(), owned, first.capacity());
    }

    String partName(int i) {
        return i == 0 ? name : name + "-" + i;
    }

    private static int bytes(Ledger share) {
        return LedgerJson.compact(share).getBytes(StandardCharsets.UTF_8).length;
    }

    private static Set<VirtualServiceId> union(Set<VirtualServiceId> a, Set<VirtualServiceId> b) {
        Set<VirtualServiceId> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
