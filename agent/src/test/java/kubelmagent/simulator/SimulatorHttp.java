package kubelmagent.simulator;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import kubelmagent.http.HttpClients;
import kubelmagent.tls.Pem;
import kubelmagent.tls.TlsSettings;

/** A plain JDK HTTP client for the simulator tests, trusting the simulator's own certificate. */
final class SimulatorHttp {

    private final URI base;
    private final HttpClient client;

    SimulatorHttp(URI base, Path caFile) throws IOException {
        this.base = base;
        HttpClient.Builder b =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1);
        if (caFile != null) {
            b.sslContext(trusting(caFile));
        }
        this.client = b.build();
    }

    SimulatorHttp(LoadMasterSimulator lm) throws IOException {
        this(lm.url(), lm.caFile());
    }

    record Answer(int status, String contentType, byte[] body) {
        String text() {
            return new String(
                    body,
                    contentType != null && contentType.contains("xml")
                            ? StandardCharsets.ISO_8859_1
                            : StandardCharsets.UTF_8);
        }
    }

    Answer get(String pathAndQuery, String... headers) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (headers.length > 0) {
            r.headers(headers);
        }
        return send(r.build());
    }

    Answer post(String path, String contentType, String body, String... headers) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (headers.length > 0) {
            r.headers(headers);
        }
        return send(r.build());
    }

    /** POST /accessv2 with a JSON body. */
    Answer v2(String json) throws IOException {
        return post("/accessv2", "application/json", json);
    }

    private Answer send(HttpRequest request) throws IOException {
        try {
            HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(
                    r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static SSLContext trusting(Path caFile) throws IOException {
        return HttpClients.sslContext(TlsSettings.trusting(Pem.readCertificates(caFile)));
    }
}
