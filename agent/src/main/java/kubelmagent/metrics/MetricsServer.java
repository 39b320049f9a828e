package kubelmagent.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import kubelmagent.http.LocalServers;

/**
 * Serves, on one address:
 * <ul>
 *   <li>{@code GET /metrics}: the {@link AgentMetrics} in the Prometheus text format, or OpenMetrics
 *       when the scraper asks for it ({@code Accept}); the Prometheus client's own handler. A scraper
 *       that asks for protobuf first gets text (the protobuf writer is left out of the build);</li>
 *   <li>{@code GET /healthz}: {@code 200 ok} while the process is up;</li>
 *   <li>{@code GET /readyz}: {@code 200 ready: last successful pass 3 s ago} when the last successful
 *       pass ended at most {@code readyWithin} ago, otherwise {@code 503} with one line that says why.</li>
 * </ul>
 * Anything else is 404. Every thread is a daemon, so the server never keeps the JVM alive;
 * {@link #close()} stops it.
 */
public final class MetricsServer implements AutoCloseable {

    /** The configuration key that sets the address, named in bind errors. */
    public static final String CONFIG_KEY = "metrics.listen";

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final ExpositionFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.create();
    private static final ExpositionFormatWriter PROMETHEUS_TEXT = PrometheusTextFormatWriter.create();

