package kubelmagent.plan;

import java.util.List;
import java.util.Set;
import kubelmagent.model.Problem;
import kubelmagent.model.VirtualServiceId;

/**
 * The outcome of {@link Planner#plan}: every effect of the pass in the order to apply it, and what was left
 * alone and why.
 *
 * @param steps    the effects: first the ledger-only steps, then the LoadMaster changes by Virtual Service,
 *                 adds first, then re-enables, disables and removes (make before break), members sorted
 * @param held     take-outs the capacity guard held back this pass (not applied)
 * @param problems Services and Virtual Services that were left unchanged, with the reason
 * @param bound    Virtual Services that have exactly one valid Service applied to them
 */
public record Plan(List<Step> steps, List<Change> held, List<Problem> problems, Set<VirtualServiceId> bound) {

    public Plan {
        steps = List.copyOf(steps);
        held = List.copyOf(held);
        problems = List.copyOf(problems);
        bound = Set.copyOf(bound);
    }

    /** The LoadMaster writes, in order. */
    public List<Change> changes() {
        return steps(Change.class);
    }

    /** The steps of one kind, in order, e.g. {@code steps(LedgerStep.Adopt.class)}. */
    public <T extends Step> List<T> steps(Class<T> kind) {
        return steps.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
