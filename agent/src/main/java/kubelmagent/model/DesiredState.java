package kubelmagent.model;

import java.util.ArrayList;
import java.util.List;

/**
 * What Kubernetes says should be load balanced.
 *
 * @param complete     true when the list of labelled Services was read completely. When false the state is
 *                     <em>unknown</em>: the pass may add what it saw, but must remove nothing anywhere
 * @param services     the Services that carry a valid {@code vsid} and whose endpoints were read
 * @param skipped      the labelled Services left out of this pass, with the reason (bad annotation,
 *                     endpoints that could not be read, ...); each keeps its Real Servers
 * @param readProblems what went wrong with the read as a whole (the Service list, discovery, the token)
 */
public record DesiredState(
        boolean complete, List<DesiredService> services, List<SkippedService> skipped, List<Problem> readProblems) {

    public DesiredState {
        services = List.copyOf(services);
        skipped = List.copyOf(skipped);
        readProblems = List.copyOf(readProblems);
    }

    /** A complete read of these Services, none skipped. */
    public DesiredState(List<DesiredService> services) {
        this(true, services, List.of(), List.of());
    }

    /** Nothing could be read at all. */
    public static DesiredState unknown(Problem why) {
        return new DesiredState(false, List.of(), List.of(), List.of(why));
    }

    /** Whether every read succeeded: the Service list, and the endpoints of every Service. */
    public boolean everythingRead() {
        return complete && skipped.stream().noneMatch(SkippedService::unread);
    }

    /** Every problem of the read: those of the read as a whole, then those of each skipped Service. */
    public List<Problem> problems() {
        List<Problem> all = new ArrayList<>(readProblems);
        skipped.forEach(s -> all.add(s.problem()));
        return all;
    }
}
