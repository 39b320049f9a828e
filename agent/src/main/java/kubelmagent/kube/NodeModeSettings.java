package kubelmagent.kube;

import kubelmagent.model.Backends;

/**
 * How Services become Real Servers besides the annotations: {@code kubernetes.defaultMode} and {@code
 * kubernetes.nodeAddress} in agent.yaml.
 *
 * @param defaultMode         what a Service without {@code kube-lm-agent/mode} is served by
 * @param externalNodeAddress in NodePort mode, a node that has no {@code InternalIP} of the Virtual Service's family
 *                            is reached at its {@code ExternalIP} ({@code nodeAddress: external}); otherwise such a
 *                            node is left out
 */
public record NodeModeSettings(Backends defaultMode, boolean externalNodeAddress) {

    /** Pod mode unless a Service says otherwise; nodes reached at their InternalIP only. */
    public static final NodeModeSettings DEFAULT = new NodeModeSettings(Backends.PODS, false);

    public NodeModeSettings {
        if (defaultMode == null) {
            throw new IllegalArgumentException("defaultMode must be set");
        }
    }
}
