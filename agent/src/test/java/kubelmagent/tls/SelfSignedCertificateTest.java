package kubelmagent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import kubelmagent.http.HttpClients;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateTest {

    @TempDir
    Path dir;

    @Test
    void isTrustedThroughItsPemFileForLocalhostAndLoopback() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate(dir, "kube-lm-agent test");
        assertEquals(List.of(cert.certificate()), Pem.readCertificates(cert.pem()));
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(cert.serverContext()));
        server.createContext("/", exchange -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try (CloseableHttpClient client =
                HttpClients.create(TlsSettings.trusting(Pem.readCertificates(cert.pem())), Duration.ofSeconds(5))) {
            for (String host : List.of("127.0.0.1", "localhost")) {
                String body = client.execute(
                        new HttpGet(
                                "https://" + host + ":" + server.getAddress().getPort() + "/"),
                        response -> EntityUtils.toString(response.getEntity()));
                assertEquals("hello", body, host);
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void namesLocalhostAndLoopbackAndIsItsOwnCaForTenYears() throws Exception {
        X509Certificate cert =
                SelfSignedCertificate.generate(dir, "kube-lm-agent test").certificate();

        assertEquals("CN=kube-lm-agent test", cert.getSubjectX500Principal().getName());
        assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
        cert.verify(cert.getPublicKey());
        assertEquals("EC", cert.getPublicKey().getAlgorithm());
        assertEquals("SHA256withECDSA", cert.getSigAlgName());
        assertEquals(
                List.of(List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1")),
                List.copyOf(cert.getSubjectAlternativeNames()));
        assertTrue(cert.getBasicConstraints() >= 0, "a CA");
        assertEquals(
                Duration.ofDays(3650),
                Duration.between(
                        cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()));
    }

    @Test
    void isNotTrustedWithoutItsPemFile() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate(dir, "kube-lm-agent test");
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(cert.serverContext()));
        server.createContext("/", exchange -> exchange.sendResponseHeaders(204, -1));
        server.start();
        try (CloseableHttpClient client = HttpClients.create(TlsSettings.systemTrust(), Duration.ofSeconds(5))) {
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IOException.class,
                    () -> client.execute(
                            new HttpGet(
                                    "https://127.0.0.1:" + server.getAddress().getPort() + "/"),
                            response -> null));
            assertTrue(e instanceof javax.net.ssl.SSLException, e.toString());
        } finally {
            server.stop(0);
        }
    }
}
