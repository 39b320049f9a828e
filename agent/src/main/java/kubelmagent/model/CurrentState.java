package kubelmagent.model;

import java.util.Map;
import java.util.Set;

/**
 * What the LoadMaster holds for the Virtual Services the pass looked at.
 *
 * @param virtualServices the ones read successfully
 * @param missing         ids the LoadMaster answered {@code Unknown VS} for
 * @param unreadable      ids whose read failed for another reason, with the reason; the pass must
 *                        not change these
 */
public record CurrentState(
        Map<VirtualServiceId, VirtualService> virtualServices,
        Set<VirtualServiceId> missing,
        Map<VirtualServiceId, String> unreadable) {

    public CurrentState {
        virtualServices = Map.copyOf(virtualServices);
        missing = Set.copyOf(missing);
        unreadable = Map.copyOf(unreadable);
    }
}
