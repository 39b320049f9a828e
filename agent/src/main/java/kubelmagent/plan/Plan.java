package kubelmagent.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;

import kubelmagent.model.Member;
import kubelmagent.model.Problem;
import kubelmagent.model.VirtualServiceId;

/**
 * The outcome of {@link Planner#plan}: what to write, what the ledger can let go of, and what was
 * left alone and why.
 *
 * @param changes  LoadMaster writes, in the order to apply them: by Virtual Service, adds before
 *                 removes (make before break), members sorted
 * @param released ledger entries for Real Servers that are gone from the LoadMaster and no longer
 *                 wanted (removed by hand, or their Virtual Service was deleted)
 * @param problems Services and Virtual Services that were left unchanged, with the reason
 * @param bound    Virtual Services that have exactly one valid Service bound to them
 */
public record Plan(
        List<Change> changes,
        Map<VirtualServiceId, Set<Member>> released,
        List<Problem> problems,
        Set<VirtualServiceId> bound) {

    public Plan {
        changes = List.copyOf(changes);
        released = Map.copyOf(released);
        problems = List.copyOf(problems);
        bound = Set.copyOf(bound);
    }

    public boolean hasChanges() {
        return !changes.isEmpty();
    }
}
