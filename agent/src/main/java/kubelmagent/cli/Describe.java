package kubelmagent.cli;

import kubelmagent.config.AgentConfig;
import kubelmagent.log.Log;

/** Operator-facing one-line descriptions of the configuration (never with secrets). */
final class Describe {

    private static final Log LOG = Log.get(Describe.class);

    private Describe() {}

    static String config(AgentConfig c) {
        return "Kubernetes " + c.kubernetes().server()
                + " (namespaces: " + (c.namespaces().isEmpty() ? "all" : String.join(", ", c.namespaces())) + ")"
                + ", LoadMaster " + c.loadMaster().url()
                + " (" + (c.loadMaster().apiKey() != null ? "API key" : "user " + c.loadMaster().username()) + ")"
                + ", selector " + c.selector().labelSelector() + " with annotation " + c.selector().vsidAnnotation()
                + ", passes " + c.schedule().describe()
                + ", state in " + c.stateDir();
    }

    /** One warning per start for each API whose certificate is not checked. */
    static void warnAboutInsecureSettings(AgentConfig c) {
        if (c.kubernetes().tls().insecureSkipTlsVerify()) {
            LOG.warning("TLS verification towards the Kubernetes API " + c.kubernetes().server() + " is OFF"
                    + " (kubernetes.insecureSkipTlsVerify: true): anyone on the path can read the token and feed"
                    + " false endpoints; set kubernetes.caFile to the cluster CA instead");
        }
        if (c.loadMaster().tls().insecureSkipTlsVerify()) {
            LOG.warning("TLS verification towards the LoadMaster " + c.loadMaster().url() + " is OFF"
                    + " (loadmaster.insecureSkipTlsVerify: true): anyone on the path can read the API credentials;"
                    + " export the LoadMaster's certificate and set loadmaster.caFile instead");
        }
    }
}
