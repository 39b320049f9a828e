package kubelmagent.plan;

import java.util.List;
import java.util.Locale;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;

/** One write to the LoadMaster, and what it records in the ledger. */
public sealed interface Change extends Step
        permits Change.AddRealServer, Change.EnableRealServer, Change.DisableRealServer, Change.RemoveRealServer {

    VirtualServiceId vs();

    Member member();

    /** The Service the change is made for. */
    ServiceRef service();

    Kind kind();

    /** The kinds of change, in the order a plan applies them within one VS: make before break. */
    enum Kind {
        ADD,
        ENABLE,
        DISABLE,
        REMOVE;

        /** {@code add}, {@code enable}, ...: the label in metrics and {@code status}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The ledger entry of the Virtual Service once this change has taken effect. */
    Ownership recorded(Ownership before);

    @Override
    default Ledger recorded(Ledger before) {
        return before.with(vs(), recorded(before.get(vs())));
    }

    /** Add a ready endpoint that the Virtual Service lacks. */
    record AddRealServer(VirtualServiceId vs, Member member, ServiceRef service) implements Change {
        @Override
        public Kind kind() {
            return Kind.ADD;
        }

        @Override
        public String describe() {
            return "add RS " + member + " to VS " + vs + " (" + service + ")";
        }

        @Override
        public boolean recordsFirst() {
            return true;
        }

        @Override
        public Report done(Ledger start) {
            return new Report(Priority.NOTICE, "added RS " + member + " to VS " + vs + " (" + service + ")");
        }

        @Override
        public Ownership recorded(Ownership before) {
            return before.withMember(service, member);
        }
    }

    /**
     * Enable again a Real Server the agent disabled, because what it stands for serves again.
     *
     * @param why for the log: {@code its endpoint is ready again}, or for a node {@code its node serves again}
     */
    record EnableRealServer(VirtualServiceId vs, Member member, ServiceRef service, String why) implements Change {

        /** A pod's Real Server: its endpoint is ready again. */
        public EnableRealServer(VirtualServiceId vs, Member member, ServiceRef service) {
            this(vs, member, service, "its endpoint is ready again");
        }

        @Override
        public Kind kind() {
            return Kind.ENABLE;
        }

        @Override
        public String describe() {
            return "re-enable RS " + member + " in VS " + vs + " (" + service + "): " + why;
        }

        @Override
        public boolean recordsFirst() {
            return false;
        }

        @Override
        public Report done(Ledger start) {
            return new Report(
                    Priority.NOTICE, "re-enabled RS " + member + " in VS " + vs + " (" + service + "): " + why);
        }

        @Override
        public Ownership recorded(Ownership before) {
            return before.retiring(member, null);
        }
    }

    /**
     * Disable a Real Server the agent added ({@code modrs enable=N}): the first, reversible step out.
     *
     * @param next   what the ledger records for it once disabled (by the agent)
     * @param reason why, for the log
     */
    record DisableRealServer(VirtualServiceId vs, Member member, ServiceRef service, Retiring next, String reason)
            implements Change {
        @Override
        public Kind kind() {
            return Kind.DISABLE;
        }

        @Override
        public String describe() {
            return "disable RS " + member + " in VS " + vs + " (" + service + "): " + reason;
        }

        @Override
        public boolean recordsFirst() {
            return true;
        }

        @Override
        public Report done(Ledger start) {
            return new Report(
                    Priority.NOTICE, "disabled RS " + member + " in VS " + vs + " (" + service + "): " + reason);
        }

        @Override
        public Ownership recorded(Ownership before) {
            return before.retiring(member, next);
        }
    }

    /**
     * Remove a Real Server the agent added and that is no longer wanted.
     *
     * @param reason why, for the log: e.g. {@code no longer a ready endpoint}
     */
    record RemoveRealServer(VirtualServiceId vs, Member member, ServiceRef service, String reason) implements Change {
        @Override
        public Kind kind() {
            return Kind.REMOVE;
        }

        @Override
        public String describe() {
            return "remove RS " + member + " from VS " + vs + " (" + service + "): " + reason;
        }

        @Override
        public boolean recordsFirst() {
            return false;
        }

        @Override
        public Report done(Ledger start) {
            return new Report(
                    Priority.NOTICE, "removed RS " + member + " from VS " + vs + " (" + service + "): " + reason);
        }

        @Override
        public Ownership recorded(Ownership before) {
            return before.without(List.of(member));
        }
    }
}
