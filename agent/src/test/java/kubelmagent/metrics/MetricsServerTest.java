package kubelmagent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import kubelmagent.model.PassResult;
import kubelmagent.sync.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Over real HTTP, on an ephemeral loopback port. */
class MetricsServerTest {

    private static final Instant T = Instant.parse("2024-05-01T10:00:00Z");
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    private static final String PROMETHEUS_3_ACCEPT = "application/vnd.google.protobuf;proto=io.prometheus.client"
            + ".MetricFamily;encoding=delimited;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,"
            + "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final MutableClock clock = new MutableClock(T);
    private final AgentMetrics metrics = new AgentMetrics("1.2.3", "prod");
    private MetricsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void metricsListEveryMetricWithItsLabelsAndValues() throws Exception {
        metrics.passFinished(new PassResult(1, 4, 3, 3, 0, 0, 0, true, false, Duration.ofMillis(250)), T);
        metrics.passFinished(
                new PassResult(1, 5, 0, 0, 0, 2, 1, false, false, Duration.ofMillis(1500)), T.plusSeconds(10));
        metrics.realServerChanged(3, "add");
        metrics.realServerChanged(3, "add");
        metrics.realServerChanged(7, "remove");
        metrics.realServerChanged(7, "disable");
        metrics.realServerChanged(3, "enable");
        metrics.error(AgentMetrics.Cause.LOADMASTER_WRITE);
        metrics.apiRequest("loadmaster", "showvs", "2xx", Duration.ofMillis(20));
        metrics.apiRequest("loadmaster", "showvs", "2xx", Duration.ofMillis(80));
        metrics.apiRequest("kubernetes", "list_endpointslices", "5xx", Duration.ofMillis(3));
        start();

        HttpResponse<String> r = get("/metrics", null);
        assertEquals(200, r.statusCode());
        assertEquals(
                "text/plain; version=0.0.4; charset=utf-8",
                r.headers().firstValue("Content-Type").orElseThrow());
        String text = r.body();

        assertTrue(text.contains("# TYPE kube_lm_agent_passes_total counter\n"), text);
        assertEquals(1, value(text, "kube_lm_agent_passes_total{agent=\"prod\",result=\"changed\"}"));
        assertEquals(1, value(text, "kube_lm_agent_passes_total{agent=\"prod\",result=\"incomplete\"}"));
        for (String zero : List.of("converged", "problems", "failed")) {
            assertEquals(0, value(text, "kube_lm_agent_passes_total{agent=\"prod\",result=\"" + zero + "\"}"), zero);
        }

        assertTrue(text.contains("# TYPE kube_lm_agent_pass_duration_seconds histogram\n"), text);
        assertEquals(0, value(text, "kube_lm_agent_pass_duration_seconds_bucket{agent=\"prod\",le=\"0.1\"}"));
        assertEquals(1, value(text, "kube_lm_agent_pass_duration_seconds_bucket{agent=\"prod\",le=\"0.25\"}"));
        assertEquals(1, value(text, "kube_lm_agent_pass_duration_seconds_bucket{agent=\"prod\",le=\"1.0\"}"));
        assertEquals(2, value(text, "kube_lm_agent_pass_duration_seconds_bucket{agent=\"prod\",le=\"2.5\"}"));
        assertEquals(2, value(text, "kube_lm_agent_pass_duration_seconds_count{agent=\"prod\"}"));
        assertEquals(1.75, value(text, "kube_lm_agent_pass_duration_seconds_sum{agent=\"prod\"}"));

        // The incomplete second pass is not successful: the first one is the last successful pass.
        assertEquals(
                T.getEpochSecond(),
                value(text, "kube_lm_agent_last_successful_pass_timestamp_seconds{agent=\"prod\"}"));
        // Gauges hold the last pass.
        assertEquals(5, value(text, "kube_lm_agent_bound_virtual_services{agent=\"prod\"}"));
        assertEquals(2, value(text, "kube_lm_agent_held_removals{agent=\"prod\"}"));

        assertEquals(2, value(text, "kube_lm_agent_real_server_changes_total{agent=\"prod\",change=\"add\",vs=\"3\"}"));
        assertEquals(
                1, value(text, "kube_lm_agent_real_server_changes_total{agent=\"prod\",change=\"enable\",vs=\"3\"}"));
        assertEquals(
                1, value(text, "kube_lm_agent_real_server_changes_total{agent=\"prod\",change=\"remove\",vs=\"7\"}"));
        assertEquals(
                1, value(text, "kube_lm_agent_real_server_changes_total{agent=\"prod\",change=\"disable\",vs=\"7\"}"));

        assertEquals(1, value(text, "kube_lm_agent_errors_total{agent=\"prod\",cause=\"loadmaster_write\"}"));
        for (AgentMetrics.Cause cause : AgentMetrics.Cause.values()) {
            if (cause != AgentMetrics.Cause.LOADMASTER_WRITE) {
                assertEquals(
                        0,
                        value(text, "kube_lm_agent_errors_total{agent=\"prod\",cause=\"" + cause.label() + "\"}"),
                        cause.label());
            }
        }

        String showvs = "api=\"loadmaster\",command=\"showvs\",outcome=\"2xx\"";
        assertEquals(2, value(text, "kube_lm_agent_api_request_duration_seconds_count{agent=\"prod\"," + showvs + "}"));
        assertEquals(
                0.1,
                value(text, "kube_lm_agent_api_request_duration_seconds_sum{agent=\"prod\"," + showvs + "}"),
                1e-9);
        assertEquals(
                1,
                value(
                        text,
                        "kube_lm_agent_api_request_duration_seconds_bucket{agent=\"prod\"," + showvs
                                + ",le=\"0.025\"}"));
        assertEquals(
                2,
                value(
                        text,
                        "kube_lm_agent_api_request_duration_seconds_bucket{agent=\"prod\"," + showvs + ",le=\"0.1\"}"));
        assertEquals(
                1,
                value(
                        text,
                        "kube_lm_agent_api_request_duration_seconds_count{agent=\"prod\",api=\"kubernetes\","
                                + "command=\"list_endpointslices\",outcome=\"5xx\"}"));

        assertEquals(1, value(text, "kube_lm_agent_build_info{agent=\"prod\",version=\"1.2.3\"}"));
    }

