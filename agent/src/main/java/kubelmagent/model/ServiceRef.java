package kubelmagent.model;

import java.util.Comparator;

/** A Kubernetes Service by namespace and name; prints as {@code namespace/name}. */
public record ServiceRef(String namespace, String name) implements Comparable<ServiceRef> {

    private static final Comparator<ServiceRef> ORDER =
            Comparator.comparing(ServiceRef::namespace).thenComparing(ServiceRef::name);

    public ServiceRef {
        if (namespace == null || namespace.isEmpty() || name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a Service needs a namespace and a name");
        }
    }

    @Override
    public int compareTo(ServiceRef other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
