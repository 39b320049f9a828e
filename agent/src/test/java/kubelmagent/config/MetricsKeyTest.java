package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code metrics.listen}, and how long /readyz waits for a successful pass. */
class MetricsKeyTest {

    static final String MUST_BE = "must be host:port, e.g. 127.0.0.1:9464, or \"\" to turn the metrics endpoints off";

    @TempDir
    Path tempDir;

    ConfigFixture fixture;

    @BeforeEach
    void createFiles() {
        fixture = new ConfigFixture(tempDir);
    }

    @Test
    void servesOnLoopbackByDefaultAndIsReadyWithinThreePasses() throws ConfigException {
        AgentConfig config = fixture.load();
        assertEquals(new InetSocketAddress("127.0.0.1", 9464), config.metricsListen());
        assertEquals(Duration.ofSeconds(30), config.readyWithin());
    }

    @Test
    void takesHostAndPortIpv6InBracketsOrNothing() throws ConfigException {
        assertEquals(
                new InetSocketAddress("0.0.0.0", 9100),
                fixture.with("metrics", "listen: 0.0.0.0:9100").load().metricsListen());
        assertEquals(
                new InetSocketAddress("::1", 9464),
                new ConfigFixture(tempDir)
                        .with("metrics", "listen: \"[::1]:9464\"")
                        .load()
                        .metricsListen());
        assertNull(
                new ConfigFixture(tempDir)
                        .with("metrics", "listen: \"\"")
                        .load()
                        .metricsListen(),
                "\"\" turns it off");
    }

    @Test
    void readinessFollowsACronSchedule() throws ConfigException {
        assertEquals(
                Duration.ofMinutes(15),
                fixture.with("sync", "cron: \"0 */5 * * * ?\"").load().readyWithin());
    }

    List<String> problems(String metricsSection) {
        return new ConfigFixture(tempDir).with("metrics", metricsSection).problems();
    }

    @Test
    void refusesAnythingElseWithThePathAndWhatWasGiven() {
        assertEquals(List.of("metrics.listen: " + MUST_BE + " (got \"9464\")"), problems("listen: \"9464\""));
        assertEquals(
                List.of("metrics.listen: " + MUST_BE + " (got \"127.0.0.1:70000\")"),
                problems("listen: 127.0.0.1:70000"));
        assertEquals(
                List.of("metrics.listen: " + MUST_BE + " (got \"http://127.0.0.1:9464\")"),
                problems("listen: http://127.0.0.1:9464"));
        assertEquals(List.of("metrics.port: unknown key (known keys: listen)"), problems("port: 9464"));
    }
}
