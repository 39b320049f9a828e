package kubelmagent.kube;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import kubelmagent.http.Backoff;
import kubelmagent.http.NoAnswer;
import kubelmagent.http.Readings;
import kubelmagent.http.Redaction;
import kubelmagent.http.Reply;
import kubelmagent.http.RetryRule;
import kubelmagent.http.Transport;
import kubelmagent.kube.wire.ListMeta;
import kubelmagent.kube.wire.ListPage;
import kubelmagent.kube.wire.Status;
import kubelmagent.log.Log;
import kubelmagent.secret.Secret;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.StringEntity;

/**
 * GETs objects and paginated lists from the Kubernetes API and parses them, and writes single objects (HA). A GET that fails in a way
 * worth retrying by the one {@link RetryRule} (a timeout, a dropped connection, an answer cut short, a
 * 5xx, and here a 429: API Priority and Fairness asks the client to come back) is sent again per the
 * {@link Backoff}, no sooner than the server's {@code Retry-After} allows (up to the backoff's cap).
 * Every failure that remains becomes a {@link KubernetesApiException} whose message says what went
 * wrong and what to do; it never contains the bearer token.
 */
final class KubernetesApi implements AutoCloseable {

    private static final Log LOG = Log.get(KubernetesApi.class);
    private static final Gson GSON =
            new GsonBuilder().setStrictness(Strictness.STRICT).create();

    /** Kubernetes lists are read whole, however long (a page holds at most {@code pageSize} items). */
    static final int MAX_BODY_BYTES = Integer.MAX_VALUE;

    private final Transport transport;
    private final String base;
    private final ApiFailures failures;
    private final RetryRule retries;
    private final Readings readings = new Readings();

    KubernetesApi(Transport transport, URI server, ApiFailures failures, Backoff backoff) {
        this.transport = transport;
        String url = server.toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.failures = failures;
        this.retries = new RetryRule(backoff, true);
    }

