package kubelmagent.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;

import kubelmagent.model.Member;
import kubelmagent.model.Problem;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;

/**
 * The outcome of {@link Planner#plan}: what to write, what to record in the ledger, and what was left
 * alone and why.
 *
 * @param changes  LoadMaster writes, in the order to apply them: by Virtual Service, adds first, then
 *                 re-enables, disables and removes (make before break), members sorted
 * @param released ledger entries for Real Servers that are gone from the LoadMaster and no longer
 *                 wanted (removed by hand, or their Virtual Service was deleted)
 * @param marks    ledger-only updates of Real Servers on their way out (one more absent read counted)
 * @param adopted  Real Servers found on the LoadMaster that the ledger takes over ({@code --adopt})
 * @param held     removals and disables the mass-removal guard held back this pass
 * @param problems Services and Virtual Services that were left unchanged, with the reason
 * @param bound    Virtual Services that have exactly one valid Service bound to them
 */
public record Plan(
        List<Change> changes,
        Map<VirtualServiceId, Set<Member>> released,
        Map<VirtualServiceId, Map<Member, Retiring>> marks,
        List<Adoption> adopted,
        List<Change> held,
        List<Problem> problems,
        Set<VirtualServiceId> bound) {

    /** A Real Server the agent takes ownership of without changing it. */
    public record Adoption(VirtualServiceId vs, Member member, ServiceRef service) {}

    public Plan {
        changes = List.copyOf(changes);
        released = Map.copyOf(released);
        marks = Map.copyOf(marks);
        adopted = List.copyOf(adopted);
        held = List.copyOf(held);
        problems = List.copyOf(problems);
        bound = Set.copyOf(bound);
    }

    public boolean hasChanges() {
        return !changes.isEmpty();
    }
}
