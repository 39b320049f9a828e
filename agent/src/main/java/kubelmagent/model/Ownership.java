package kubelmagent.model;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Real Servers the agent added to one Virtual Service, and the Service it added them for.
 * Only these may ever be removed by the agent.
 *
 * @param retiring the owned members the agent has disabled on their way out, and why
 */
public record Ownership(ServiceRef service, Set<Member> members, Map<Member, Retiring> retiring) {

    public Ownership {
        members = Set.copyOf(new TreeSet<>(members));
        TreeMap<Member, Retiring> onlyOwned = new TreeMap<>(retiring);
        onlyOwned.keySet().retainAll(members);
        retiring = Map.copyOf(onlyOwned);
    }

    /** Owned members, none of them retiring. */
    public Ownership(ServiceRef service, Set<Member> members) {
        this(service, members, Map.of());
    }
}
