package kubelmagent.plan;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.model.VsMissing;

/**
 * A change to the ownership ledger that goes with no LoadMaster call. A plan puts these before every
 * {@link Change}, so a crash part-way never loses what they record (the capacity guard's peaks above all).
 */
public sealed interface LedgerStep extends Step {

    @Override
    default boolean recordsFirst() {
        return true;
    }

    @Override
    default Report done(Ledger start) {
        return null;
    }

    /** A step on one Virtual Service's entry: a pure transition of its {@link Ownership}. */
    sealed interface OnVs extends LedgerStep {
        VirtualServiceId vs();

        Ownership recorded(Ownership before);

        @Override
        default Ledger recorded(Ledger before) {
            return before.with(vs(), recorded(before.get(vs())));
        }
    }

    /**
     * The ledger lets go of Real Servers without removing them: they are gone from the LoadMaster (removed by
     * hand, or their VS was deleted), or, with {@code --adopt}, they were recorded for another VS.
     *
     * @param reason    for the log
     * @param vsDeleted the VS itself is gone: worth an error in the log, as a Service's traffic has nowhere to go
     */
    record Release(VirtualServiceId vs, Set<Member> members, String reason, boolean vsDeleted) implements OnVs {
        public Release {
            members = Collections.unmodifiableSortedSet(new TreeSet<>(members));
        }

        @Override
        public Ownership recorded(Ownership before) {
            return before.without(members);
        }

        @Override
        public String describe() {
            return "let go of " + members.size() + " Real Server(s) of VS " + vs;
        }

        @Override
        public Report done(Ledger start) {
            return new Report(
                    vsDeleted ? Priority.ERR : Priority.INFO,
                    "VS " + vs + ": no longer tracking " + members.size() + " Real Server(s), " + reason + ": "
                            + members);
        }
    }

    /** An owned Real Server's way out, updated without a LoadMaster call; null: back in service. */
    record Mark(VirtualServiceId vs, Member member, Retiring next) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.retiring(member, next);
        }

        @Override
        public String describe() {
            return "record the way out of RS " + member + " in VS " + vs;
        }
    }

    /** A Real Server found on the LoadMaster that the ledger takes over ({@code --adopt}). */
    record Adopt(VirtualServiceId vs, Member member, ServiceRef service) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.withMember(service, member);
        }

        @Override
        public String describe() {
            return "adopt RS " + member + " in VS " + vs + " (" + service + ")";
        }

        @Override
        public Report done(Ledger start) {
            return new Report(
                    Priority.NOTICE,
                    "adopted RS " + member + " in VS " + vs + " (" + service + "): it"
                            + " matches a ready endpoint inside kubernetes.podCidrs, so the agent now owns it");
        }
    }

    /**
     * The Real Servers a pass is about to add to one VS, recorded in one write before the first {@code addrs}
     * (write-ahead for the whole batch), instead of one write per add. A crash before an add leaves an entry
     * the next pass lets go of when it reads the VS, as for a single add.
     */
    record AddsAhead(VirtualServiceId vs, ServiceRef service, List<Member> members) implements OnVs {
        public AddsAhead {
            members = List.copyOf(members);
        }

        @Override
        public Ownership recorded(Ownership before) {
            Ownership next = before;
            for (Member m : members) {
                next = next.withMember(service, m);
            }
            return next;
        }

        @Override
        public String describe() {
            return "record ahead the " + members.size() + " Real Servers about to be added to VS " + vs + " (" + service
                    + ")";
        }
    }

    /** The VS's Real Servers now belong to the Service bound to it (the owner's name follows Kubernetes). */
    record Owner(VirtualServiceId vs, ServiceRef service) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.ownedBy(service);
        }

        @Override
        public String describe() {
            return "track the Real Servers of VS " + vs + " for " + service;
        }

        @Override
        public Report done(Ledger start) {
            return new Report(
                    Priority.INFO,
                    "VS " + vs + ": the Real Servers the agent added for "
                            + start.get(vs).service() + " are now tracked for " + service
                            + ", the Service bound to it now");
        }
    }

    /** Records what the VS is ({@code 10.0.0.5:443/tcp}), to tell it from a VS of another appliance. */
    record Identify(VirtualServiceId vs, String identity) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.identifiedAs(identity);
        }

        @Override
        public String describe() {
            return "record that VS " + vs + " is " + identity;
        }
    }

    /** The LoadMaster has no such VS ({@code Unknown VS}, or absent from {@code listvs}) once more ({@code missing} non-null), or exists again (null). */
    record Missing(VirtualServiceId vs, VsMissing missing) implements OnVs {
        @Override
        public Ownership recorded(Ownership before) {
            return before.missing(missing);
        }

        @Override
        public String describe() {
            return missing == null
                    ? "record that VS " + vs + " exists again"
                    : "record that the LoadMaster has no VS " + vs;
        }
    }

    /** The capacity guard's new memory. */
    record Capacity(CapacityHistory history) implements LedgerStep {
        @Override
        public Ledger recorded(Ledger before) {
            return before.withCapacity(history);
        }

        @Override
        public String describe() {
            return "record the capacity guard's memory";
        }
    }

    /** The ledger now describes the LoadMaster at this address. */
    record LoadMaster(String address) implements LedgerStep {
        @Override
        public Ledger recorded(Ledger before) {
            return before.withLoadMaster(address);
        }

        @Override
        public String describe() {
            return "record that the ledger describes LoadMaster " + address;
        }

        @Override
        public Report done(Ledger start) {
            return start.loadMaster() == null
                    ? null
                    : new Report(
                            Priority.NOTICE,
                            "the ownership ledger now" + " describes LoadMaster " + address + " (it described "
                                    + start.loadMaster() + ")");
        }
    }
}
