package kubelmagent.model;

import java.util.List;

/**
 * What Kubernetes says should be load balanced.
 *
 * @param complete true only if every read of the pass succeeded. When false the state is
 *                 <em>unknown</em>: the pass may add what it saw, but must remove nothing.
 * @param services the Services that carry a valid {@code vsid}
 * @param problems Services that were skipped (bad annotation, unreadable endpoints, ...)
 */
public record DesiredState(boolean complete, List<DesiredService> services, List<Problem> problems) {

    public DesiredState {
        services = List.copyOf(services);
        problems = List.copyOf(problems);
    }

    /** Nothing could be read at all. */
    public static DesiredState unknown(Problem why) {
        return new DesiredState(false, List.of(), List.of(why));
    }
}
