package kubelmagent.kube.wire;

import java.util.Map;

/** {@code metadata} of an object. */
public record ObjectMeta(String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {

    public ObjectMeta {
        labels = labels == null ? Map.of() : labels;
        annotations = annotations == null ? Map.of() : annotations;
    }
}
