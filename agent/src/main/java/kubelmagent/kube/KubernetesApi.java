package kubelmagent.kube;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.EntityUtils;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;

import kubelmagent.http.Backoff;
import kubelmagent.kube.wire.ListMeta;
import kubelmagent.kube.wire.ListPage;
import kubelmagent.kube.wire.Status;
import kubelmagent.log.Log;
import kubelmagent.metrics.ApiObserver;
import kubelmagent.secret.Secret;

/**
 * GETs objects and paginated lists from the Kubernetes API and parses them. A GET that fails in a way
 * worth retrying (no answer, a timeout, a 5xx, a 429) is sent again per the {@link Backoff}, no sooner
 * than the server's {@code Retry-After} allows (up to the backoff's cap). Every failure that remains
 * becomes a {@link KubernetesApiException} whose message says what went wrong and what to do; it never
 * contains the bearer token.
 */
final class KubernetesApi implements AutoCloseable {

    private static final Log LOG = Log.get(KubernetesApi.class);
    private static final Gson GSON = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    private final CloseableHttpClient client;
    private final String base;
    private final ApiFailures failures;
    private final Backoff backoff;
    private final ApiObserver observer;
    private int requestCount;

    KubernetesApi(CloseableHttpClient client, URI server, ApiFailures failures, Backoff backoff,
            ApiObserver observer) {
        this.observer = observer;
        this.client = client;
        String url = server.toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.failures = failures;
        this.backoff = backoff;
    }

    /**
     * @param token bearer token, or null to send none (client-certificate authentication)
     * @return the object, or empty if the API answered 404
     */
    <T> Optional<T> getIfExists(ApiRequest request, Secret token, Class<T> type) throws KubernetesApiException {
        Answer answer = fetch(request, token);
        if (answer.code() == 404) {
            return Optional.empty();
        }
        return Optional.of(parse(request, answer, token, type));
    }

    /**
     * Reads every page of a list, {@code pageSize} items at a time, following {@code continue}. If the
     * list expires while it is being paged (410 Gone on a continue token), it is read again from its
     * first page, once.
     */
    <T, P extends ListPage<T>> List<T> listAll(ApiRequest request, Secret token, int pageSize, Class<P> pageType)
            throws KubernetesApiException {
        ApiRequest first = request.with("limit", Integer.toString(pageSize));
        List<T> items = new ArrayList<>();
        ApiRequest page = first;
        boolean restarted = false;
        while (true) {
            Answer answer = fetch(page, token);
            if (answer.code() == 410 && page.isContinuation() && !restarted) {
                LOG.debug("Kubernetes API: the list " + request.describe() + " expired while it was being read page by"
                        + " page (410 Gone on its continue token); reading it again from the first page");
                restarted = true;
                items.clear();
                page = first;
                continue;
            }
            P parsed = parse(page, answer, token, pageType);
            items.addAll(parsed.items());
            ListMeta meta = parsed.metadata();
            if (meta == null || !meta.hasMore()) {
                return items;
            }
            if (meta.continueToken().equals(page.query().get("continue"))) {
                throw new KubernetesApiException(failures.paginationLoop(request));
            }
            page = first.with("continue", meta.continueToken());
        }
    }

    /** How many requests were sent so far, retries included, for the debug line. */
    int requestCount() {
        return requestCount;
    }

    /**
     * Sends a GET, and again while it fails in a way worth retrying and attempts remain. Returns the
     * answer, which may be an error status that is not worth retrying (a 404, say).
     */
    private Answer fetch(ApiRequest request, Secret token) throws KubernetesApiException {
        Attempts attempts = new Attempts(request, token);
        try {
            return backoff.run(attempts::next, KubernetesApiException.class, KubernetesApiException::worthRetrying);
        } catch (InterruptedException e) {
            throw interrupted(request, e);
        }
    }

    /** The attempts at one GET: what the next attempt needs to know about the last. */
    private final class Attempts {

        private final ApiRequest request;
        private final Secret token;
        private int made;
        private KubernetesApiException lastFailure;
        private long notBeforeNanos;

        Attempts(ApiRequest request, Secret token) {
            this.request = request;
            this.token = token;
        }

