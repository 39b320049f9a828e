package kubelmagent.kube;

import static kubelmagent.kube.FakeApiServer.ALL_SERVICES;
import static kubelmagent.kube.FakeApiServer.DISCOVERY;
import static kubelmagent.kube.FakeApiServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import kubelmagent.model.DesiredState;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link KubernetesSource} over HTTPS, set up from a kubeconfig, against a server that requires a client certificate. */
class KubernetesSourceTlsTest {

    private FakeApiServer api;

    @TempDir
    Path dir;

    @BeforeEach
    void startHttpsServer() throws IOException, GeneralSecurityException {
        api = new FakeApiServer();
        api.server.useHttps(serverContext().getSocketFactory());
        api.server.requireClientAuth();
        api.server.start(InetAddress.getByName("127.0.0.1"), 0);
        api.on(DISCOVERY, json("discovery-v1.json")).on(ALL_SERVICES, json("services-empty.json"));
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    /** The API server's certificate (localhost, 127.0.0.1) and trust in the test CA for client certificates. */
    private static SSLContext serverContext() throws IOException, GeneralSecurityException {
        KeyStore serverKeys = KeyStore.getInstance("PKCS12");
        serverKeys.load(new ByteArrayInputStream(Pki.bytes(Pki.SERVER_P12)), Pki.SERVER_P12_PASSWORD);
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(serverKeys, Pki.SERVER_P12_PASSWORD);

        KeyStore clientCas = KeyStore.getInstance(KeyStore.getDefaultType());
        clientCas.load(null, null);
        clientCas.setCertificateEntry(
                "ca",
                CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(Pki.bytes(Pki.CA))));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(clientCas);

        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    private Path kubeconfig(String certificateAuthority, String certificate, String key) throws IOException {
        Pki.copy(Pki.CA, dir);
        Pki.copy(certificate, dir);
        Pki.copy(key, dir);
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: lab
                  cluster:
                    server: https://127.0.0.1:%d
                %s
                contexts:
                - name: agent@lab
                  context: {cluster: lab, user: agent}
                current-context: agent@lab
                users:
                - name: agent
                  user:
                    client-certificate: %s
                    client-key: %s
                """.formatted(
                        api.server.getPort(), certificateAuthority.indent(4).stripTrailing(), certificate, key));
        return file;
    }

    private DesiredState read(Path kubeconfig) throws IOException {
        KubernetesConnection connection = Kubeconfig.read(kubeconfig, null, Duration.ofSeconds(10));
        try (KubernetesSource source = new KubernetesSource(connection, List.of(), Selector.KEMP_DEFAULT)) {
            return source.read();
        }
    }

    @Test
    void authenticatesWithAnRsaClientCertificateAndVerifiesTheServerWithTheKubeconfigCa() throws IOException {
        DesiredState state = read(kubeconfig("certificate-authority: ca.crt", Pki.RSA_CERT, Pki.RSA_PKCS1_KEY));

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        RecordedRequest request = api.requestsTo(ALL_SERVICES).get(0);
        assertEquals(
                "CN=kube-lm-agent,O=kube-lm-agent",
                request.getHandshake().peerPrincipal().getName());
        assertNull(request.getHeaders().get("Authorization"));
    }

    @Test
    void authenticatesWithAnEcClientCertificateFromASec1Key() throws IOException {
        DesiredState state = read(kubeconfig("certificate-authority: ca.crt", Pki.EC_CERT, Pki.EC_SEC1_KEY));

        assertTrue(state.complete(), () -> "problems: " + state.problems());
        assertEquals(
                "CN=kube-lm-agent-ec,O=kube-lm-agent",
                api.requestsTo(ALL_SERVICES)
                        .get(0)
                        .getHandshake()
                        .peerPrincipal()
                        .getName());
    }

    @Test
    void aServerCertificateFromAnUntrustedCaMakesTheReadUnknown() throws IOException {
        // no certificate-authority: the JVM's trust store, which does not know the test CA
        DesiredState state = read(kubeconfig("", Pki.RSA_CERT, Pki.RSA_PKCS8_KEY));

        assertFalse(state.complete());
        String message = state.problems().get(0).message();
        assertTrue(
                message.startsWith("Kubernetes API at https://127.0.0.1:" + api.server.getPort()
                        + " could not be reached securely for GET /apis/discovery.k8s.io (SSLHandshakeException: "),
                message);
        assertTrue(
                message.contains("check that the configured CA (certificate-authority) issued the API server's"
                        + " certificate"),
                message);
        assertEquals(0, api.requests().size());
    }

    @Test
    void aConnectionDroppedDuringTheHandshakeIsNotBlamedOnTheCertificates() throws Exception {
        try (java.net.ServerSocket dropping =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread closer = new Thread(() -> {
                while (!dropping.isClosed()) {
                    try {
                        dropping.accept().close(); // as a front that was cut: accept, then close at once
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            closer.setDaemon(true);
            closer.start();
            KubernetesConnection connection = new KubernetesConnection(
                    java.net.URI.create("https://127.0.0.1:" + dropping.getLocalPort()),
                    kubelmagent.tls.TlsSettings.systemTrust(),
                    null,
                    kubelmagent.secret.Secret.of("token"),
                    Duration.ofSeconds(5));
            DesiredState state;
            try (KubernetesSource source =
                    new KubernetesSource(connection, List.of(), Selector.KEMP_DEFAULT, 500, FakeApiServer.NO_WAIT)) {
                state = source.read();
            }

            assertFalse(state.complete());
            String message = state.problems().get(0).message();
            assertTrue(
                    message.startsWith("Kubernetes API at https://127.0.0.1:" + dropping.getLocalPort()
                            + " could not be reached for GET /apis/discovery.k8s.io ("),
                    message);
            assertFalse(message.contains("certificate"), message);
        }
    }
}
