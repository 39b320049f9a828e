package kubelmagent.cli;

import kubelmagent.config.AgentConfig;
import kubelmagent.config.Durations;
import kubelmagent.log.Log;
import kubelmagent.model.Backends;
import kubelmagent.model.Networks;
import kubelmagent.plan.RemovalPolicy;

/** Operator-facing one-line descriptions of the configuration (never with secrets). */
final class Describe {

    private static final Log LOG = Log.get(Describe.class);

    private Describe() {}

    static String config(AgentConfig c) {
        return "Kubernetes " + c.kubernetes().server()
                + " (namespaces: " + (c.namespaces().isEmpty() ? "all" : String.join(", ", c.namespaces())) + ")"
                + ", LoadMaster " + c.loadMaster().url()
                + " ("
                + (c.loadMaster().apiKey() != null
                        ? "API key"
                        : "user " + c.loadMaster().username())
                + (c.loadMaster().maxInFlight() > 1
                        ? ", up to " + c.loadMaster().maxInFlight() + " writes at once"
                        : "")
                + ")"
                + ", selector " + c.selector().labelSelector() + " with annotation "
                + c.selector().vsidAnnotation()
                + ", passes " + c.schedule().describe()
                + (c.watch() ? ", watch on" : ", watch off")
                + (c.ha() == null
                        ? ", state in " + c.stateDir()
                        : ", ha: one of two agents, as " + c.ha().identity() + ", writing while it holds the "
                                + c.ha().describeLease() + " (lease " + Durations.format(c.ha().leaseDuration())
                                + ", renew deadline " + Durations.format(c.ha().renewDeadline()) + ", retry "
                                + Durations.format(c.ha().retryPeriod()) + "; a LoadMaster write waits at most "
                                + Durations.format(c.ha().writeWithin())
                                + " for its answer), ledger in ConfigMap "
                                + c.ha().namespace() + "/" + c.ha().ledgerName())
                + ", policy: " + c.policy().describe()
                + ", " + networks(c.networks())
                + ", Services served by "
                + (c.modes().defaultMode() == Backends.PODS ? "their pods" : "their nodes' NodePorts")
                + " unless annotated, nodes reached at "
                + (c.modes().externalNodeAddress() ? "InternalIP, else ExternalIP" : "InternalIP")
                + ", removals: " + removals(c.removals())
                + ", metrics "
                + (c.metricsListen() == null
                        ? "off"
                        : "on " + c.metricsListen().getAddress().getHostAddress() + ":"
                                + c.metricsListen().getPort());
    }

    /** {@code pod networks: 10.244.0.0/16, node networks: not checked}. */
    static String networks(Networks n) {
        return "pod networks: " + (n.pods().isEmpty() ? "not checked" : n.describe(Backends.PODS)) + ", node networks: "
                + (n.nodes().isEmpty() ? "not checked" : n.describe(Backends.NODE_PORTS));
    }

    private static String removals(RemovalPolicy r) {
        return (r.confirmations() == 1 ? "at once" : "after " + r.confirmations() + " reads (disabled first)")
                + ", draining up to " + r.drainTimeout().toSeconds() + " s"
                + ", take-outs held when they would leave more than " + Math.round(100 * r.maxFraction())
                + "% and more than " + r.maxMinimum() + " fewer of the agent's Real Servers in service than the peak of"
                + " the last " + r.window().toSeconds() + " s, per VS or in total";
    }

    /**
     * One warning per start for each risky setting the configuration allows: a credential file others
     * can read, an API whose certificate is not checked, no binding policy, no pod networks.
     */
    static void warnAboutRiskySettings(AgentConfig c) {
        for (String warning : c.warnings()) {
            LOG.warning(warning);
        }
        if (c.policy().isAllowAll()) {
            LOG.warning("no binding policy (policy.bindings in agent.yaml): a Service in any namespace can bind any"
                    + " Virtual Service by its vsid annotation; to limit which namespaces may bind which VS, add"
                    + " policy.bindings");
        }
        if (c.networks().pods().isEmpty()) {
            LOG.warning("no pod networks (kubernetes.podCidrs in agent.yaml): endpoint addresses are not checked, so"
                    + " whoever can write an EndpointSlice, or the Endpoints of a Service without selector, can make any"
                    + " address the LoadMaster reaches a Real Server; set kubernetes.podCidrs to the cluster's pod"
                    + " networks");
        }
        if (c.modes().defaultMode() == Backends.NODE_PORTS
                && c.networks().nodes().isEmpty()) {
            LOG.warning("no node networks (kubernetes.nodeCidrs in agent.yaml) while Services are in NodePort mode by"
                    + " default: node addresses are not checked, so whoever can register a Node can make its address"
                    + " a Real Server; set kubernetes.nodeCidrs to the cluster's node networks");
        }
        if (c.kubernetes().tls().insecureSkipTlsVerify()) {
            LOG.warning("TLS verification towards the Kubernetes API "
                    + c.kubernetes().server() + " is OFF"
                    + " (kubernetes.insecureSkipTlsVerify: true): anyone on the path can read the token and feed"
                    + " false endpoints; set kubernetes.caFile to the cluster CA instead");
        }
        if (c.loadMaster().tls().insecureSkipTlsVerify()) {
            LOG.warning(
                    "TLS verification towards the LoadMaster " + c.loadMaster().url() + " is OFF"
                            + " (loadmaster.insecureSkipTlsVerify: true): anyone on the path can read the API credentials;"
                            + " export the LoadMaster's certificate and set loadmaster.caFile instead");
        }
    }
}
