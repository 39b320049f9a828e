package kubelmagent.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import kubelmagent.http.HttpClients;
import kubelmagent.tls.Pem;
import kubelmagent.tls.TlsSettings;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;

/**
 * An HTTPS front that forwards every request to a real stand-in (the Kubernetes API stand-in or the
 * LoadMaster simulator) and, while a fault is set, breaks the answers the way networks and servers do.
 * The agent is pointed at the front; the stand-in behind it keeps the true state.
 */
final class FaultyFront implements AutoCloseable {

    enum Fault {
        NONE("none"),
        UNREACHABLE("unreachable (connection closed)"),
        SLOW("slow (answers after the timeout)"),
        UNAUTHORIZED("401 Unauthorized"),
        FORBIDDEN("403 Forbidden"),
        SERVER_ERROR("500 Internal Server Error"),
        TRUNCATED("truncated body"),
        INVALID("invalid body (an HTML error page)"),
        EOF_IN_BODY("EOF in the middle of the body"),
        STALE_CONTINUE("410 Gone on a stale continue token"),
        EOF_AFTER_WRITE("EOF after a write was applied");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    private static final Set<String> LOADMASTER_WRITES = Set.of("/access/addrs", "/access/delrs", "/access/modrs");

    private final MockWebServer server = new MockWebServer();
    private final HttpClient client;
    private final URI target;
    private final Duration slowness;
    private volatile Fault fault = Fault.NONE;

    /**
     * @param target   the stand-in's base URL
     * @param targetCa the stand-in's certificate
     * @param slowness how long a {@link Fault#SLOW} answer waits: more than the agent's timeout
     */
    FaultyFront(URI target, Path targetCa, Duration slowness) throws IOException {
        this.target = target;
        this.slowness = slowness;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(trusting(targetCa))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        server.useHttps(serverContext().getSocketFactory());
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer(request);
            }
        });
        server.start();
    }

    /** The front's URL, for agent.yaml. */
    URI url() {
        return URI.create("https://127.0.0.1:" + server.getPort());
    }

    /** The CA that signed the front's certificate, written into {@code dir}, for agent.yaml. */
    static Path caFile(Path dir) throws IOException {
        Path file = dir.resolve("front-ca.crt");
        try (InputStream in = FaultyFront.class.getResourceAsStream("/pki/ca.crt")) {
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    void set(Fault f) {
        fault = f;
    }

    private MockResponse answer(RecordedRequest request) {
        String path = request.getTarget().split("\\?", 2)[0];
        Fault f = fault;
        switch (f) {
            case UNREACHABLE:
                return new MockResponse.Builder()
                        .onResponseStart(new SocketEffect.CloseSocket())
                        .build();
            case UNAUTHORIZED:
                return status(401, "Unauthorized");
            case FORBIDDEN:
                return status(403, "Forbidden");
            case SERVER_ERROR:
                return status(500, "Internal Server Error");
            case STALE_CONTINUE:
                if (request.getTarget().contains("continue=")) {
                    return status(410, "The provided continue parameter is too old");
                }
                break;
            case EOF_AFTER_WRITE:
                if (LOADMASTER_WRITES.contains(path)) {
                    forward(request); // the LoadMaster did it; the answer is lost
                    return new MockResponse.Builder()
                            .onResponseStart(new SocketEffect.CloseSocket())
                            .build();
                }
                break;
            default:
                break;
        }
        Upstream up = forward(request);
        if (up == null) {
            return status(502, "stand-in did not answer");
        }
        MockResponse.Builder answer =
                new MockResponse.Builder().code(up.status()).setHeader("Content-Type", up.contentType());
        switch (f) {
            case SLOW:
                return answer.body(up.body())
                        .headersDelay(slowness.toMillis(), TimeUnit.MILLISECONDS)
                        .build();
            case TRUNCATED:
                return answer.body(up.body().substring(0, up.body().length() / 2))
                        .build();
            case INVALID:
                return answer.setHeader("Content-Type", "text/html")
                        .body("<html><body><h1>502 Bad Gateway</h1></body></html>")
                        .build();
            case EOF_IN_BODY:
                return answer.body(up.body() + " ".repeat(4096))
                        .throttleBody(256, 5, TimeUnit.MILLISECONDS)
                        .onResponseBody(new SocketEffect.CloseSocket())
                        .build();
            case STALE_CONTINUE:
                return answer.body(withContinueToken(up.body())).build();
            default:
                return answer.body(up.body()).build();
        }
    }

    /** The first page of a list claims there is more, so the agent asks with a (soon stale) continue token. */
    private static String withContinueToken(String body) {
        try {
            JsonObject list = JsonParser.parseString(body).getAsJsonObject();
            if (list.has("items") && list.has("metadata")) {
                list.getAsJsonObject("metadata").addProperty("continue", "stale-token");
                return list.toString();
            }
        } catch (RuntimeException e) {
            // not a list: leave it
        }
        return body;
    }

    record Upstream(int status, String contentType, String body) {}

    private Upstream forward(RecordedRequest request) {
        HttpRequest.Builder out = HttpRequest.newBuilder(
                        URI.create(target.toString().replaceAll("/$", "") + request.getTarget()))
                .timeout(Duration.ofSeconds(10));
        for (String name : List.of("Authorization", "Accept", "Content-Type")) {
            String value = request.getHeaders().get(name);
            if (value != null) {
                out.header(name, value);
            }
        }
        byte[] body =
                request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
        out.method(
                request.getMethod(),
                body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<String> r =
                    client.send(out.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Upstream(
                    r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/json"), r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static MockResponse status(int code, String reason) {
        return new MockResponse.Builder()
                .code(code)
                .setHeader("Content-Type", "application/json")
                .body("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"" + reason
                        + "\",\"code\":" + code + "}")
                .build();
    }

    private static SSLContext serverContext() throws IOException {
        try (InputStream in = FaultyFront.class.getResourceAsStream("/pki/server.p12")) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, "changeit".toCharArray());
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static SSLContext trusting(Path ca) throws IOException {
        return HttpClients.sslContext(TlsSettings.trusting(Pem.readCertificates(ca)));
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
