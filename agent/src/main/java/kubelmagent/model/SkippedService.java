package kubelmagent.model;

/**
 * A labelled Service the pass leaves alone, and why. A skipped Service keeps every Real Server the agent
 * added for it, on every Virtual Service: the planner must not read its absence from the bound Services
 * as "deleted".
 *
 * @param service the Service
 * @param vs      the Virtual Service it names in its annotation, or null when that is not known (no or
 *                an invalid annotation); any Real Server the agent holds on it is left as it is
 * @param problem what is wrong and how to fix it
 * @param unread  whether it was skipped because its endpoints could not be read (rather than because it is
 *                wrong): the Kubernetes read of the pass was then not complete
 */
public record SkippedService(ServiceRef service, VirtualServiceId vs, Problem problem, boolean unread) {

    /** A Service skipped because something about it is wrong. */
    public static SkippedService invalid(ServiceRef service, VirtualServiceId vs, Problem problem) {
        return new SkippedService(service, vs, problem, false);
    }
}
