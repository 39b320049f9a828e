package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KubeconfigTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(7);
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.a3ViZWNvbmZpZy10b2tlbg.c2lnbmF0dXJl";

    @TempDir
    Path dir;

    private Path kubeconfig(String yaml) throws IOException {
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, yaml);
        return file;
    }

    /** A kubeconfig with one cluster (CA inline), one context {@code agent@lab} and the given user body. */
    private Path withUser(String userBody) throws IOException {
        return kubeconfig("""
                apiVersion: v1
                kind: Config
                clusters:
                - name: lab
                  cluster:
                    server: https://10.0.0.10:6443
                    certificate-authority-data: %s
                contexts:
                - name: agent@lab
                  context:
                    cluster: lab
                    user: agent
                    namespace: shop
                current-context: agent@lab
                users:
                - name: agent
                  user:
                %s
                preferences: {}
                """.formatted(Pki.base64(Pki.CA), userBody.indent(4).stripTrailing()));
    }

    private IOException failure(Path file) {
        return assertThrows(IOException.class, () -> Kubeconfig.read(file, null, TIMEOUT));
    }

    @Test
    void readsServerCaAndInlineToken() throws IOException {
        KubernetesConnection connection = Kubeconfig.read(withUser("token: " + TOKEN), null, TIMEOUT);

        assertEquals(URI.create("https://10.0.0.10:6443"), connection.server());
        assertEquals(TOKEN, connection.staticToken().reveal());
        assertNull(connection.tokenFile());
        assertEquals(TIMEOUT, connection.timeout());
        assertEquals(1, connection.tls().trustedCas().size());
        assertEquals(
                "CN=kube-lm-agent test CA",
                connection.tls().trustedCas().get(0).getSubjectX500Principal().getName());
        assertNull(connection.tls().clientKeyStore());
        assertFalse(connection.tls().insecureSkipTlsVerify());
    }

    @Test
    void resolvesARelativeTokenFileAgainstTheKubeconfigDirectory() throws IOException {
        KubernetesConnection connection = Kubeconfig.read(withUser("tokenFile: secrets/token"), null, TIMEOUT);

        assertEquals(dir.toAbsolutePath().resolve("secrets/token"), connection.tokenFile());
        assertNull(connection.staticToken());
    }

    @Test
    void keepsAnAbsoluteTokenFile() throws IOException {
        KubernetesConnection connection = Kubeconfig.read(
                withUser("tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"), null, TIMEOUT);

        assertEquals(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"), connection.tokenFile());
    }

    @ParameterizedTest
    @CsvSource({
        "client-rsa.crt, client-rsa-pkcs8.key, RSA",
        "client-rsa.crt, client-rsa-pkcs1.key, RSA",
        "client-ec.crt,  client-ec-sec1.key,   EC",
        "client-ec.crt,  client-ec-pkcs8.key,  EC",
    })
    void buildsAClientKeyStoreFromInlineCertificateAndKey(String certificate, String key, String algorithm)
            throws IOException, GeneralSecurityException {
        KubernetesConnection connection =
                Kubeconfig.read(withUser("""
                client-certificate-data: %s
                client-key-data: %s
                """.formatted(Pki.base64(certificate), Pki.base64(key))), null, TIMEOUT);

        assertClientKeyStore(connection.tls().clientKeyStore(), algorithm);
        assertNull(connection.staticToken());
        assertNull(connection.tokenFile());
    }

    @ParameterizedTest
    @CsvSource({
        "client-rsa.crt, client-rsa-pkcs1.key, RSA",
        "client-ec.crt,  client-ec-sec1.key,   EC",
    })
    void readsClientCertificateAndKeyFilesRelativeToTheKubeconfig(String certificate, String key, String algorithm)
            throws IOException, GeneralSecurityException {
        Pki.copy(certificate, dir.resolve("pki"));
        Pki.copy(key, dir.resolve("pki"));

        KubernetesConnection connection = Kubeconfig.read(withUser("""
                client-certificate: pki/%s
                client-key: ./pki/%s
                """.formatted(certificate, key)), null, TIMEOUT);

        assertClientKeyStore(connection.tls().clientKeyStore(), algorithm);
    }

    private static void assertClientKeyStore(KeyStore store, String algorithm) throws GeneralSecurityException {
        assertNotNull(store);
        assertEquals("PKCS12", store.getType());
        Key key = store.getKey(Kubeconfig.CLIENT_ALIAS, new char[0]);
        assertTrue(key instanceof PrivateKey, String.valueOf(key));
        assertEquals(algorithm, key.getAlgorithm());
        X509Certificate certificate = (X509Certificate) store.getCertificate(Kubeconfig.CLIENT_ALIAS);
        assertEquals(algorithm, certificate.getPublicKey().getAlgorithm());
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, new char[0]);
        assertEquals(1, factory.getKeyManagers().length);
    }

    @Test
    void readsTheCaFromAFileRelativeToTheKubeconfig() throws IOException {
        Pki.copy(Pki.CA, dir.resolve("certs"));
        Path file = kubeconfig("""
                clusters:
                - name: lab
                  cluster:
                    server: https://kube.lab.example:6443/
                    certificate-authority: certs/ca.crt
                contexts:
                - name: lab
                  context: {cluster: lab, user: agent}
                current-context: lab
                users:
                - name: agent
                  user: {token: abc}
                """);

        KubernetesConnection connection = Kubeconfig.read(file, null, TIMEOUT);

        assertEquals(
                "CN=kube-lm-agent test CA",
                connection.tls().trustedCas().get(0).getSubjectX500Principal().getName());
        assertEquals(URI.create("https://kube.lab.example:6443/"), connection.server());
    }

    @Test
    void trustsTheSystemStoreWithoutCaAndHonoursInsecureSkipTlsVerify() throws IOException {
        Path file = kubeconfig("""
                clusters:
                - {name: lab, cluster: {server: "https://10.0.0.10:6443", insecure-skip-tls-verify: true}}
                contexts:
                - {name: lab, context: {cluster: lab, user: agent}}
                current-context: lab
                users:
                - {name: agent, user: {token: abc}}
                """);

        KubernetesConnection connection = Kubeconfig.read(file, null, TIMEOUT);

        assertEquals(0, connection.tls().trustedCas().size());
        assertTrue(connection.tls().insecureSkipTlsVerify());
    }

    @ParameterizedTest
    @CsvSource({"yes, true", "On, true", "FALSE, false", "off, false"})
    void readsInsecureSkipTlsVerifyAsYamlOneOneDoesAndTheTokenAsWritten(String flag, boolean insecure)
            throws IOException {
        Path file = kubeconfig("""
                clusters:
                - {name: lab, cluster: {server: "https://10.0.0.10:6443", insecure-skip-tls-verify: %s}}
                contexts:
                - {name: lab, context: {cluster: lab, user: agent}}
                current-context: lab
                users:
                - {name: agent, user: {token: 0123}}
                """.formatted(flag));

        KubernetesConnection connection = Kubeconfig.read(file, null, TIMEOUT);

        assertEquals(insecure, connection.tls().insecureSkipTlsVerify());
        assertEquals("0123", connection.staticToken().reveal(), "not the octal number 83");
    }

    @Test
    void refusesAQuotedFlag() throws IOException {
        Path file = kubeconfig("""
                clusters:
                - {name: lab, cluster: {server: "https://10.0.0.10:6443", insecure-skip-tls-verify: "yes"}}
                contexts:
                - {name: lab, context: {cluster: lab, user: agent}}
                current-context: lab
                users:
                - {name: agent, user: {token: abc}}
                """);

        assertEquals(
                file + ": clusters[lab].cluster.insecure-skip-tls-verify: must be true or false",
                failure(file).getMessage());
    }

    @Test
    void usesTheNamedContextInsteadOfTheCurrentOne() throws IOException {
        Path file = kubeconfig("""
                clusters:
                - {name: prod, cluster: {server: "https://prod.example:6443"}}
                - {name: lab, cluster: {server: "https://lab.example:6443"}}
                contexts:
                - {name: prod, context: {cluster: prod, user: admin}}
                - {name: lab, context: {cluster: lab, user: agent}}
                current-context: prod
                users:
                - {name: admin, user: {token: admin-token}}
                - {name: agent, user: {token: agent-token}}
                """);

        KubernetesConnection connection = Kubeconfig.read(file, "lab", TIMEOUT);

        assertEquals(URI.create("https://lab.example:6443"), connection.server());
        assertEquals("agent-token", connection.staticToken().reveal());
    }

    @Test
    void aMissingContextIsNamedWithTheOnesThatExist() throws IOException {
        Path file = withUser("token: " + TOKEN);

        IOException e = assertThrows(IOException.class, () -> Kubeconfig.read(file, "prod", TIMEOUT));

        assertEquals(file + ": contexts: has no entry named \"prod\" (it has: agent@lab)", e.getMessage());
    }

    @Test
    void aMissingCurrentContextIsReported() throws IOException {
        Path file = kubeconfig("""
                clusters: []
                contexts: []
                users: []
                """);

        assertEquals(
                file + ": has no current-context; set one (kubectl config use-context NAME) or name the context"
                        + " to use",
                failure(file).getMessage());
    }

    @Test
    void aContextPointingAtAMissingClusterIsReported() throws IOException {
        Path file = kubeconfig("""
                contexts:
                - {name: lab, context: {cluster: gone, user: agent}}
                current-context: lab
                """);

        assertEquals(
                file + ": clusters: has no entry named \"gone\"", failure(file).getMessage());
    }

    @Test
    void rejectsExecCredentialPlugins() throws IOException {
        Path file = withUser("""
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: aws
                  args: [eks, get-token, --cluster-name, lab]
                """);

        assertEquals(
                file + ": users[agent].user: uses an exec credential plugin, which the agent does not support;"
                        + " use a service-account token instead (token or tokenFile)",
                failure(file).getMessage());
    }

    @Test
    void rejectsAuthProviders() throws IOException {
        Path file = withUser("""
                auth-provider:
                  name: oidc
                  config: {idp-issuer-url: "https://login.example"}
                """);

        assertTrue(failure(file)
                .getMessage()
                .startsWith(
                        file + ": users[agent].user: uses an auth-provider, which the" + " agent does not support"));
    }

    @Test
    void aUserWithoutCredentialsIsReported() throws IOException {
        Path file = withUser("as: someone-else");

        assertEquals(
                file + ": users[agent].user: has no token, tokenFile or client certificate",
                failure(file).getMessage());
    }

    @Test
    void aCertificateWithoutKeyIsReported() throws IOException {
        Path file = withUser("client-certificate-data: " + Pki.base64(Pki.RSA_CERT));

        assertEquals(
                file + ": users[agent].user: has a client certificate but no client-key-data or client-key",
                failure(file).getMessage());
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsReported() throws IOException {
        Path file = withUser("""
                client-certificate-data: %s
                client-key-data: %s
                """.formatted(Pki.base64(Pki.RSA_CERT), Pki.base64(Pki.EC_SEC1_KEY)));

        assertEquals(
                file + ": users[agent].user: the key in client-key-data does not belong to the certificate in"
                        + " client-certificate-data",
                failure(file).getMessage());
    }

    @Test
    void aMissingKeyFileIsNamed() throws IOException {
        Pki.copy(Pki.RSA_CERT, dir);
        Path file = withUser("""
                client-certificate: client-rsa.crt
                client-key: missing.key
                """);

        assertEquals(
                file + ": users[agent].user.client-key: cannot read "
                        + dir.toAbsolutePath().resolve("missing.key") + " (No such file or directory)",
                failure(file).getMessage());
    }

    @Test
    void anEncryptedKeyIsRejected() throws IOException {
        String encrypted = """
                -----BEGIN ENCRYPTED PRIVATE KEY-----
                MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI
                -----END ENCRYPTED PRIVATE KEY-----
                """;
        Path file = withUser(
                """
                client-certificate-data: %s
                client-key-data: %s
                """.formatted(Pki.base64(Pki.RSA_CERT), Base64.getEncoder().encodeToString(encrypted.getBytes())));

        assertTrue(failure(file)
                .getMessage()
                .startsWith(file + ": users[agent].user.client-key-data: the private key"
                        + " is encrypted, which is not supported"));
    }

    @Test
    void keyErrorsNeverQuoteTheKey() throws IOException {
        String notAKey = "-----BEGIN PRIVATE KEY-----\nTUlJQ1NFQ1JFVEtFWU1BVEVSSUFM\n-----END PRIVATE KEY-----\n";
        Path file = withUser(
                """
                client-certificate-data: %s
                client-key-data: %s
                """.formatted(Pki.base64(Pki.RSA_CERT), Base64.getEncoder().encodeToString(notAKey.getBytes())));

        String message = failure(file).getMessage();

        assertTrue(message.startsWith(file + ": users[agent].user.client-key-data: "), message);
        assertFalse(message.contains("TUlJQ1NFQ1JFVEtFWU1BVEVSSUFM"), message);
    }

    @Test
    void certificateDataThatIsNotBase64IsReported() throws IOException {
        Path file = withUser("""
                client-certificate-data: "not base64!"
                client-key-data: %s
                """.formatted(Pki.base64(Pki.RSA_PKCS8_KEY)));

        assertEquals(
                file + ": users[agent].user.client-certificate-data: is not valid base64",
                failure(file).getMessage());
    }

    @Test
    void duplicateKeysAreRejectedWithoutQuotingTheLine() throws IOException {
        Path file = withUser("""
                token: first-secret-value
                token: second-secret-value
                """);

        String message = failure(file).getMessage();

        assertTrue(message.startsWith(file + ": is not valid YAML at line "), message);
        assertTrue(message.contains("duplicate key token"), message);
        assertFalse(message.contains("secret-value"), message);
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.10:6443", "http://10.0.0.10:6443", "https://"})
    void aServerThatIsNotAnHttpsUrlIsReported(String server) throws IOException {
        Path file = kubeconfig("""
                clusters:
                - {name: lab, cluster: {server: "%s"}}
                contexts:
                - {name: lab, context: {cluster: lab, user: agent}}
                current-context: lab
                users:
                - {name: agent, user: {token: abc}}
                """.formatted(server));

        assertEquals(
                file + ": clusters[lab].cluster.server: \"" + server + "\" is not an https URL such as"
                        + " https://10.0.0.10:6443",
                failure(file).getMessage());
    }

    @Test
    void aServerUrlWithAPasswordIsReportedWithoutQuotingIt() throws IOException {
        Path file = kubeconfig("""
                clusters:
                - {name: lab, cluster: {server: "https://admin:s3cret@10.0.0.10:6443"}}
                contexts:
                - {name: lab, context: {cluster: lab, user: agent}}
                current-context: lab
                users:
                - {name: agent, user: {token: abc}}
                """);

        String message = failure(file).getMessage();

        assertEquals(
                file + ": clusters[lab].cluster.server: must be a plain https URL such as https://10.0.0.10:6443,"
                        + " without a user name, password, query or fragment",
                message);
    }

    @Test
    void aFileThatIsNotAKubeconfigIsReported() throws IOException {
        Path file = kubeconfig("- just\n- a list\n");

        assertEquals(
                file + ": is not a kubeconfig (expected a YAML mapping with clusters, contexts and users)",
                failure(file).getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = dir.resolve("nope.yaml");

        assertEquals(
                "cannot read kubeconfig " + file + " (No such file or directory)",
                failure(file).getMessage());
    }
}
