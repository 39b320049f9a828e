package kubelmagent.plan;

import kubelmagent.model.Member;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;

/** One write to the LoadMaster. */
public sealed interface Change permits Change.AddRealServer, Change.RemoveRealServer {

    VirtualServiceId vs();

    Member member();

    /** The Service the change is made for. */
    ServiceRef service();

    /** {@code add RS 10.244.1.7:8080 to VS 3 (shop/web)}. */
    String describe();

    /** Add a ready endpoint that the Virtual Service lacks. */
    record AddRealServer(VirtualServiceId vs, Member member, ServiceRef service) implements Change {
        @Override
        public String describe() {
            return "add RS " + member + " to VS " + vs + " (" + service + ")";
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
    }
}
