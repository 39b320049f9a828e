package kubelmagent.config;

import java.util.List;
import kubelmagent.kube.Selector;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/** The {@code selector} section: which Services the agent syncs, and where they name their Virtual Service. */
final class SelectorSection {

    static final List<String> KEYS = List.of("label", "vsidAnnotation");

    static final String LABEL = "must be key=value, e.g. kempLB=Enabled";
    static final String LABEL_KEY = "the key must be a label key: up to 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit, optionally after a DNS subdomain prefix and '/'";
    static final String LABEL_VALUE = "the value must be empty or up to 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit";
    static final String ANNOTATION_KEY = "must be an annotation key: up to 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit, optionally after a DNS subdomain prefix and '/'";

    private SelectorSection() {}

    static Selector read(YamlSection s) {
        Selector defaults = Selector.KEMP_DEFAULT;
        String labelKey = defaults.labelKey();
        String labelValue = defaults.labelValue();
        String label = s.scalar("label", LABEL);
        if (label != null) {
            int eq = label.indexOf('=');
            if (eq < 0) {
                s.problem("label", LABEL + Problems.got(label));
            } else {
                labelKey = label.substring(0, eq);
                labelValue = label.substring(eq + 1);
                if (!KubeNames.isQualifiedName(labelKey)) {
                    s.problem("label", LABEL_KEY + Problems.got(label));
                }
                if (!KubeNames.isLabelValue(labelValue)) {
                    s.problem("label", LABEL_VALUE + Problems.got(label));
                }
            }
        }
        String annotation = s.scalar("vsidAnnotation", ANNOTATION_KEY);
        if (annotation != null && !KubeNames.isQualifiedName(annotation)) {
            s.problem("vsidAnnotation", ANNOTATION_KEY + Problems.got(annotation));
        }
        return new Selector(labelKey, labelValue, annotation != null ? annotation : defaults.vsidAnnotation());
    }
}
