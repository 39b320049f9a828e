package kubelmagent.plan;

import java.time.Instant;
import java.util.List;
import kubelmagent.model.Cidr;

/**
 * What the planner needs besides the three states: NetOps' policies and the pass's clock reading.
 *
 * @param policy    which namespaces may bind which Virtual Services
 * @param removals  how cautiously Real Servers are taken out
 * @param now       the time of this pass
 * @param podCidrs  the pod networks ({@code kubernetes.podCidrs}): an endpoint address outside them never
 *                  becomes a Real Server; empty means addresses are not checked
 * @param nonLocal  Real Servers are added as non-local ({@code loadmaster.nonLocal}), which needs the
 *                  LoadMaster's "Enable Non-Local Real Servers" and a VS without Transparency
 * @param adopt     an {@code --adopt} pass: Real Servers on a bound Virtual Service that match a ready endpoint
 *                  inside {@code podCidrs} are taken into the ledger, and the ledger accepts the LoadMaster
 *                  and the Virtual Services as they are now
 */
public record Rules(
        BindingPolicy policy,
        RemovalPolicy removals,
        Instant now,
        List<Cidr> podCidrs,
        boolean nonLocal,
        boolean adopt) {

    public Rules {
        podCidrs = List.copyOf(podCidrs);
    }

    /** No address check, no non-local checks, no adoption. */
    public Rules(BindingPolicy policy, RemovalPolicy removals, Instant now) {
        this(policy, removals, now, List.of(), false, false);
    }

    /** Whether {@code ip} may become a Real Server: inside {@code podCidrs}, or they are not set. */
    public boolean allowsAddress(String ip) {
        return podCidrs.isEmpty() || podCidrs.stream().anyMatch(cidr -> cidr.contains(ip));
    }
}
