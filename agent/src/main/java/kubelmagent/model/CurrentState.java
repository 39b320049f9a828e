package kubelmagent.model;

import java.util.Map;
import java.util.Set;

/**
 * What the LoadMaster holds for the Virtual Services the pass looked at.
 *
 * @param loadMaster      the address of the LoadMaster that was read ({@code https://10.0.0.2})
 * @param virtualServices the ones read successfully
 * @param missing         ids the LoadMaster answered {@code Unknown VS} for
 * @param unreadable      ids whose read failed for another reason, with the reason; the pass must
 *                        not change these
 * @param nonLocalRealServers the LoadMaster's "Enable Non-Local Real Servers" ({@code nonlocalrs}); null when
 *                        not known
 */
public record CurrentState(
        String loadMaster,
        Map<VirtualServiceId, VirtualService> virtualServices,
        Set<VirtualServiceId> missing,
        Map<VirtualServiceId, String> unreadable,
        Boolean nonLocalRealServers) {

    public CurrentState {
        virtualServices = Map.copyOf(virtualServices);
        missing = Set.copyOf(missing);
        unreadable = Map.copyOf(unreadable);
    }
}