        Answer next() throws KubernetesApiException {
            if (made > 0) {
                awaitRetryAfter();
                LOG.debug("Kubernetes API: sending " + request.describe() + " again (attempt " + (made + 1) + " of "
                        + backoff.attempts() + ") after: " + lastFailure.getMessage());
            }
            made++;
            try {
                Answer answer = send(request, token);
                if (worthRetrying(answer.code())) {
                    Duration wait = answer.retryAfter().compareTo(backoff.cap()) < 0 ? answer.retryAfter() : backoff.cap();
                    notBeforeNanos = System.nanoTime() + wait.toNanos();
                    throw statusFailure(request, answer, token);
                }
                return answer;
            } catch (KubernetesApiException e) {
                lastFailure = e;
                throw e;
            }
        }

        /** The backoff has waited already; wait the rest of what the server asked for, if anything. */
        private void awaitRetryAfter() throws KubernetesApiException {
            long rest = notBeforeNanos - System.nanoTime();
            if (rest > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(rest);
                } catch (InterruptedException e) {
                    throw interrupted(request, e);
                }
            }
        }
    }

    private Answer send(ApiRequest request, Secret token) throws KubernetesApiException {
        String command = request.resource() == null ? "discovery" : "list_" + request.resource();
        long started = System.nanoTime();
        HttpGet get = new HttpGet(URI.create(base + request.target()));
        get.addHeader(HttpHeaders.ACCEPT, "application/json");
        if (token != null) {
            get.addHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token.reveal());
        }
        requestCount++;
        try {
            Answer answer = client.execute(get, response -> {
                HttpEntity entity = response.getEntity();
                String body;
                try {
                    body = entity == null ? "" : EntityUtils.toString(entity, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new ApiFailures.BrokenOff(e);
                }
                Header contentType = response.getFirstHeader(HttpHeaders.CONTENT_TYPE);
                return new Answer(response.getCode(), contentType == null ? "" : contentType.getValue(), body,
                        retryAfter(response.getFirstHeader(HttpHeaders.RETRY_AFTER)));
            });
            observer.requestFinished(command, answer.code(), Duration.ofNanos(System.nanoTime() - started));
            return answer;
        } catch (IOException e) {
            observer.requestFinished(command, 0, Duration.ofNanos(System.nanoTime() - started));
            throw new KubernetesApiException(redact(failures.noAnswer(request, e), token), true, worthRetrying(e), e);
        }
    }

    private <T> T parse(ApiRequest request, Answer answer, Secret token, Class<T> type) throws KubernetesApiException {
        if (answer.code() < 200 || answer.code() > 299) {
            throw statusFailure(request, answer, token);
        }
        try {
            T value = GSON.fromJson(answer.body(), type);
            if (value != null) {
                return value;
            }
            throw new KubernetesApiException(failures.unreadableBody(request, answer.contentType(), 0, null));
        } catch (JsonParseException e) {
            String message = failures.unreadableBody(request, answer.contentType(), answer.body().length(), e);
            throw new KubernetesApiException(redact(message, token), false, false, e);
        }
    }

    private KubernetesApiException statusFailure(ApiRequest request, Answer answer, Secret token) {
        String message = failures.status(request, answer.code(), kubernetesMessage(answer.body()));
        return new KubernetesApiException(redact(message, token), false, worthRetrying(answer.code()), null);
    }

    private KubernetesApiException interrupted(ApiRequest request, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new KubernetesApiException(failures.interrupted(request), true, false, e);
    }

    /** A 5xx or a 429 may well pass a moment later; 401, 403, 404, 410 and other 4xx will not. */
    private static boolean worthRetrying(int code) {
        return code == 429 || (code >= 500 && code <= 599);
    }

    /** No answer may come the next time; but a certificate the agent refuses will be refused again. */
    private static boolean worthRetrying(IOException noAnswer) {
        return !(noAnswer instanceof SSLHandshakeException || noAnswer instanceof SSLPeerUnverifiedException);
    }

    /** {@code Retry-After} in seconds (the form Kubernetes sends); zero if absent or in another form. */
    private static Duration retryAfter(Header header) {
        if (header == null) {
            return Duration.ZERO;
        }
        try {
            long seconds = Long.parseLong(header.getValue().strip());
            return seconds > 0 ? Duration.ofSeconds(seconds) : Duration.ZERO;
        } catch (NumberFormatException e) {
            return Duration.ZERO;
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

    /** @param retryAfter what the {@code Retry-After} header asks for; zero without one */
    private record Answer(int code, String contentType, String body, Duration retryAfter) {
    }
}
