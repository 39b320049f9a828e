package kubelmagent.ownership;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;

import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;

/**
 * The record of which Real Servers the agent added. The agent removes only these, so a Real Server a
 * person added is never touched. Every change is durable before the method returns: an entry is
 * recorded <em>before</em> its {@code addrs} (write-ahead), so a crash never leaves an RS nobody owns;
 * it is dropped only after its {@code delrs}, so a crash never forgets one that is still there.
 */
public interface OwnershipLedger {

    /** Everything owned now, by Virtual Service. */
    Map<VirtualServiceId, Ownership> snapshot();

    /** Notes that the agent is about to add {@code member} to {@code vs} for {@code service}. */
    void record(VirtualServiceId vs, ServiceRef service, Member member) throws IOException;

    /** Drops entries: the Real Servers were removed, were never created, or are gone. */
    void forget(VirtualServiceId vs, Collection<Member> members) throws IOException;

    /** Notes that an owned Real Server is on its way out (disabled), or one more absent read of it. */
    void markRetiring(VirtualServiceId vs, Member member, Retiring state) throws IOException;

    /** Notes that an owned Real Server is back in service (re-enabled). */
    void clearRetiring(VirtualServiceId vs, Member member) throws IOException;
}
