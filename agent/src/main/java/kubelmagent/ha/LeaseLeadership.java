package kubelmagent.ha;

import java.io.IOException;
import java.util.Optional;
import kubelmagent.log.Log;

/**
 * One of two agents with {@code ha}: it writes while it holds the Lease and has taken the shared ledger over
 * with that holding; otherwise each pass reads the shared ledger afresh and only reads.
 */
public final class LeaseLeadership implements Leadership {

    private static final Log LOG = Log.get(LeaseLeadership.class);

    private final LeaseElector elector;
    private final ConfigMapLedger ledger;
    private final HaSettings settings;
    /** The last failure to read or take the shared ledger, logged at err once; null after a success. */
    private String lastFailure;

    public LeaseLeadership(LeaseElector elector, ConfigMapLedger ledger, HaSettings settings) {
        this.elector = elector;
        this.ledger = ledger;
        this.settings = settings;
    }

    @Override
    public Optional<String> standby() {
        LeaseElector.Term term = elector.holding();
        if (term == null) {
            String why = "the " + settings.describeLease() + " is held by " + elector.holder();
            try {
                ledger.load();
            } catch (IOException e) {
                failed("could not read the shared ledger " + ledger.describe() + ": " + e.getMessage());
                return Optional.of(why + "; the shared ledger could not be read");
            }
            lastFailure = null;
            return Optional.of(why);
        }
        if (!term.equals(ledger.takenOverAs())) {
            try {
                ledger.takeOver(term);
                LOG.notice("took the shared ledger " + ledger.describe() + " over as " + term.describe() + ": it names "
                        + ledger.snapshot().owned().values().stream()
                                .mapToInt(o -> o.members().size())
                                .sum()
                        + " Real Server(s) the agents added, which this agent now manages");
            } catch (IOException e) {
                failed("holds the " + settings.describeLease() + " but could not take the shared ledger over, so it"
                        + " writes nothing until it can: " + e.getMessage());
                return Optional.of("the shared ledger could not be taken over");
            }
        }
        lastFailure = null;
        return Optional.empty();
    }

    /** Logs a failure at err the first time, and at debug while it lasts, so a lasting one is not a line a pass. */
    private void failed(String line) {
        if (line.equals(lastFailure)) {
            LOG.debug(line);
        } else {
            LOG.err(line);
            lastFailure = line;
        }
    }

    @Override
    public boolean mayWrite() {
        LeaseElector.Term term = elector.holding();
        return term != null && term.equals(ledger.takenOverAs());
    }
}
