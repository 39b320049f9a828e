package kubelmagent.model;

import java.util.Set;
import java.util.TreeSet;

/**
 * The Real Servers the agent added to one Virtual Service, and the Service it added them for.
 * Only these may ever be removed by the agent.
 */
public record Ownership(ServiceRef service, Set<Member> members) {

    public Ownership {
        members = Set.copyOf(new TreeSet<>(members));
    }
}
