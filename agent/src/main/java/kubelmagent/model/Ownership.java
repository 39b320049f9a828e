package kubelmagent.model;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ledger's entry for one Virtual Service: the Real Servers the agent added to it, and the Service it
 * added them for. Only these may ever be disabled, enabled again or removed by the agent. The methods that
 * return an {@code Ownership} are the pure transitions the ledger applies; none changes this value.
 *
 * @param service    the Service the Real Servers were added for (the one bound to the VS now, once a pass
 *                   has applied it); null only in {@link #NONE}
 * @param members    the owned Real Servers, sorted
 * @param retiring   the owned members on their way out, and why; sorted
 * @param vsIdentity what the VS was when the agent first held Real Servers of it ({@link VirtualService#identity()}),
 *                   so another VS with the same Index (another appliance) is never mistaken for it; null until
 *                   a pass has read the VS
 * @param missing    since when the LoadMaster has answered {@code Unknown VS} for it, or null
 */
public record Ownership(
        ServiceRef service, Set<Member> members, Map<Member, Retiring> retiring, String vsIdentity, VsMissing missing) {

    /** No entry: what a transition starts from for a Virtual Service the ledger does not hold. */
    public static final Ownership NONE = new Ownership(null, Set.of(), Map.of(), null, null);

    public Ownership {
        members = Sorted.set(members);
        TreeMap<Member, Retiring> onlyOwned = new TreeMap<>(retiring);
        onlyOwned.keySet().retainAll(members);
        retiring = Sorted.map(onlyOwned);
    }

    /** Owned members, none of them retiring, VS not yet identified. */
    public Ownership(ServiceRef service, Set<Member> members) {
        this(service, members, Map.of());
    }

    public Ownership(ServiceRef service, Set<Member> members, Map<Member, Retiring> retiring) {
        this(service, members, retiring, null, null);
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    /** About to add {@code member} for {@code owner} (write-ahead): owned, in service. */
    public Ownership withMember(ServiceRef owner, Member member) {
        TreeSet<Member> next = new TreeSet<>(members);
        next.add(member);
        Map<Member, Retiring> stillRetiring = new TreeMap<>(retiring);
        stillRetiring.remove(member);
        return new Ownership(owner, next, stillRetiring, vsIdentity, missing);
    }

    /** No longer owned: removed, never created, or gone from the LoadMaster. */
    public Ownership without(Collection<Member> gone) {
        TreeSet<Member> next = new TreeSet<>(members);
        next.removeAll(gone);
        return new Ownership(service, next, retiring, vsIdentity, missing);
    }

    /** {@code member} is on its way out as {@code state} says, or back in service when {@code state} is null. */
    public Ownership retiring(Member member, Retiring state) {
        if (!members.contains(member)) {
            return this;
        }
        Map<Member, Retiring> next = new TreeMap<>(retiring);
        if (state == null) {
            next.remove(member);
        } else {
            next.put(member, state);
        }
        return new Ownership(service, members, next, vsIdentity, missing);
    }

    /** The Real Servers are now the given Service's: the Service bound to the VS now. */
    public Ownership ownedBy(ServiceRef owner) {
        return new Ownership(owner, members, retiring, vsIdentity, missing);
    }

    public Ownership identifiedAs(String identity) {
        return new Ownership(service, members, retiring, identity, missing);
    }

    /** The VS is missing from the LoadMaster as {@code state} says, or there again when it is null. */
    public Ownership missing(VsMissing state) {
        return new Ownership(service, members, retiring, vsIdentity, state);
    }
}
