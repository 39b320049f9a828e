package kubelmagent.ha;

import java.util.Optional;

/**
 * Whether this agent is the one that writes to the LoadMaster: always, for an agent on its own; for one of two
 * agents with {@code ha}, while it holds the Lease and has taken the shared ledger over.
 */
public interface Leadership {

    /** An agent on its own: it always writes. */
    Leadership SOLE = new Leadership() {
        @Override
        public Optional<String> standby() {
            return Optional.empty();
        }

        @Override
        public boolean mayWrite() {
            return true;
        }
    };

    /**
     * Called at the start of each pass that may write, before the ledger is read: empty if this agent writes this
     * pass (having taken the shared ledger over, if it has just taken the Lease), else why it only reads, for the
     * pass's log line. Either way the ledger then holds what the pass should plan with.
     */
    Optional<String> standby();

    /** Checked just before every LoadMaster write: false from the moment this agent may no longer write. */
    boolean mayWrite();
}
