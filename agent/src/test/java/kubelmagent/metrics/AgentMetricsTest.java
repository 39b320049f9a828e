package kubelmagent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import kubelmagent.model.PassResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentMetricsTest {

    private static final Instant T = Instant.parse("2024-05-01T10:00:00Z");

    @ParameterizedTest(name = "complete={0} applied={1} failed={2} problems={3} -> {4}")
    @CsvSource({
        "true,  0, 0, 0, converged",
        "true,  3, 0, 0, changed",
        "true,  3, 0, 1, problems",
        "true,  0, 0, 2, problems",
        "true,  3, 1, 1, failed",
        "true,  0, 1, 0, failed",
        "false, 0, 0, 0, incomplete",
        "false, 2, 1, 3, incomplete",
    })
    void passResultIsTheFirstOfIncompleteFailedProblemsChangedConverged(
            boolean complete, int applied, int failed, int problems, String expected) {
        assertEquals(expected, AgentMetrics.result(complete, applied, failed, problems));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "200, 2xx",
        "204, 2xx",
        "302, 3xx",
        "401, 4xx",
        "429, 4xx",
        "500, 5xx",
        "599, 5xx",
        "0, error",
        "-1, error",
        "600, error",
        "199, error"
    })
    void outcomeIsTheStatusClassOrErrorWhenNoAnswerCame(int status, String expected) {
        assertEquals(expected, AgentMetrics.outcome(status));
    }

    @Test
    void onlyACompletePassWithoutFailuresCountsAsSuccessful() {
        AgentMetrics m = new AgentMetrics("1.0");
        assertEquals(Optional.empty(), m.lastSuccessfulPass());

        m.passFinished(new PassResult(1, 1, 0, 0, 0, 0, 0, false, false, Duration.ofMillis(10)), T);
        m.passFinished(new PassResult(1, 1, 1, 1, 1, 0, 0, true, false, Duration.ofMillis(10)), T.plusSeconds(10));
        assertEquals(Optional.empty(), m.lastSuccessfulPass());

        m.passFinished(
                new PassResult(1, 1, 0, 0, 0, 0, 4, true, false, Duration.ofMillis(10)),
                T.plusSeconds(20)); // problems are not failures
        assertEquals(Optional.of(T.plusSeconds(20)), m.lastSuccessfulPass());

        m.passFinished(new PassResult(1, 1, 0, 0, 0, 0, 0, false, false, Duration.ofMillis(10)), T.plusSeconds(30));
        assertEquals(Optional.of(T.plusSeconds(20)), m.lastSuccessfulPass());
    }

    @Test
    void lastSuccessfulPassNeverMovesBackwards() {
        AgentMetrics m = new AgentMetrics("1.0");
        m.passFinished(new PassResult(1, 0, 0, 0, 0, 0, 0, true, false, Duration.ZERO), T.plusSeconds(60));
        m.passFinished(new PassResult(1, 0, 0, 0, 0, 0, 0, true, false, Duration.ZERO), T);
        assertEquals(Optional.of(T.plusSeconds(60)), m.lastSuccessfulPass());
    }

    @Test
    void observersLabelTheirApiAndTurnTheStatusIntoItsClass() {
        AgentMetrics m = new AgentMetrics("1.0");
        m.kubernetesObserver().requestFinished("list_services", 403, Duration.ofMillis(5));
        m.loadMasterObserver().requestFinished("addrs", 0, Duration.ofMillis(5));
        m.loadMasterObserver().requestFinished("listvs", 200, Duration.ofMillis(5));
        String text = Scrape.text(m);
        assertTrue(
                text.contains("kube_lm_agent_api_request_duration_seconds_count{agent=\"agent\",api=\"kubernetes\","
                        + "command=\"list_services\",outcome=\"4xx\"} 1\n"),
                text);
        assertTrue(
                text.contains("kube_lm_agent_api_request_duration_seconds_count{agent=\"agent\",api=\"loadmaster\","
                        + "command=\"addrs\",outcome=\"error\"} 1\n"),
                text);
        assertTrue(
                text.contains("kube_lm_agent_api_request_duration_seconds_count{agent=\"agent\",api=\"loadmaster\","
                        + "command=\"listvs\",outcome=\"2xx\"} 1\n"),
                text);
    }

    @Test
    void causesHaveSnakeCaseLabels() {
        assertEquals("kubernetes_read", AgentMetrics.Cause.KUBERNETES_READ.label());
        assertEquals("loadmaster_write", AgentMetrics.Cause.LOADMASTER_WRITE.label());
    }

    @Test
    void everySeriesOfEveryMetricCarriesTheInstanceAsLabelAgent() {
        AgentMetrics m = exercised(new AgentMetrics("1.0", "prod"));

        List<MetricSnapshot> families = m.registry().scrape().stream().collect(Collectors.toList());
        assertEquals(
                10,
                families.size(),
                () -> families.stream().map(f -> f.getMetadata().getName()).collect(Collectors.joining(", ")));
        for (MetricSnapshot family : families) {
            String name = family.getMetadata().getName();
            assertFalse(family.getDataPoints().isEmpty(), name);
            for (DataPointSnapshot point : family.getDataPoints()) {
                assertEquals("prod", point.getLabels().get(AgentMetrics.AGENT_LABEL), name + " " + point.getLabels());
            }
        }
        List<String> samples =
                Scrape.text(m).lines().filter(l -> !l.startsWith("#")).collect(Collectors.toList());
        assertTrue(samples.size() > 9, samples::toString);
        for (String sample : samples) {
            assertTrue(sample.matches("kube_lm_agent_[a-z_]+\\{agent=\"prod\"[,}].*"), sample);
        }
    }

    @Test
    void theOneArgumentConstructorNamesTheDefaultInstanceAgent() {
        String text = Scrape.text(new AgentMetrics("1.0"));
        assertTrue(text.contains("kube_lm_agent_build_info{agent=\"agent\",version=\"1.0\"} 1\n"), text);
    }

    @Test
    void theInstanceNameMustNotBeEmpty() {
        assertThrows(IllegalArgumentException.class, () -> new AgentMetrics("1.0", ""));
        assertThrows(NullPointerException.class, () -> new AgentMetrics("1.0", null));
    }

    /** Every metric with at least one series: one pass, one change, one error, one request. */
    static AgentMetrics exercised(AgentMetrics m) {
        m.passFinished(new PassResult(1, 1, 1, 1, 0, 1, 0, true, false, Duration.ofMillis(10)), T);
        m.realServerChanged(3, "add");
        m.error(AgentMetrics.Cause.LOADMASTER_WRITE);
        m.kubernetesObserver().requestFinished("list_services", 200, Duration.ofMillis(5));
        return m;
    }
}
