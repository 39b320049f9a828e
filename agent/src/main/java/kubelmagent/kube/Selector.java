package kubelmagent.kube;

/**
 * Which Services the agent manages and where their Virtual Service id is written.
 *
 * @param labelKey       e.g. {@code kempLB}
 * @param labelValue     e.g. {@code Enabled}
 * @param vsidAnnotation e.g. {@code vsid}
 */
public record Selector(String labelKey, String labelValue, String vsidAnnotation) {

    public static final Selector KEMP_DEFAULT = new Selector("kempLB", "Enabled", "vsid");

    /** The server-side {@code labelSelector}: {@code kempLB=Enabled}. */
    public String labelSelector() {
        return labelKey + "=" + labelValue;
    }
}
