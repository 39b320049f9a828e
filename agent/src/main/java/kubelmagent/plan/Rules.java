package kubelmagent.plan;

import java.time.Instant;
import java.util.List;

import kubelmagent.model.BindingPolicy;
import kubelmagent.model.Cidr;

/**
 * What the planner needs besides the three states: NetOps' policies and the pass's clock reading.
 *
 * @param policy      which namespaces may bind which Virtual Services
 * @param removals    how cautiously Real Servers are taken out
 * @param now         the time of this pass (for drain timeouts)
 * @param adoptWithin non-empty only for an {@code --adopt} pass: Real Servers on a bound Virtual Service
 *                    that match a ready endpoint inside one of these networks are taken into the ledger
 */
public record Rules(BindingPolicy policy, RemovalPolicy removals, Instant now, List<Cidr> adoptWithin) {

    public Rules {
        adoptWithin = List.copyOf(adoptWithin);
    }

    public Rules(BindingPolicy policy, RemovalPolicy removals, Instant now) {
        this(policy, removals, now, List.of());
    }
}
