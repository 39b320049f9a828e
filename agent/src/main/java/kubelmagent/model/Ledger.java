package kubelmagent.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the ownership ledger holds: which LoadMaster it describes, the Real Servers the agent added there, by
 * Virtual Service, and the capacity history of the guard.
 *
 * @param loadMaster the address of the LoadMaster the entries were made on ({@code https://10.0.0.2}); null
 *                   until the first pass records it
 * @param owned      the entries, by Virtual Service (sorted); none of them empty
 * @param capacity   the capacity guard's memory
 */
public record Ledger(String loadMaster, Map<VirtualServiceId, Ownership> owned, CapacityHistory capacity) {

    public static final Ledger EMPTY = new Ledger(null, Map.of(), CapacityHistory.EMPTY);

    public Ledger {
        TreeMap<VirtualServiceId, Ownership> copy = new TreeMap<>(owned);
        copy.values().removeIf(Ownership::isEmpty);
        owned = Sorted.map(copy);
    }

    /** A ledger of these entries, for the LoadMaster at {@code loadMaster}, with no capacity history. */
    public static Ledger of(String loadMaster, Map<VirtualServiceId, Ownership> owned) {
        return new Ledger(loadMaster, owned, CapacityHistory.EMPTY);
    }

    /** The same ledger with {@code entry} for {@code vs} (none when it is empty). */
    public Ledger with(VirtualServiceId vs, Ownership entry) {
        if (get(vs).equals(entry)) {
            return this; // no copy of every entry for a step that changes nothing (an add written ahead)
        }
        Map<VirtualServiceId, Ownership> next = new TreeMap<>(owned);
        next.put(vs, entry);
        return new Ledger(loadMaster, next, capacity);
    }

    /** The same ledger, describing the LoadMaster at {@code address}. */
    public Ledger withLoadMaster(String address) {
        return new Ledger(address, owned, capacity);
    }

    /** The same ledger with the capacity guard's new memory. */
    public Ledger withCapacity(CapacityHistory history) {
        return new Ledger(loadMaster, owned, history);
    }

    /** The entry of {@code vs}, or {@link Ownership#NONE}. */
    public Ownership get(VirtualServiceId vs) {
        return owned.getOrDefault(vs, Ownership.NONE);
    }
}
