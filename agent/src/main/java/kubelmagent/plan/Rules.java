package kubelmagent.plan;

import java.time.Instant;
import kubelmagent.model.Backends;
import kubelmagent.model.Networks;

/**
 * What the planner needs besides the three states: NetOps' policies and the pass's clock reading.
 *
 * @param policy    which namespaces may bind which Virtual Services
 * @param removals  how cautiously Real Servers are taken out
 * @param now       the time of this pass
 * @param networks  the pod and node networks ({@code kubernetes.podCidrs}, {@code kubernetes.nodeCidrs}): an
 *                  address outside them never becomes a Real Server; an empty list means that kind of address is
 *                  not checked
 * @param nonLocal  Real Servers are added as non-local ({@code loadmaster.nonLocal}), which needs the
 *                  LoadMaster's "Enable Non-Local Real Servers" and a VS without Transparency
 * @param adopt     an {@code --adopt} pass: Real Servers on a bound Virtual Service that match a ready endpoint
 *                  inside {@code networks} are taken into the ledger, and the ledger accepts the LoadMaster
 *                  and the Virtual Services as they are now
 */
public record Rules(
        BindingPolicy policy, RemovalPolicy removals, Instant now, Networks networks, boolean nonLocal, boolean adopt) {

    /** No address check, no non-local checks, no adoption. */
    public Rules(BindingPolicy policy, RemovalPolicy removals, Instant now) {
        this(policy, removals, now, Networks.ANY, false, false);
    }

    /** Whether {@code ip} may become a Real Server of a Service whose Real Servers are {@code backends}. */
    public boolean allowsAddress(String ip, Backends backends) {
        return networks.allows(ip, backends);
    }
}
