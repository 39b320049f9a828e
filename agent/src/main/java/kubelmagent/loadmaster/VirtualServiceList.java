package kubelmagent.loadmaster;

import java.util.Map;
import java.util.TreeMap;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;

/**
 * What {@code listvs} answered: every Virtual Service on the LoadMaster, SubVSs included. A VS the agent
 * cannot read (a wildcard port, a Real Server without an address: things the agent never works with, but
 * a person may have set up elsewhere on the appliance) is listed with the reason instead, so that one odd
 * VS does not make all the others unreadable.
 *
 * @param virtualServices the VSs read, by Index
 * @param unreadable      the other VSs listed, by Index, each with why it could not be read
 */
public record VirtualServiceList(
        Map<VirtualServiceId, VirtualService> virtualServices, Map<VirtualServiceId, String> unreadable) {

    public VirtualServiceList {
        virtualServices = Map.copyOf(virtualServices);
        unreadable = Map.copyOf(unreadable);
        for (Map.Entry<VirtualServiceId, VirtualService> e : virtualServices.entrySet()) {
            if (!e.getKey().equals(e.getValue().id())) {
                throw new IllegalArgumentException(
                        "VS " + e.getValue().id() + " is filed under VS " + e.getKey() + "; file each VS by its id");
            }
            if (unreadable.containsKey(e.getKey())) {
                throw new IllegalArgumentException("VS " + e.getKey() + " is listed both as read and as unreadable");
            }
        }
    }

    /** A list of VSs that were all read. */
    public static VirtualServiceList of(Iterable<VirtualService> read) {
        Map<VirtualServiceId, VirtualService> byId = new TreeMap<>();
        for (VirtualService vs : read) {
            if (byId.put(vs.id(), vs) != null) {
                throw new IllegalArgumentException("VS " + vs.id() + " is in the list twice");
            }
        }
        return new VirtualServiceList(byId, Map.of());
    }
}
