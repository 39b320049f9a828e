package kubelmagent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.BindingPolicy.Binding;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;
import org.yaml.snakeyaml.nodes.Node;

/** The {@code policy} section: which namespaces may bind which Virtual Services. */
final class PolicySection {

    static final List<String> KEYS = List.of("bindings");
    static final List<String> BINDING_KEYS = List.of("namespace", "vsids");

    static final String BINDING_LIST = "must be a list of rules such as {namespace: shop, vsids: [3, 4]}";
    static final String NAMESPACE_PATTERN = "must be a namespace name (lowercase letters, digits and '-'), in which"
            + " * stands for any run of characters and ? for one";
    static final String VSID_LIST = "must be a list of Virtual Service ids, e.g. [3, 4]";
    static final String VSID =
            "must be a Virtual Service id: a whole number of 1 or more (the Id column of" + " View/Modify Services)";

    /** Decimal digits that fit an int when they are at most 9. */
    private static final Pattern VSID_DIGITS = Pattern.compile("[0-9]{1,9}");

    private PolicySection() {}

    /** {@code policy.bindings}; absent (or {@code policy:} left empty) lets any namespace bind any VS. */
    static BindingPolicy read(YamlSection top) {
        YamlSection s = top.section("policy", KEYS);
        if (!top.has("policy")) {
            return BindingPolicy.allowAll();
        }
        List<Node> items = s.list("bindings", BINDING_LIST);
        if (!s.has("bindings")) {
            s.missing(
                    "bindings",
                    "is required with policy: list which namespaces may bind which Virtual Services,"
                            + " write [] to allow none, or remove policy to let any namespace bind any Virtual Service");
        }
        if (items == null) {
            return BindingPolicy.allowAll();
        }
        List<Binding> bindings = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            YamlSection rule = s.mappingAt(items.get(i), s.path("bindings") + "[" + i + "]", BINDING_KEYS);
            String namespace = namespacePattern(rule);
            Set<VirtualServiceId> vsids = vsids(rule);
            if (!rule.has("namespace")) {
                rule.missing("namespace", "is required: the namespace, or a pattern such as shop-*");
            }
            if (!rule.has("vsids")) {
                rule.missing("vsids", "is required: the Virtual Service ids the namespace may bind, e.g. [3, 4]");
            }
            if (namespace != null && vsids != null) {
                bindings.add(new Binding(namespace, vsids));
            }
        }
        return new BindingPolicy(bindings);
    }

    private static String namespacePattern(YamlSection rule) {
        String namespace = rule.scalar("namespace", NAMESPACE_PATTERN);
        if (namespace != null && !KubeNames.isNamespacePattern(namespace)) {
            rule.problem("namespace", NAMESPACE_PATTERN + Problems.got(namespace));
            return null;
        }
        return namespace;
    }

    /** The ids under {@code vsids}; null if absent or if any is invalid (each is reported). */
    private static Set<VirtualServiceId> vsids(YamlSection rule) {
        List<YamlSection.Item> items = rule.scalarItems("vsids", VSID_LIST, VSID);
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            rule.problem(
                    "vsids",
                    "must list at least one Virtual Service id; remove the rule to allow the namespace" + " none");
            return null;
        }
        Set<VirtualServiceId> vsids = new TreeSet<>();
        boolean valid = true;
        for (YamlSection.Item item : items) {
            String text = item.text();
            String digits = text == null ? "" : text.strip();
            if (VSID_DIGITS.matcher(digits).matches() && Integer.parseInt(digits) > 0) {
                vsids.add(VirtualServiceId.of(Integer.parseInt(digits)));
            } else {
                if (text != null) {
                    rule.problemAt(item.node(), item.path(), VSID + Problems.got(text));
                }
                valid = false;
            }
        }
        return valid ? vsids : null;
    }
}
