package kubelmagent.model;

/**
 * What a Service's Real Servers are: its pods, or its nodes. The Service says which with the annotation
 * {@code kube-lm-agent/mode}; {@code kubernetes.defaultMode} in agent.yaml gives the default.
 */
public enum Backends {
    /** Pod mode (Kemp's Service Mode): each ready endpoint's pod IP and port. The LoadMaster must route to pods. */
    PODS("pods"),
    /**
     * NodePort mode: each eligible node's address and the Service port's {@code nodePort}, for clusters whose pod
     * network the LoadMaster cannot reach (overlays such as VXLAN).
     */
    NODE_PORTS("nodeport");

    private final String annotationValue;

    Backends(String annotationValue) {
        this.annotationValue = annotationValue;
    }

    /** {@code pods} or {@code nodeport}: the value of {@code kube-lm-agent/mode} that selects it. */
    public String annotationValue() {
        return annotationValue;
    }

    /** {@code pod} or {@code node}, for messages: "pod addresses", "node addresses". */
    public String what() {
        return this == PODS ? "pod" : "node";
    }
}
