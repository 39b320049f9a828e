package kubelmagent.model;

/**
 * Why one Service (or one Virtual Service) was left alone in a pass: an operator-facing sentence
 * that names the object, the offending value and the fix.
 *
 * @param subject what the problem is about, e.g. {@code shop/web} or {@code VS 3}
 * @param message the complete sentence for the log
 */
public record Problem(String subject, String message) {
}