    /**
     * @param token bearer token, or null to send none (client-certificate authentication)
     * @return the object, or empty if the API answered 404
     */
    <T> Optional<T> getIfExists(ApiRequest request, Secret token, Class<T> type) throws KubernetesApiException {
        Reply answer = fetch(request, token);
        if (answer.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(parse(request, answer, token, type));
    }

    /**
     * Reads every page of a list, {@code pageSize} items at a time, following {@code continue}. If the
     * list expires while it is being paged (410 Gone on a continue token), it is read again from its
     * first page, once. A page that is the same as the last pass's is not parsed again: what {@code pageType}
     * holds must not be changed by the caller.
     */
    <T, P extends ListPage<T>> List<T> listAll(ApiRequest request, Secret token, int pageSize, Class<P> pageType)
            throws KubernetesApiException {
        ApiRequest first = request.with("limit", Integer.toString(pageSize));
        List<T> items = new ArrayList<>();
        ApiRequest page = first;
        boolean restarted = false;
        while (true) {
            Reply answer = fetch(page, token);
            if (answer.status() == 410 && page.isContinuation() && !restarted) {
                LOG.debug("Kubernetes API: the list " + request.describe() + " expired while it was being read page by"
                        + " page (410 Gone on its continue token); reading it again from the first page");
                restarted = true;
                items.clear();
                page = first;
                continue;
            }
            ApiRequest asked = page;
            P parsed = readings.read(page.target(), answer, pageType, a -> parse(asked, a, token, pageType));
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

    /**
     * A new pass: list pages it reads the same as the last pass did are not parsed again ({@link Readings}); those
     * it does not read are forgotten after it.
     */
    void nextRound() {
        readings.nextRound();
    }

    /** How many requests were sent so far, retries included, for the debug line. */
    int requestCount() {
        return transport.requestCount();
    }

    /**
     * Sends a GET, and again while it fails in a way worth retrying and attempts remain. Returns the
     * answer, which may be an error status that is not worth retrying (a 404, say).
     */
    private Reply fetch(ApiRequest request, Secret token) throws KubernetesApiException {
        Attempts attempts = new Attempts(request, token);
        try {
            return retries.backoffFor(true)
                    .run(attempts::next, KubernetesApiException.class, KubernetesApiException::worthRetrying);
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

        Reply next() throws KubernetesApiException {
            if (made > 0) {
                awaitRetryAfter();
                LOG.debug("Kubernetes API: sending " + request.describe() + " again (attempt " + (made + 1) + " of "
                        + retries.backoff().attempts() + ") after: " + lastFailure.getMessage());
            }
            made++;
            try {
                Reply answer = send(request, token);
                if (retries.worthRetrying(answer.status(), true)) {
                    Duration cap = retries.backoff().cap();
                    Duration wait = answer.retryAfter().compareTo(cap) < 0 ? answer.retryAfter() : cap;
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

    /**
     * Sends {@code body} once, as {@code request} says (POST or PUT), and parses the object the API answers
     * with. A write is never sent again by this class: whether a write that got no answer took effect is for
     * the caller to find out, by reading the object.
     *
     * @throws KubernetesApiException with {@link KubernetesApiException#status()} 409 when the object exists
     *                                already (create) or changed since it was read (update)
     */
    <T> T write(ApiRequest request, String body, Secret token, Class<T> type) throws KubernetesApiException {
        HttpUriRequestBase write = request.method().equals("POST")
                ? new HttpPost(URI.create(base + request.target()))
                : new HttpPut(URI.create(base + request.target()));
        write.addHeader(HttpHeaders.ACCEPT, "application/json");
        if (token != null) {
            write.addHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token.reveal());
        }
        write.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
        Reply answer;
        try {
            answer = transport.send(write, request.verb() + "_" + request.resource(), redaction(token));
        } catch (NoAnswer e) {
            throw new KubernetesApiException(redact(failures.noAnswer(request, e), token), true, false, e.cause());
        }
        return parse(request, answer, token, type);
    }

    /** The GET of {@code request}, as every request to the API is made: its URL, JSON, the bearer token if any. */
    HttpGet get(ApiRequest request, Secret token) {
        HttpGet get = new HttpGet(URI.create(base + request.target()));
        get.addHeader(HttpHeaders.ACCEPT, "application/json");
        if (token != null) {
            get.addHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token.reveal());
        }
        return get;
    }

    private Reply send(ApiRequest request, Secret token) throws KubernetesApiException {
        String command = request.resource() == null ? "discovery" : request.verb() + "_" + request.resource();
        try {
            return transport.send(get(request, token), command, redaction(token));
        } catch (NoAnswer e) {
            throw new KubernetesApiException(
                    redact(failures.noAnswer(request, e), token),
                    true,
                    retries.worthRetrying(e.kind(), true),
                    e.cause());
        }
    }

    private <T> T parse(ApiRequest request, Reply answer, Secret token, Class<T> type) throws KubernetesApiException {
        if (answer.status() < 200 || answer.status() > 299) {
            throw statusFailure(request, answer, token);
        }
        String body = answer.text();
        try {
            T value = GSON.fromJson(body, type);
            if (value != null) {
                return value;
            }
            throw new KubernetesApiException(failures.unreadableBody(request, answer.contentType(), 0, null));
        } catch (JsonParseException e) {
            String message = failures.unreadableBody(request, answer.contentType(), body.length(), e);
            throw new KubernetesApiException(redact(message, token), false, false, e);
        }
    }

    private KubernetesApiException statusFailure(ApiRequest request, Reply answer, Secret token) {
        String message = failures.status(request, answer.status(), kubernetesMessage(answer.text()));
        return new KubernetesApiException(
                redact(message, token), false, retries.worthRetrying(answer.status(), true), null, answer.status());
    }

    private KubernetesApiException interrupted(ApiRequest request, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new KubernetesApiException(failures.interrupted(request), true, false, e);
    }

    /** The {@code message} of a Kubernetes {@code Status} body, or null if the body is not one. */
    static String kubernetesMessage(String body) {
        try {
            Status status = GSON.fromJson(body, Status.class);
            return status == null || !"Status".equals(status.kind()) ? null : status.message();
        } catch (JsonParseException e) {
            return null;
        }
    }

    /** Belt and braces: no server-supplied text may carry the token into a log line. */
    private static String redact(String message, Secret token) {
        return redaction(token).apply(message);
    }

    /** What keeps the bearer token out of a message or a cause. */
    static Redaction redaction(Secret token) {
        return Redaction.of("(token)", token);
    }

    @Override
    public void close() {
        transport.close();
    }
}
