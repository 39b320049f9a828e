package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A directory with the files an {@code agent.yaml} refers to, and a valid minimal configuration
 * that tests change one key at a time.
 */
final class ConfigFixture {

    /** Distinctive credential values: a test fails if one of them shows up in a problem. */
    static final String API_KEY = "ApiKey-7d41c0ffee-DO-NOT-LOG";

    static final String PASSWORD = "Passw0rd-hunter2-DO-NOT-LOG";
    static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.TOKEN-DO-NOT-LOG.c2ln";
    static final String KUBECONFIG_TOKEN = "kubeconfig-token-DO-NOT-LOG";

    final Path dir;
    private final Map<String, Map<String, String>> sections = new LinkedHashMap<>();

    ConfigFixture(Path tempDir) {
        this.dir = tempDir.toAbsolutePath().normalize();
        write("token", TOKEN + "\n");
        write("lm-apikey", API_KEY + "\n");
        write("lm-password", PASSWORD);
        write("kube-ca.crt", caPem());
        write("lm-ca.crt", caPem());
        write("empty", "");
        write("blank", " \n\n");
        write("two-lines", TOKEN + "\n" + API_KEY + "\n");
        write("big", "x".repeat(65 * 1024));
        write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n");
        write("kubeconfig", kubeconfig("lab"));
        section("kubernetes").put("server", "https://10.0.0.10:6443");
        section("kubernetes").put("tokenFile", "token");
        section("loadmaster").put("url", "https://10.0.0.2");
        section("loadmaster").put("apiKeyFile", "lm-apikey");
    }

    static String caPem() {
        try (InputStream in = ConfigFixture.class.getResourceAsStream("/config/test-ca.crt")) {
            if (in == null) {
                throw new IllegalStateException("test resource /config/test-ca.crt is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A kubeconfig with one cluster (trusting the test CA), one token user and one context. */
    static String kubeconfig(String contextName) {
        String caData = Base64.getEncoder().encodeToString(caPem().getBytes(StandardCharsets.US_ASCII));
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: lab
                  cluster:
                    server: https://10.0.0.20:6443
                    certificate-authority-data: %s
                users:
                - name: agent
                  user:
                    token: %s
                contexts:
                - name: %s
                  context:
                    cluster: lab
                    user: agent
                current-context: %s
                """.formatted(caData, KUBECONFIG_TOKEN, contextName, contextName);
    }

    Path write(String name, String content) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> section(String name) {
        return sections.computeIfAbsent(name, k -> new LinkedHashMap<>());
    }

    /**
     * Changes keys of one section: each line is {@code key: value} (set or add) or {@code -key}
     * (remove); lines are separated by {@code \n}.
     */
    ConfigFixture with(String sectionName, String lines) {
        Map<String, String> section = section(sectionName);
        for (String line : lines.split("\n")) {
            if (line.startsWith("-")) {
                section.remove(line.substring(1));
            } else {
                int colon = line.indexOf(':');
                section.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return this;
    }

    String yaml() {
        StringBuilder out = new StringBuilder();
        sections.forEach((name, keys) -> {
            out.append(name).append(":\n");
            keys.forEach((key, value) ->
                    out.append("  ").append(key).append(": ").append(value).append('\n'));
        });
        return out.toString();
    }

    AgentConfig load() throws ConfigException {
        return ConfigLoader.parse(yaml(), "agent.yaml", dir);
    }

    List<String> problems() {
        return problemsOf(yaml());
    }

    List<String> problemsOf(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "agent.yaml", dir))
                .problems();
    }

    /** {@code text} with {@code {dir}} replaced by this fixture's directory. */
    String inDir(String text) {
        return text.replace("{dir}", dir.toString());
    }
}
