package kubelmagent.plan;

import java.util.List;
import java.util.Set;

import kubelmagent.model.Problem;
import kubelmagent.model.VirtualServiceId;

/**
 * The outcome of {@link Planner#plan}: what to record, what to write, and what was left alone and why.
 *
 * @param ledger   ledger-only steps, applied before the changes
 * @param changes  LoadMaster writes, in the order to apply them: by Virtual Service, adds first, then
 *                 re-enables, disables and removes (make before break), members sorted
 * @param held     take-outs the capacity guard held back this pass
 * @param problems Services and Virtual Services that were left unchanged, with the reason
 * @param bound    Virtual Services that have exactly one valid Service applied to them
 */
public record Plan(
        List<LedgerStep> ledger,
        List<Change> changes,
        List<Change> held,
        List<Problem> problems,
        Set<VirtualServiceId> bound) {

    public Plan {
        ledger = List.copyOf(ledger);
        changes = List.copyOf(changes);
        held = List.copyOf(held);
        problems = List.copyOf(problems);
        bound = Set.copyOf(bound);
    }

    public boolean hasChanges() {
        return !changes.isEmpty();
    }

    /** The ledger steps of one kind, e.g. {@code steps(LedgerStep.Adopt.class)}. */
    public <T extends LedgerStep> List<T> steps(Class<T> kind) {
        return ledger.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
