package kubelmagent.plan;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import kubelmagent.model.VirtualServiceId;

/**
 * Which namespaces may bind which Virtual Services ({@code policy.bindings} in agent.yaml). Without a
 * policy every namespace may bind every Virtual Service.
 *
 * @param bindings the rules; {@code null} means no policy (allow all); empty means nothing is allowed
 */
public record BindingPolicy(List<Binding> bindings) {

    /**
     * One rule: namespaces matching {@code namespace} ({@code *} any run of characters, {@code ?} one)
     * may bind the listed Virtual Services.
     */
    public record Binding(String namespace, Set<VirtualServiceId> vsids) {

        public Binding {
            vsids = Set.copyOf(new TreeSet<>(vsids));
        }

        boolean matches(String candidate) {
            StringBuilder regex = new StringBuilder();
            for (char c : namespace.toCharArray()) {
                regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
            }
            return candidate.matches(regex.toString());
        }

        @Override
        public String toString() {
            return namespace + " → VS "
                    + new TreeSet<>(vsids)
                            .stream().map(VirtualServiceId::toString).collect(Collectors.joining(", "));
        }
    }

    public BindingPolicy {
        bindings = bindings == null ? null : List.copyOf(bindings);
    }

    public static BindingPolicy allowAll() {
        return new BindingPolicy(null);
    }

    public boolean isAllowAll() {
        return bindings == null;
    }

    public boolean allows(String namespace, VirtualServiceId vs) {
        return bindings == null || bindings.stream().anyMatch(b -> b.vsids().contains(vs) && b.matches(namespace));
    }

    /** For the startup line: {@code any namespace may bind any VS}, or the rules. */
    public String describe() {
        if (bindings == null) {
            return "any namespace may bind any VS";
        }
        if (bindings.isEmpty()) {
            return "no namespace may bind any VS";
        }
        return bindings.stream().map(Binding::toString).collect(Collectors.joining("; "));
    }
}
