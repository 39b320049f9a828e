package kubelmagent.config;

import java.util.regex.Pattern;

/** The Kubernetes naming rules that {@code agent.yaml} values must follow. */
final class KubeNames {

    /** A DNS-1123 label: namespace names. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    /** A DNS-1123 label in which {@code *} and {@code ?} may stand for characters: namespace patterns. */
    private static final Pattern DNS_LABEL_PATTERN = Pattern.compile("[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?");

    /** A DNS-1123 subdomain: the optional prefix of label and annotation keys. */
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /** The name part of a label or annotation key, and a non-empty label value. */
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

    static final int MAX_NAME = 63;
    static final int MAX_PREFIX = 253;

    private KubeNames() {}

    static boolean isNamespaceName(String s) {
        return s.length() <= MAX_NAME && DNS_LABEL.matcher(s).matches();
    }

    /** A namespace name, or a pattern of one with {@code *} (any run of characters) and {@code ?} (one character). */
    static boolean isNamespacePattern(String s) {
        return s.length() <= MAX_NAME && DNS_LABEL_PATTERN.matcher(s).matches();
    }

    /** A label or annotation key: {@code [prefix/]name}, prefix a DNS subdomain, name up to 63 characters. */
    static boolean isQualifiedName(String s) {
        int slash = s.indexOf('/');
        String name = s;
        if (slash >= 0) {
            String prefix = s.substring(0, slash);
            if (prefix.isEmpty()
                    || prefix.length() > MAX_PREFIX
                    || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                return false;
            }
            name = s.substring(slash + 1);
        }
        return !name.isEmpty()
                && name.length() <= MAX_NAME
                && NAME.matcher(name).matches();
    }

    /** An object name such as a ConfigMap's or a Lease's: a DNS-1123 subdomain of at most 253 characters. */
    static boolean isObjectName(String s) {
        return s.length() <= MAX_PREFIX && DNS_SUBDOMAIN.matcher(s).matches();
    }

    /** A label value: empty, or up to 63 characters of the name pattern. */
    static boolean isLabelValue(String s) {
        return s.isEmpty() || (s.length() <= MAX_NAME && NAME.matcher(s).matches());
    }
}
