package kubelmagent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import kubelmagent.demo.StandInKubernetesApi;

/**
 * Writes an agent.yaml, and the token, key and CA files it names, for a stand-in cluster and a fake
 * LoadMaster; and adds Services to the cluster the way the tests need them.
 */
final class AgentFiles {

    /** The bearer token the stand-in cluster accepts. */
    static final String KUBE_TOKEN = "fake-sa-token-7f3e9c";

    private AgentFiles() {}

    /** A stand-in Kubernetes API server, its certificate in {@code dir}, accepting {@link #KUBE_TOKEN}. */
    static StandInKubernetesApi cluster(Path dir) throws IOException {
        return StandInKubernetesApi.start(dir, KUBE_TOKEN);
    }

    /**
     * Adds (or updates) Service {@code namespace/name}, labelled {@code kempLB=Enabled} and annotated
     * {@code vsid}, with one port {@code http} 80 → 8080, and sets its ready pods.
     */
    static void service(StandInKubernetesApi cluster, String namespace, String name, String vsid, String... podIps) {
        cluster.service(namespace, name, Map.of("kempLB", "Enabled", "app", name), Map.of("vsid", vsid),
                        List.of(StandInKubernetesApi.Port.tcp("http", 80, 8080)))
                .scale(namespace, name, podIps);
    }

    /**
     * The Kubernetes side trusts the stand-in's own certificate; the LoadMaster side the test CA
     * ({@code ca.crt} in {@code dir}).
     */
    static Path write(Path dir, StandInKubernetesApi cluster, FakeLoadMaster loadMaster) throws IOException {
        Path loadMasterCa = TestTls.writeCa(dir);
        Files.writeString(dir.resolve("token"), KUBE_TOKEN + "\n");
        Files.writeString(dir.resolve("lm-apikey"), FakeLoadMaster.API_KEY + "\n");
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, String.join("\n",
                "kubernetes:",
                "  server: " + cluster.url(),
                "  tokenFile: token",
                "  caFile: " + cluster.caFile(),
                "loadmaster:",
                "  url: " + loadMaster.url(),
                "  apiKeyFile: lm-apikey",
                "  caFile: " + loadMasterCa.getFileName(),
                "sync:",
                "  interval: 10s",
                "  stateDir: " + dir.resolve("state"),
                ""));
        return config;
    }
}
