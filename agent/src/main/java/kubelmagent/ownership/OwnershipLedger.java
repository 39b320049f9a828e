package kubelmagent.ownership;

import java.io.IOException;
import java.util.function.UnaryOperator;
import kubelmagent.model.Ledger;
import kubelmagent.model.Ownership;
import kubelmagent.model.VirtualServiceId;

/**
 * The record of which Real Servers the agent added, on which LoadMaster. The agent removes, disables and
 * enables only these, so a Real Server a person added is never touched. Every change is durable before the
 * method returns: an entry is recorded <em>before</em> its {@code addrs} (write-ahead), so a crash never
 * leaves an RS nobody owns; it is dropped only after its {@code delrs}, so a crash never forgets one that is
 * still there.
 *
 * <p>Implementations are thread-safe: with {@code loadmaster.maxInFlight} above 1, the threads of a pass record
 * at the same time, and each {@link #record} must apply its transition to what the one before it left.
 */
public interface OwnershipLedger {

    /** Everything the ledger holds now. */
    Ledger snapshot();

    /** Replaces what the ledger holds with {@code transition} applied to it, durably. */
    void record(UnaryOperator<Ledger> transition) throws IOException;

    /**
     * Proves, just before a LoadMaster write that the ledger records only after the call (a removal, an enable),
     * that this agent may still write: the HA ledger makes a compare-and-swap write of the object holding
     * {@code vs}'s entry, which fails once another agent has taken the ledger over. The file ledger, whose lock
     * keeps every other agent out, has nothing to prove.
     */
    default void fence(VirtualServiceId vs) throws IOException {}

    /**
     * Replaces the entry of {@code vs} with {@code transition} applied to it ({@link Ownership#NONE} when
     * there is none); an empty result drops the entry.
     */
    default void update(VirtualServiceId vs, UnaryOperator<Ownership> transition) throws IOException {
        record(ledger -> ledger.with(vs, transition.apply(ledger.get(vs))));
    }
}
