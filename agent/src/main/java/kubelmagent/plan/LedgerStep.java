package kubelmagent.plan;

import java.util.Set;

import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.model.VsMissing;

/**
 * A change to the ownership ledger that goes with no LoadMaster call. A pass writes these before it sends
 * any {@link Change}, so a crash part-way never loses what they record (the capacity guard's peaks above all).
 */
public sealed interface LedgerStep {

    /** A step on one Virtual Service's entry: a pure transition of its {@link Ownership}. */
    sealed interface OnVs extends LedgerStep {
        VirtualServiceId vs();

        Ownership recorded(Ownership before);
    }

    /**
     * The ledger lets go of Real Servers without removing them: they are gone from the LoadMaster (removed by
     * hand, or their VS was deleted), or, with {@code --adopt}, they were recorded for another VS.
     *
     * @param reason for the log
     */
    record Release(VirtualServiceId vs, Set<Member> members, String reason) implements OnVs {
        public Release {
            members = Set.copyOf(members);
        }

        @Override
        public Ownership recorded(Ownership before) {
            return before.without(members);
        }
    }

    /** An owned Real Server's way out, updated without a LoadMaster call; null: back in service. */
    record Mark(VirtualServiceId vs, Member member, Retiring next) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.retiring(member, next);
        }
    }

    /** A Real Server found on the LoadMaster that the ledger takes over ({@code --adopt}). */
    record Adopt(VirtualServiceId vs, Member member, ServiceRef service) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.withMember(service, member);
        }
    }

    /** The VS's Real Servers now belong to the Service bound to it (the owner's name follows Kubernetes). */
    record Owner(VirtualServiceId vs, ServiceRef service) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.ownedBy(service);
        }
    }

    /** Records what the VS is ({@code 10.0.0.5:443/tcp}), to tell it from a VS of another appliance. */
    record Identify(VirtualServiceId vs, String identity) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.identifiedAs(identity);
        }
    }

    /** The VS answered {@code Unknown VS} once more ({@code missing} non-null), or exists again (null). */
    record Missing(VirtualServiceId vs, VsMissing missing) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.missing(missing);
        }
    }

    /** The capacity guard's new memory. */
    record Capacity(CapacityHistory history) implements LedgerStep {}

    /** The ledger now describes the LoadMaster at this address. */
    record LoadMaster(String address) implements LedgerStep {}
}