    @Test
    void beforeAnyPassTheLastSuccessIsZeroAndEveryResultAndCauseIsListed() throws Exception {
        start();
        String text = get("/metrics", null).body();
        assertEquals(0, value(text, "kube_lm_agent_last_successful_pass_timestamp_seconds{agent=\"prod\"}"));
        assertEquals(0, value(text, "kube_lm_agent_passes_total{agent=\"prod\",result=\"converged\"}"));
        assertEquals(0, value(text, "kube_lm_agent_errors_total{agent=\"prod\",cause=\"kubernetes_read\"}"));
    }

    @Test
    void metricsSpeakOpenMetricsWhenAsked() throws Exception {
        metrics.passFinished(new PassResult(1, 1, 0, 0, 0, 0, 0, true, false, Duration.ofMillis(5)), T);
        start();
        HttpResponse<String> r = get("/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/openmetrics-text"));
        assertTrue(r.body().contains("# TYPE kube_lm_agent_build info\n"), r.body());
        assertTrue(r.body().contains("# UNIT kube_lm_agent_pass_duration_seconds seconds\n"), r.body());
        assertEquals(1, value(r.body(), "kube_lm_agent_passes_total{agent=\"prod\",result=\"converged\"}"));
        assertTrue(r.body().endsWith("# EOF\n"), r.body());
    }

    @Test
    void aScraperThatPrefersProtobufGetsText() throws Exception {
        start();
        HttpResponse<String> r = get("/metrics", PROMETHEUS_3_ACCEPT);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/openmetrics-text"));
        assertTrue(r.body().endsWith("# EOF\n"), r.body());

        r = get(
                "/metrics",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                        + "encoding=delimited,text/plain;version=0.0.4;q=0.5");
        assertEquals(200, r.statusCode());
        assertEquals(
                "text/plain; version=0.0.4; charset=utf-8",
                r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(1, value(r.body(), "kube_lm_agent_build_info{agent=\"prod\",version=\"1.2.3\"}"));
    }

    @Test
    void labelValuesOutsideTheirFixedSetsAreCountedAsOther() throws Exception {
        for (int i = 0; i < 50; i++) {
            metrics.apiRequest("kubernetes", "list_pods_" + i, "2xx", Duration.ofMillis(1));
        }
        metrics.apiRequest("etcd", "showvs", "2xx", Duration.ofMillis(1));
        metrics.apiRequest("loadmaster", "showvs", "418 I'm a teapot", Duration.ofMillis(1));
        metrics.apiRequest(null, null, null, Duration.ofMillis(1));
        metrics.realServerChanged(3, "rename");
        metrics.realServerChanged(0, "add");
        start();

        String text = get("/metrics", null).body();
        assertEquals(
                50,
                value(
                        text,
                        "kube_lm_agent_api_request_duration_seconds_count{agent=\"prod\",api=\"kubernetes\","
                                + "command=\"other\",outcome=\"2xx\"}"));
        assertEquals(
                1,
                value(
                        text,
                        "kube_lm_agent_api_request_duration_seconds_count{agent=\"prod\",api=\"other\","
                                + "command=\"showvs\",outcome=\"2xx\"}"));
        assertEquals(
                1,
                value(
                        text,
                        "kube_lm_agent_api_request_duration_seconds_count{agent=\"prod\",api=\"loadmaster\","
                                + "command=\"showvs\",outcome=\"other\"}"));
        assertEquals(
                1,
                value(
                        text,
                        "kube_lm_agent_api_request_duration_seconds_count{agent=\"prod\",api=\"other\","
                                + "command=\"other\",outcome=\"other\"}"));
        assertEquals(
                1, value(text, "kube_lm_agent_real_server_changes_total{agent=\"prod\",change=\"other\",vs=\"3\"}"));
        assertEquals(
                1, value(text, "kube_lm_agent_real_server_changes_total{agent=\"prod\",change=\"add\",vs=\"other\"}"));
        assertFalse(text.contains("list_pods"), text);
        assertFalse(text.contains("etcd"), text);
        assertFalse(text.contains("teapot"), text);
        assertFalse(text.contains("rename"), text);
        assertEquals(
                4,
                text.lines()
                        .filter(l -> l.startsWith("kube_lm_agent_api_request_duration_seconds_count{agent=\"prod\","))
                        .count());
    }

    @Test
    void healthzAnswersOkWhileTheProcessIsUp() throws Exception {
        start();
        HttpResponse<String> r = get("/healthz", null);
        assertEquals(200, r.statusCode());
        assertEquals("ok\n", r.body());
        assertEquals(
                "text/plain; charset=utf-8",
                r.headers().firstValue("Content-Type").orElseThrow());
    }

    @Test
    void readyzFollowsTheLastSuccessfulPass() throws Exception {
        start();
        assertAnswer(503, "not ready: no successful pass yet\n", get("/readyz", null));

        metrics.passFinished(
                new PassResult(1, 1, 1, 1, 0, 0, 0, false, false, Duration.ofMillis(40)),
                clock.instant()); // incomplete read
        assertAnswer(503, "not ready: no successful pass yet\n", get("/readyz", null));

        metrics.passFinished(
                new PassResult(1, 1, 1, 1, 0, 0, 2, true, false, Duration.ofMillis(40)),
                clock.instant()); // problems are fine
        clock.advance(Duration.ofSeconds(3));
        assertAnswer(200, "ready: last successful pass 3 s ago\n", get("/readyz", null));

        clock.advance(Duration.ofSeconds(27)); // exactly readyWithin
        assertAnswer(200, "ready: last successful pass 30 s ago\n", get("/readyz", null));

        metrics.passFinished(
                new PassResult(1, 1, 1, 1, 1, 0, 0, true, false, Duration.ofMillis(40)),
                clock.instant()); // a change failed
        clock.advance(Duration.ofSeconds(65));
        assertAnswer(503, "not ready: last successful pass 95 s ago, more than 30 s\n", get("/readyz", null));

        metrics.passFinished(new PassResult(1, 1, 0, 0, 0, 0, 0, true, false, Duration.ofMillis(40)), clock.instant());
        assertAnswer(200, "ready: last successful pass 0 s ago\n", get("/readyz", null));
    }

    @Test
    void readinessWordsFractionsAndAClockThatSteppedBack() {
        assertEquals(
                new MetricsServer.Readiness(false, "not ready: last successful pass 31 s ago, more than 30 s"),
                MetricsServer.readiness(Optional.of(T), T.plusMillis(30_001), READY_WITHIN));
        assertEquals(
                new MetricsServer.Readiness(false, "not ready: last successful pass 11 s ago, more than 10.5 s"),
                MetricsServer.readiness(Optional.of(T), T.plusSeconds(11), Duration.ofMillis(10_500)));
        assertEquals(
                new MetricsServer.Readiness(true, "ready: last successful pass 0 s ago"),
                MetricsServer.readiness(Optional.of(T), T.minusSeconds(5), READY_WITHIN));
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        start();
        assertAnswer(404, "not found: try /metrics, /healthz or /readyz\n", get("/", null));
        assertEquals(404, get("/metricsx", null).statusCode());
        assertEquals(404, get("/healthz/x", null).statusCode());
        HttpResponse<String> post = HTTP.send(
                HttpRequest.newBuilder(uri("/healthz"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
    }

    @Test
    void aPortInUseNamesTheAddressAndTheConfigKey() throws Exception {
        start();
        int port = server.address().getPort();
        IOException e = assertThrows(
                IOException.class,
                () -> MetricsServer.start(new InetSocketAddress("127.0.0.1", port), metrics, READY_WITHIN, clock));
        assertEquals(
                "metrics.listen: cannot listen on 127.0.0.1:" + port + ": the address is in use (another"
                        + " process, or another agent, holds the port); set metrics.listen to a free host:port, or to \"\""
                        + " to turn the metrics endpoints off",
                e.getMessage());
    }

    @Test
    void addressesAreWrittenAsInTheConfiguration() {
        assertEquals("127.0.0.1:9464", MetricsServer.describe(new InetSocketAddress("127.0.0.1", 9464)));
        assertEquals("localhost:9464", MetricsServer.describe(new InetSocketAddress("localhost", 9464)));
        assertEquals("[::1]:9464", MetricsServer.describe(InetSocketAddress.createUnresolved("::1", 9464)));
        assertEquals("[0:0:0:0:0:0:0:1]:9464", MetricsServer.describe(new InetSocketAddress("::1", 9464)));
    }

    @Test
    void itRunsOnDaemonThreadsOnlyAndCloseStopsThemAndFreesThePort() throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        start();
        assertEquals(200, get("/healthz", null).statusCode()); // the handler pool starts its threads lazily
        Set<Thread> started = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && !t.getName().startsWith("HttpClient"))
                .collect(Collectors.toSet());
        assertTrue(started.stream().anyMatch(t -> t.getName().startsWith("metrics-http-")), started.toString());
        for (Thread t : started) {
            assertTrue(t.isDaemon(), t.getName() + " is not a daemon thread");
        }

        int port = server.address().getPort();
        server.close();
        server = null;
        for (Thread t : started) {
            if (t.getName().startsWith("metrics-http-") || t.getName().equals("HTTP-Dispatcher")) {
                t.join(5_000);
                assertFalse(t.isAlive(), t.getName() + " still runs after close()");
            }
        }
        assertThrows(
                ConnectException.class,
                () -> HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort());
        }
    }

    @Test
    void anAddressThatCannotBeBoundNamesItselfAndTheConfigKey() {
        IOException e = assertThrows(
                IOException.class,
                () -> MetricsServer.start(
                        InetSocketAddress.createUnresolved("no-such-host.invalid", 9464),
                        metrics,
                        READY_WITHIN,
                        clock));
        assertTrue(
                e.getMessage().startsWith("metrics.listen: cannot listen on no-such-host.invalid:9464: "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("; check metrics.listen"), e.getMessage());

        e = assertThrows(
                IOException.class,
                () -> MetricsServer.start(
                        new InetSocketAddress("192.0.2.1", 9464),
                        metrics,
                        READY_WITHIN,
                        clock)); // TEST-NET-1: not ours
        assertEquals(
                "metrics.listen: cannot listen on 192.0.2.1:9464: no network interface of this host has that"
                        + " address; set metrics.listen to an address of this host, e.g. 127.0.0.1:9464",
                e.getMessage());
    }

    @Test
    void readyWithinMustBePositive() {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        assertThrows(IllegalArgumentException.class, () -> MetricsServer.start(any, metrics, Duration.ZERO, clock));
    }

    private void start() throws IOException {
        server = MetricsServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, READY_WITHIN, clock);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertAnswer(int status, String body, HttpResponse<String> r) {
        assertEquals(status + " " + body, r.statusCode() + " " + r.body());
    }

    /** The value of the one sample line that starts with {@code series} and a space. */
    static double value(String exposition, String series) {
        List<String> lines =
                exposition.lines().filter(l -> l.startsWith(series + " ")).collect(Collectors.toList());
        assertEquals(1, lines.size(), () -> "expected one sample " + series + " in:\n" + exposition);
        return Double.parseDouble(lines.get(0).substring(series.length() + 1).trim());
    }
}
