package kubelmagent.model;

/**
 * Why one Service (or one Virtual Service, or a whole read) was left alone in a pass: an
 * operator-facing sentence that names the object, the offending value and the fix.
 *
 * @param subject what the problem is about, e.g. {@code shop/web}, {@code VS 3} or {@code Kubernetes}
 * @param message the complete sentence for the log
 * @param service the Service that was skipped because of this problem, or null when the problem
 *                is not about one Service. A skipped Service still exists: the planner must not
 *                treat its Virtual Service as abandoned.
 * @param cause   the shared cause when one failure (the LoadMaster not answering, say) hits many
 *                Services at once, so the log can say it once; null when the problem is its own cause
 * @param vs      for a Service bound to several Virtual Services, the one whose binding the problem is about;
 *                null when it is about the Service as a whole (or about no Service)
 */
public record Problem(String subject, String message, ServiceRef service, String cause, VirtualServiceId vs) {

    /** A problem that is not about one particular Virtual Service of a Service. */
    public Problem(String subject, String message, ServiceRef service, String cause) {
        this(subject, message, service, cause, null);
    }

    /** A problem that is not about one particular Service. */
    public Problem(String subject, String message) {
        this(subject, message, null, null, null);
    }

    /** A problem that made one Service be skipped. */
    public static Problem of(ServiceRef service, String message) {
        return new Problem(service.toString(), message, service, null, null);
    }

    /** A problem that made one Service be skipped on one Virtual Service. */
    public static Problem of(ServiceRef service, VirtualServiceId vs, String message) {
        return new Problem(service.toString(), message, service, null, vs);
    }
}
