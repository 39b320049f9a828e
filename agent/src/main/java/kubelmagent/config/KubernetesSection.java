package kubelmagent.config;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import kubelmagent.config.ConfigFiles.Credential;
import kubelmagent.config.ConfigFiles.FileContent;
import kubelmagent.kube.KubernetesConnection;
import kubelmagent.kube.NodeModeSettings;
import kubelmagent.model.Backends;
import kubelmagent.model.Cidr;
import kubelmagent.model.Networks;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/**
 * The {@code kubernetes} section: how to reach the API server ({@code server} with {@code tokenFile},
 * or a {@code kubeconfig}), which namespaces to watch, which networks are the pods' and the nodes', and how
 * Services are served by default (pods or nodes).
 *
 * @param connection null if a problem was reported
 */
record KubernetesSection(
        KubernetesConnection connection, List<String> namespaces, Networks networks, NodeModeSettings modes) {

    static final List<String> KEYS = List.of(
            "server",
            "kubeconfig",
            "context",
            "tokenFile",
            "caFile",
            "insecureSkipTlsVerify",
            "namespaces",
            "timeout",
            "podCidrs",
            "nodeCidrs",
            "defaultMode",
            "nodeAddress");

    static final String NAMESPACE_LIST = "must be a list of names";
    static final String NAMESPACE_NAME = "must be a namespace name (lowercase letters, digits and '-')";
    static final String NAMESPACE_TOO_LONG = "must be a namespace name of at most 63 characters";
    static final String CIDR_LIST = "must be a list of networks such as [10.244.0.0/16]";
    private static final String CIDR = "must be a network such as 10.244.0.0/16";
    static final String DEFAULT_MODE = "must be pods or nodeports";
    static final String NODE_ADDRESS = "must be internal or external";

    static KubernetesSection read(YamlSection s, ConfigFiles files) {
        boolean hasServer = s.has("server");
        boolean hasKubeconfig = s.has("kubeconfig");

        URI server = HttpsUrl.read(s, "server", true, "use tokenFile instead");
        FileContent kubeconfig = files.read(s, "kubeconfig");
        String context = s.scalar("context", "must be a context name");
        if (context != null && context.isEmpty()) {
            s.problem("context", "must be a context name" + Problems.got(context));
            context = null;
        }
        Credential tokenFile = files.credential(s, "tokenFile", "token");
        List<X509Certificate> cas = files.caFile(s);
        Boolean insecure = s.bool("insecureSkipTlsVerify");
        List<String> namespaces = namespaces(s);
        Duration timeout = Connections.timeout(s);
        Networks networks = new Networks(cidrs(s, "podCidrs"), cidrs(s, "nodeCidrs"));
        Backends defaultMode =
                oneOf(s, "defaultMode", DEFAULT_MODE, "pods", "nodeports") == 1 ? Backends.NODE_PORTS : Backends.PODS;
        boolean external = oneOf(s, "nodeAddress", NODE_ADDRESS, "internal", "external") == 1;

        if (hasServer && hasKubeconfig) {
            s.sectionProblem("set either server or kubeconfig, not both");
        } else if (!hasServer && !hasKubeconfig) {
            s.sectionProblem("set either server or kubeconfig");
        } else if (hasServer && !s.has("tokenFile")) {
            s.missing("tokenFile", "is required with server");
        }
        if (s.has("context") && !hasKubeconfig) {
            s.problem("context", "applies only with kubeconfig");
        }
        if (Boolean.TRUE.equals(insecure) && s.has("caFile")) {
            s.sectionProblem("set caFile or insecureSkipTlsVerify: true, not both");
        }

        KubernetesConnection connection = null;
        if (hasServer && !hasKubeconfig && server != null) {
            connection = Connections.kubernetes(server, cas, insecure, tokenFile, timeout);
        } else if (hasKubeconfig && !hasServer && kubeconfig != null && (context != null || !s.has("context"))) {
            connection =
                    Connections.fromKubeconfig(s, files, kubeconfig.path(), context, tokenFile, cas, insecure, timeout);
        }
        return new KubernetesSection(connection, namespaces, networks, new NodeModeSettings(defaultMode, external));
    }

    private static List<String> namespaces(YamlSection s) {
        List<YamlSection.Item> items = s.scalarItems("namespaces", NAMESPACE_LIST, NAMESPACE_NAME);
        if (items == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (YamlSection.Item item : items) {
            String name = item.text();
            if (name == null) {
                continue;
            }
            if (!KubeNames.isNamespaceName(name)) {
                s.problemAt(
                        item.node(),
                        item.path(),
                        (name.length() > KubeNames.MAX_NAME ? NAMESPACE_TOO_LONG : NAMESPACE_NAME)
                                + Problems.got(name));
            } else if (!seen.add(name)) {
                s.problemAt(item.node(), item.path(), "is listed twice" + Problems.got(name));
            } else {
                names.add(name);
            }
        }
        return names;
    }

    /** The index of the value among {@code values}; 0 (the default) when the key is absent or wrong. */
    private static int oneOf(YamlSection s, String key, String mustBe, String... values) {
        if (!s.has(key)) {
            return 0;
        }
        String text = s.scalar(key, mustBe);
        if (text == null) {
            return 0;
        }
        int i = List.of(values).indexOf(text);
        if (i < 0) {
            s.problem(key, mustBe + Problems.got(text));
            return 0;
        }
        return i;
    }

    private static List<Cidr> cidrs(YamlSection s, String key) {
        List<YamlSection.Item> items = s.scalarItems(key, CIDR_LIST, CIDR);
        if (items == null) {
            return List.of();
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (YamlSection.Item item : items) {
            if (item.text() == null) {
                continue;
            }
            try {
                cidrs.add(Cidr.parse(item.text()));
            } catch (IllegalArgumentException e) {
                s.problemAt(item.node(), item.path(), CIDR + ": " + e.getMessage() + Problems.got(item.text()));
            }
        }
        return cidrs;
    }
}
