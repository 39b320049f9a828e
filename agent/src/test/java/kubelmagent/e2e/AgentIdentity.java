package kubelmagent.e2e;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Assertions;

/**
 * The agent's identity in the cluster, made from the manifest the project ships ({@code conf/rbac.yaml}):
 * a ServiceAccount bound to two read-only ClusterRoles (Services and endpoints; nodes), and its tokens.
 */
final class AgentIdentity {

    static final String NAMESPACE = "kube-lm-agent";
    static final String ACCOUNT = "kube-lm-agent";

    private AgentIdentity() {}

    static Path manifest() {
        return manifest("rbac.yaml");
    }

    /** A manifest the project ships in {@code conf/}, e.g. {@code rbac-ha.yaml}. */
    static Path manifest(String file) {
        return Path.of(System.getProperty("e2e.conf", "../conf")).resolve(file).toAbsolutePath();
    }

    /** The Role and RoleBinding of {@code ha} ({@code conf/rbac-ha.yaml}, namespaced): the Lease and the ledger. */
    static final String HA_ROLE = "kube-lm-agent-ha";

    /**
     * Applies the shipped manifest and then the shipped {@code conf/rbac-ha.yaml}, once, as the README says for two
     * agents with {@code ha}; returns the long-lived token of the ServiceAccount.
     */
    static synchronized String applyShippedHaManifests(Kube admin) throws Exception {
        String token = applyShippedManifest(admin);
        if (!admin.exists("/apis/rbac.authorization.k8s.io/v1/namespaces/" + NAMESPACE + "/roles/" + HA_ROLE)) {
            admin.create(manifest("rbac-ha.yaml"));
        }
        return token;
    }

    /** Applies the shipped manifest once; returns the long-lived token Kubernetes put in its Secret. */
    static synchronized String applyShippedManifest(Kube admin) throws Exception {
        if (!admin.exists("/api/v1/namespaces/" + NAMESPACE)) {
            admin.create(manifest());
        }
        return secretToken(admin, "kube-lm-agent-token");
    }

    /**
     * The ClusterRoleBinding of the agent's main ClusterRole (Services and endpoints); the manifest has a second
     * one, {@code kube-lm-agent-nodes}, for nodes.
     */
    static final String BINDING = "kube-lm-agent";

    /** Creates the agent's main ClusterRoleBinding ({@link #BINDING}) again, after a test deleted it. */
    static void restoreBinding(Kube admin) throws Exception {
        restoreBinding(admin, BINDING);
    }

    /** Creates one ClusterRoleBinding of the shipped manifest again, by name, after a test deleted it. */
    static void restoreBinding(Kube admin, String name) throws Exception {
        admin.create(manifest(), "ClusterRoleBinding", name);
    }

    /** A second long-lived token of the same ServiceAccount, in its own Secret (deleting it revokes it). */
    static String newSecretToken(Kube admin, String secretName) throws Exception {
        admin.post(
                "/api/v1/namespaces/" + NAMESPACE + "/secrets",
                Map.of(
                        "metadata",
                        Map.of(
                                "name",
                                secretName,
                                "annotations",
                                Map.of("kubernetes.io/service-account.name", ACCOUNT)),
                        "type",
                        "kubernetes.io/service-account-token"));
        return secretToken(admin, secretName);
    }

    /** A bound, expiring token from the TokenRequest API, as {@code kubectl create token} makes. */
    static String requestToken(Kube admin, Duration lifetime) {
        JsonObject response = admin.post(
                "/api/v1/namespaces/" + NAMESPACE + "/serviceaccounts/" + ACCOUNT + "/token",
                Map.of(
                        "apiVersion",
                        "authentication.k8s.io/v1",
                        "kind",
                        "TokenRequest",
                        "spec",
                        Map.of("expirationSeconds", lifetime.toSeconds())));
        return response.getAsJsonObject("status").get("token").getAsString();
    }

    /** Waits for the token controller to fill the Secret in, and decodes its token. */
    private static String secretToken(Kube admin, String secretName) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        String path = "/api/v1/namespaces/" + NAMESPACE + "/secrets/" + secretName;
        while (Instant.now().isBefore(deadline)) {
            JsonObject secret = admin.get(path);
            if (secret.has("data") && secret.getAsJsonObject("data").has("token")) {
                return new String(
                        Base64.getDecoder()
                                .decode(secret.getAsJsonObject("data")
                                        .get("token")
                                        .getAsString()),
                        StandardCharsets.UTF_8);
            }
            Thread.sleep(200);
        }
        return Assertions.fail("the token controller did not fill in Secret " + NAMESPACE + "/" + secretName);
    }
}
