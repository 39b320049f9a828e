package kubelmagent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes an agent.yaml, and the token, key and CA files it names, for a fake cluster and LoadMaster. */
final class AgentFiles {

    private AgentFiles() {}

    static Path write(Path dir, FakeKubernetesApi cluster, FakeLoadMaster loadMaster) throws IOException {
        Path ca = TestTls.writeCa(dir);
        Files.writeString(dir.resolve("token"), FakeKubernetesApi.TOKEN + "\n");
        Files.writeString(dir.resolve("lm-apikey"), FakeLoadMaster.API_KEY + "\n");
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, String.join("\n",
                "kubernetes:",
                "  server: " + cluster.url(),
                "  tokenFile: token",
                "  caFile: " + ca.getFileName(),
                "loadmaster:",
                "  url: " + loadMaster.url(),
                "  apiKeyFile: lm-apikey",
                "  caFile: " + ca.getFileName(),
                "sync:",
                "  interval: 10s",
                "  stateDir: " + dir.resolve("state"),
                ""));
        return config;
    }
}
