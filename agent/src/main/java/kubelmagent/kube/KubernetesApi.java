package kubelmagent.kube;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.EntityUtils;

import kubelmagent.http.Secret;
import kubelmagent.kube.wire.ListMeta;
import kubelmagent.kube.wire.ListPage;
import kubelmagent.kube.wire.Status;

/**
 * GETs objects and paginated lists from the Kubernetes API and parses them. Every failure becomes a
 * {@link KubernetesApiException} whose message says what went wrong and what to do; it never contains
 * the bearer token.
 */
final class KubernetesApi implements AutoCloseable {

    private static final Gson GSON = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    private final CloseableHttpClient client;
    private final String base;
    private final ApiFailures failures;
    private int requestCount;

    KubernetesApi(CloseableHttpClient client, URI server, ApiFailures failures) {
        this.client = client;
        String url = server.toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.failures = failures;
    }

    /**
     * @param token bearer token, or null to send none (client-certificate authentication)
     * @return the object, or empty if the API answered 404
     */
    <T> Optional<T> getIfExists(ApiRequest request, Secret token, Class<T> type) throws KubernetesApiException {
        Answer answer = send(request, token);
        if (answer.code() == 404) {
            return Optional.empty();
        }
        return Optional.of(parse(request, answer, token, type));
    }

    /** Reads every page of a list, {@code pageSize} items at a time, following {@code continue}. */
    <T, P extends ListPage<T>> List<T> listAll(ApiRequest request, Secret token, int pageSize, Class<P> pageType)
            throws KubernetesApiException {
        List<T> items = new ArrayList<>();
        ApiRequest page = request.with("limit", Integer.toString(pageSize));
        while (true) {
            P answer = parse(page, send(page, token), token, pageType);
            items.addAll(answer.items());
            ListMeta meta = answer.metadata();
            if (meta == null || !meta.hasMore()) {
                return items;
            }
            if (meta.continueToken().equals(page.query().get("continue"))) {
                throw new KubernetesApiException(failures.paginationLoop(request));
            }
            page = page.with("continue", meta.continueToken());
        }
    }

    /** How many requests were sent so far, for the debug line. */
    int requestCount() {
        return requestCount;
    }

    private Answer send(ApiRequest request, Secret token) throws KubernetesApiException {
        HttpGet get = new HttpGet(URI.create(base + request.target()));
        get.addHeader(HttpHeaders.ACCEPT, "application/json");
        if (token != null) {
            get.addHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token.reveal());
        }
        requestCount++;
        try {
            return client.execute(get, response -> {
                HttpEntity entity = response.getEntity();
                String body;
                try {
                    body = entity == null ? "" : EntityUtils.toString(entity, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new ApiFailures.BrokenOff(e);
                }
                Header contentType = response.getFirstHeader(HttpHeaders.CONTENT_TYPE);
                return new Answer(response.getCode(), contentType == null ? "" : contentType.getValue(), body);
            });
        } catch (IOException e) {
            throw new KubernetesApiException(redact(failures.noAnswer(request, e), token), true, e);
        }
    }

    private <T> T parse(ApiRequest request, Answer answer, Secret token, Class<T> type) throws KubernetesApiException {
        if (answer.code() < 200 || answer.code() > 299) {
            String message = failures.status(request, answer.code(), kubernetesMessage(answer.body()));
            throw new KubernetesApiException(redact(message, token));
        }
        try {
            T value = GSON.fromJson(answer.body(), type);
            if (value != null) {
                return value;
            }
            throw new KubernetesApiException(failures.unreadableBody(request, answer.contentType(), 0, null));
        } catch (JsonParseException e) {
            String message = failures.unreadableBody(request, answer.contentType(), answer.body().length(), e);
            throw new KubernetesApiException(redact(message, token), false, e);
        }
    }

    /** The {@code message} of a Kubernetes {@code Status} body, or null if the body is not one. */
    private static String kubernetesMessage(String body) {
        try {
            Status status = GSON.fromJson(body, Status.class);
            return status == null || !"Status".equals(status.kind()) ? null : status.message();
        } catch (JsonParseException e) {
            return null;
        }
    }

    /** Belt and braces: no server-supplied text may carry the token into a log line. */
    private static String redact(String message, Secret token) {
        if (token == null || token.isEmpty()) {
            return message;
        }
        return message.replace(token.reveal(), "(token)");
    }

    @Override
    public void close() throws IOException {
        client.close();
    }

    private record Answer(int code, String contentType, String body) {
    }
}
