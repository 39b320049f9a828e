package kubelmagent.plan;

import java.util.List;

import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;

/** One write to the LoadMaster. */
public sealed interface Change
        permits Change.AddRealServer, Change.EnableRealServer, Change.DisableRealServer, Change.RemoveRealServer {

    VirtualServiceId vs();

    Member member();

    /** The Service the change is made for. */
    ServiceRef service();

    /** {@code add RS 10.244.1.7:8080 to VS 3 (shop/web)}. */
    String describe();

    /**
     * The ledger entry of the Virtual Service once this change has taken effect. An add and a disable are
     * recorded before the LoadMaster call (write-ahead), an enable and a remove after it.
     */
    Ownership recorded(Ownership before);

    /** Add a ready endpoint that the Virtual Service lacks. */
    record AddRealServer(VirtualServiceId vs, Member member, ServiceRef service) implements Change {
        @Override
        public String describe() {
            return "add RS " + member + " to VS " + vs + " (" + service + ")";
        }

        @Override
        public Ownership recorded(Ownership before) {
            return before.withMember(service, member);
        }
    }

    /** Enable again a Real Server the agent disabled, because its endpoint is ready again. */
    record EnableRealServer(VirtualServiceId vs, Member member, ServiceRef service) implements Change {
        @Override
        public String describe() {
            return "re-enable RS " + member + " in VS " + vs + " (" + service + "): its endpoint is ready again";
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
        public String describe() {
            return "disable RS " + member + " in VS " + vs + " (" + service + "): " + reason;
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
        public String describe() {
            return "remove RS " + member + " from VS " + vs + " (" + service + "): " + reason;
        }

        @Override
        public Ownership recorded(Ownership before) {
            return before.without(List.of(member));
        }
    }
}
