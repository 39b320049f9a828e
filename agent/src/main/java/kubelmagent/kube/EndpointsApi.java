package kubelmagent.kube;

/** Where a Service's endpoints are read from, chosen once per pass from API discovery. */
enum EndpointsApi {

    /** {@code discovery.k8s.io/v1} EndpointSlices (Kubernetes 1.21 and later). */
    ENDPOINT_SLICES_V1("v1"),
    /** {@code discovery.k8s.io/v1beta1} EndpointSlices (Kubernetes 1.17 to 1.24). */
    ENDPOINT_SLICES_V1BETA1("v1beta1"),
    /** core/v1 Endpoints, for servers without EndpointSlices. */
    CORE_ENDPOINTS(null);

    private final String sliceVersion;

    EndpointsApi(String sliceVersion) {
        this.sliceVersion = sliceVersion;
    }

    /** The {@code discovery.k8s.io} version; null for core Endpoints. */
    String sliceVersion() {
        return sliceVersion;
    }

    String describe() {
        return sliceVersion == null ? "core/v1 Endpoints" : "discovery.k8s.io/" + sliceVersion + " EndpointSlices";
    }
}