    private final HttpServer server;
    private final ExecutorService executor;
    private final InetSocketAddress address;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        this.address = server.getAddress();
    }

    /**
     * Binds {@code listen} and starts serving.
     *
     * @param listen      where to listen (port 0: any free port, see {@link #address()})
     * @param readyWithin how recent the last successful pass must be for {@code /readyz}; the agent passes
     *                    three intervals
     * @param clock       for the age of the last successful pass
     * @throws IOException if the address cannot be bound; the message names the address and {@value #CONFIG_KEY}
     */
    public static MetricsServer start(InetSocketAddress listen, AgentMetrics metrics, Duration readyWithin, Clock clock)
            throws IOException {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(clock, "clock");
        if (readyWithin.isNegative() || readyWithin.isZero()) {
            throw new IllegalArgumentException("readyWithin must be positive (got " + readyWithin + ")");
        }
        HttpServer server;
        try {
            server = LocalServers.http(listen); // without Nagle's 40 ms per answer
        } catch (IOException | RuntimeException e) {
            throw new IOException(CONFIG_KEY + ": cannot listen on " + describe(listen) + ": " + why(e), e);
        }
        MetricsHandler scrape = new MetricsHandler(metrics.registry());
        server.createContext("/", exchange -> route(exchange, scrape, metrics, readyWithin, clock));
        ExecutorService executor = Executors.newFixedThreadPool(2, daemonThreads());
        server.setExecutor(executor);
        startAsDaemon(server);
        return new MetricsServer(server, executor);
    }

    /** The bound address (with the real port when {@code listen} asked for port 0). */
    public InetSocketAddress address() {
        return address;
    }

    /** Stops serving at once and frees the port. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void route(
            HttpExchange exchange, HttpHandler scrape, AgentMetrics metrics, Duration readyWithin, Clock clock)
            throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            boolean known = path.equals("/metrics") || path.equals("/healthz") || path.equals("/readyz");
            if (!known) {
                reply(exchange, 404, "not found: try /metrics, /healthz or /readyz");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "method not allowed: use GET");
            } else if (path.equals("/metrics") && asksForProtobuf(exchange)) {
                scrapeAsText(exchange, metrics);
            } else if (path.equals("/metrics")) {
                scrape.handle(exchange);
            } else if (path.equals("/healthz")) {
                reply(exchange, 200, "ok");
            } else {
                Readiness r = readiness(metrics.lastSuccessfulPass(), clock.instant(), readyWithin);
                reply(exchange, r.ready() ? 200 : 503, r.line());
            }
        } finally {
            exchange.close();
        }
    }

    /**
     * Whether the scraper lists the protobuf format at all (Prometheus with native histograms puts it first). The
     * client's handler would pick it and fail, as the build leaves out the protobuf writer.
     */
    private static boolean asksForProtobuf(HttpExchange exchange) {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        return accept != null && accept.contains("application/vnd.google.protobuf");
    }

    /** OpenMetrics if the scraper accepts it, otherwise the Prometheus text format: both list the text formats too. */
    private static void scrapeAsText(HttpExchange exchange, AgentMetrics metrics) throws IOException {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        ExpositionFormatWriter writer = OPEN_METRICS.accepts(accept) ? OPEN_METRICS : PROMETHEUS_TEXT;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writer.write(body, metrics.registry().scrape());
        exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
        send(exchange, 200, body.toByteArray());
    }

    /** The answer of {@code /readyz}. */
    record Readiness(boolean ready, String line) {}

    static Readiness readiness(Optional<Instant> lastSuccess, Instant now, Duration readyWithin) {
        if (lastSuccess.isEmpty()) {
            return new Readiness(false, "not ready: no successful pass yet");
        }
        Duration age = Duration.between(lastSuccess.get(), now);
        if (age.isNegative()) {
            age = Duration.ZERO; // the clock stepped back
        }
        if (age.compareTo(readyWithin) <= 0) {
            return new Readiness(true, "ready: last successful pass " + age.getSeconds() + " s ago");
        }
        long ageUp = age.getSeconds() + (age.getNano() > 0 ? 1 : 0); // more than readyWithin, also when rounded
        return new Readiness(
                false, "not ready: last successful pass " + ageUp + " s ago, more than " + seconds(readyWithin) + " s");
    }

    private static String seconds(Duration d) {
        return d.getNano() == 0
                ? Long.toString(d.getSeconds())
                : BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }

    private static void reply(HttpExchange exchange, int status, String line) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", TEXT);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, status, (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * The JDK starts its dispatcher thread from the calling thread, and a new thread inherits the daemon
     * flag of the one that creates it: so start from a daemon thread.
     */
    private static void startAsDaemon(HttpServer server) throws IOException {
        RuntimeException[] failure = new RuntimeException[1];
        Thread starter = new Thread(
                () -> {
                    try {
                        server.start();
                    } catch (RuntimeException e) {
                        failure[0] = e;
                    }
                },
                "metrics-http-start");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.stop(0);
            throw new IOException(CONFIG_KEY + ": interrupted while starting the metrics server", e);
        }
        if (failure[0] != null) {
            server.stop(0);
            throw new IOException(
                    CONFIG_KEY + ": cannot start the metrics server: " + failure[0].getMessage(), failure[0]);
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "metrics-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** {@code 127.0.0.1:9464}, {@code [::1]:9464}. */
    static String describe(InetSocketAddress a) {
        String host =
                a.getAddress() instanceof Inet6Address || a.getHostString().contains(":")
                        ? "[" + a.getHostString() + "]"
                        : a.getHostString();
        return host + ":" + a.getPort();
    }

    /** What went wrong and what to do, for the most common bind failures. */
    private static String why(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String lower = m.toLowerCase(Locale.ROOT);
        if (e instanceof BindException && lower.contains("in use")) {
            return "the address is in use (another process, or another agent, holds the port); set " + CONFIG_KEY
                    + " to a free host:port, or to \"\" to turn the metrics endpoints off";
        }
        if (e instanceof BindException && lower.contains("assign")) {
            return "no network interface of this host has that address; set " + CONFIG_KEY
                    + " to an address of this host, e.g. 127.0.0.1:9464";
        }
        if (e instanceof BindException && lower.contains("permission")) {
            return "permission denied (ports below 1024 need privileges); set " + CONFIG_KEY
                    + " to a port above 1023, e.g. 127.0.0.1:9464";
        }
        return m + "; check " + CONFIG_KEY;
    }
}
