package kubelmagent.model;

/**
 * What a Service's Real Servers are: its pods, or its nodes. The Service says which with the annotation
 * {@code kube-lm-agent/mode}; {@code kubernetes.defaultMode} in agent.yaml gives the default.
 */
public enum Backends {
    /** Pod mode (Kemp's Service Mode): each ready endpoint's pod IP and port. The LoadMaster must route to pods. */
    PODS,
    /**
     * NodePort mode: each eligible node's address and the Service port's {@code nodePort}, for clusters whose pod
     * network the LoadMaster cannot reach (overlays such as VXLAN).
     */
    NODE_PORTS
}
