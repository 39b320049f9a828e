package kubelmagent.kube;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import kubelmagent.log.Text;
import kubelmagent.model.Backends;
import kubelmagent.model.VirtualServiceId;

/**
 * The agent's own annotations on a Service, besides Kemp's {@code vsid}: {@code kube-lm-agent/mode} (pods or
 * nodeport) and {@code kube-lm-agent/vsids} (one Virtual Service per Service port). Parsing only: what is
 * wrong comes back as the sentence a problem holds, naming the annotation, the value and the fix.
 */
final class ServiceAnnotations {

    static final String MODE = "kube-lm-agent/mode";
    static final String VSIDS = "kube-lm-agent/vsids";

    private static final int MAX_VALUE_SHOWN = 60;

    private ServiceAnnotations() {}

    /** A parsed value, or what is wrong with it. */
    record Parsed<T>(T value, String problem) {

        static <T> Parsed<T> ok(T value) {
            return new Parsed<>(value, null);
        }

        static <T> Parsed<T> wrong(String problem) {
            return new Parsed<>(null, problem);
        }
    }

    /**
     * {@code pods} (also {@code pod}) or {@code nodeport} (also {@code nodeports}, {@code NodePort}); {@code
     * defaultMode} when the annotation is absent.
     */
    static Parsed<Backends> mode(String value, Backends defaultMode) {
        if (value == null) {
            return Parsed.ok(defaultMode);
        }
        switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "pods", "pod" -> {
                return Parsed.ok(Backends.PODS);
            }
            case "nodeport", "nodeports" -> {
                return Parsed.ok(Backends.NODE_PORTS);
            }
            default -> {
                return Parsed.wrong("annotation " + MODE + "=" + Text.quote(value, MAX_VALUE_SHOWN)
                        + " is not a mode; set it to \"pods\" (Real Servers are the pods) or \"nodeport\""
                        + " (Real Servers are the nodes, on the Service's nodePort), or remove it");
            }
        }
    }

    /** One entry of {@code kube-lm-agent/vsids}: a Service port (its name, or its number) and a Virtual Service. */
    record PortBinding(String port, VirtualServiceId vs) {}

    /**
     * {@code "http=3,https=7"}: each entry a Service port's name (or, for a port without a name, its number),
     * {@code =} and a Virtual Service id; spaces around the parts are allowed. A port may feed several Virtual
     * Services (say an IPv4 and an IPv6 one); a Virtual Service appears once.
     */
    static Parsed<List<PortBinding>> vsids(String value) {
        List<PortBinding> bindings = new ArrayList<>();
        Set<VirtualServiceId> seen = new HashSet<>();
        String example = " (e.g. " + VSIDS + ": \"http=3,https=7\")";
        if (value.isBlank()) {
            return Parsed.wrong(
                    "annotation " + VSIDS + " is empty; list each Service port and its Virtual Service" + example);
        }
        for (String entry : value.split(",", -1)) {
            int eq = entry.indexOf('=');
            String port = eq < 0 ? "" : entry.substring(0, eq).strip();
            Optional<VirtualServiceId> vs = eq < 0 ? Optional.empty() : VsidAnnotation.parse(entry.substring(eq + 1));
            if (port.isEmpty() || vs.isEmpty()) {
                return Parsed.wrong("annotation " + VSIDS + "=" + Text.quote(value, MAX_VALUE_SHOWN) + " has "
                        + (entry.isBlank() ? "an empty entry" : "the entry " + Text.quote(entry.strip(), 30))
                        + ", which is not <port name>=<Virtual Service id>; write each entry so" + example);
            }
            if (!seen.add(vs.get())) {
                return Parsed.wrong("annotation " + VSIDS + "=" + Text.quote(value, MAX_VALUE_SHOWN)
                        + " names VS " + vs.get() + " twice; a Virtual Service is fed by one Service port, so list it"
                        + " once");
            }
            bindings.add(new PortBinding(port, vs.get()));
        }
        return Parsed.ok(List.copyOf(bindings));
    }
}
