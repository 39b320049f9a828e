package kubelmagent.e2e;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import kubelmagent.http.HttpClients;
import kubelmagent.tls.Pem;
import kubelmagent.tls.TlsSettings;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A small REST client to a real API server, as the cluster's admin or as any bearer token: what the
 * tests use to play NetOps, the app team, the scheduler and the kubelet. Not the agent's client.
 */
final class Kube {

    static final String MERGE_PATCH = "application/merge-patch+json";

    private static final Gson GSON = new GsonBuilder().serializeNulls().create(); // null deletes in a merge patch

    private final URI server;
    private final Path caFile;
    private final String token;
    private final HttpClient http;

    Kube(URI server, Path caFile, String token) throws IOException {
        this.server = server;
        this.caFile = caFile;
        this.token = token;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(trusting(Pem.readCertificates(caFile)))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** The same server and CA, authenticated with another token. */
    Kube as(String otherToken) throws IOException {
        return new Kube(server, caFile, otherToken);
    }

    /** A failed call: its status (0 when there was no answer) and the Status message. */
    static final class KubeException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        KubeException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    JsonObject get(String path) {
        return call("GET", path, null, null);
    }

    /** A GET of a plain-text resource, such as the API server's {@code /metrics}. */
    String text(String path) {
        HttpRequest request = HttpRequest.newBuilder(server.resolve(path))
                .timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() / 100 != 2) {
                throw new KubeException(response.statusCode(), "GET " + path + " → " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new KubeException(0, "GET " + path + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubeException(0, "GET " + path + ": interrupted");
        }
    }

    JsonObject post(String path, Object body) {
        return call("POST", path, GSON.toJson(body), "application/json");
    }

    /** A replace ({@code PUT}) of a whole object: a compare-and-swap when it carries a resourceVersion. */
    JsonObject put(String path, Object body) {
        return call("PUT", path, GSON.toJson(body), "application/json");
    }

    JsonObject patch(String path, Object body) {
        return call("PATCH", path, GSON.toJson(body), MERGE_PATCH);
    }

    JsonObject delete(String path) {
        return call("DELETE", path, null, null);
    }

    /** {@code true} if the object exists, {@code false} on 404. */
    boolean exists(String path) {
        try {
            get(path);
            return true;
        } catch (KubeException e) {
            if (e.status == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Creates each object of a multi-document YAML manifest, as {@code kubectl create -f} does. */
    void create(Path manifest) throws IOException {
        create(manifest, null);
    }

    /** Creates the objects of one kind ({@code null}: all) of a multi-document YAML manifest. */
    void create(Path manifest, String kind) throws IOException {
        create(manifest, kind, null);
    }

    /** Creates the objects of one kind and name ({@code null}: any) of a multi-document YAML manifest. */
    void create(Path manifest, String kind, String name) throws IOException {
        Yaml yaml = new Yaml(new LoaderOptions());
        for (Object document : yaml.loadAll(java.nio.file.Files.readString(manifest))) {
            if (document instanceof Map<?, ?> object
                    && (kind == null || kind.equals(object.get("kind")))
                    && (name == null || name.equals(((Map<?, ?>) object.get("metadata")).get("name")))) {
                post(collectionPath(object), object);
            }
        }
    }

    private static String collectionPath(Map<?, ?> object) {
        String apiVersion = String.valueOf(object.get("apiVersion"));
        String kind = String.valueOf(object.get("kind"));
        Object namespace = ((Map<?, ?>) object.get("metadata")).get("namespace");
        String plural = kind.toLowerCase(java.util.Locale.ROOT) + "s";
        String base = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
        return namespace == null ? base + "/" + plural : base + "/namespaces/" + namespace + "/" + plural;
    }

    private JsonObject call(String method, String path, String body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.resolve(path))
                .timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new KubeException(0, method + " " + path + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubeException(0, method + " " + path + ": interrupted");
        }
        JsonElement parsed = response.body().isBlank() ? new JsonObject() : JsonParser.parseString(response.body());
        if (response.statusCode() / 100 != 2) {
            String message = parsed.isJsonObject() && parsed.getAsJsonObject().has("message")
                    ? parsed.getAsJsonObject().get("message").getAsString()
                    : response.body();
            throw new KubeException(
                    response.statusCode(), method + " " + path + " → " + response.statusCode() + ": " + message);
        }
        return parsed.isJsonObject() ? parsed.getAsJsonObject() : new JsonObject();
    }

    private static SSLContext trusting(List<X509Certificate> cas) {
        return HttpClients.sslContext(TlsSettings.trusting(cas));
    }
}
