package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.demo.StandInKubernetesApi.Port;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change watch through {@link KubernetesSource}, as the agent runs it, against the stand-in API server's
 * watches: what rings and what does not, and a watch that breaks or falls behind.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChangeWatchStandInTest {

    private static final String TOKEN = "stand-in-token";
    private static final Map<String, String> LABELLED = Map.of("kempLB", "Enabled");

    @TempDir
    Path dir;

    private StandInKubernetesApi cluster;
    private KubernetesSource source;
    private final List<String> rings = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cluster = StandInKubernetesApi.start(dir, TOKEN);
    }

    @AfterEach
    void stop() throws Exception {
        if (source != null) {
            source.close();
        }
        cluster.close();
    }

    private KubernetesSource watching(List<String> namespaces) throws Exception {
        KubernetesConnection connection = StandInConnection.to(cluster, TOKEN, Duration.ofSeconds(5));
        source = new KubernetesSource(connection, namespaces, Selector.KEMP_DEFAULT);
        source.watchChanges(rings::add);
        return source;
    }

    private void service(String namespace, String name, Map<String, String> labels, String... pods) {
        cluster.service(namespace, name, labels, Map.of("vsid", "3"), List.of(Port.tcp("http", 80, 8080)))
                .scale(namespace, name, pods);
    }

    private List<String> ringsAbout(String text) {
        return rings.stream().filter(r -> r.contains(text)).toList();
    }

    @Test
    void aServedServiceScalingRingsAndAServiceWithoutTheLabelDoesNot() throws Exception {
        service("shop", "web", LABELLED, "10.244.1.7");
        service("shop", "other", Map.of("app", "other"), "10.244.1.9");
        watching(List.of()).read();
        assertTrue(waitUntil(() -> cluster.openWatches() == 2), "a watch on Services and one on EndpointSlices");

        cluster.scale("shop", "other", "10.244.1.9", "10.244.1.10");
        cluster.scale("shop", "web", "10.244.1.7", "10.244.1.8");

        assertTrue(waitUntil(() -> !ringsAbout("EndpointSlice shop/web").isEmpty()), "rings: " + rings);
        assertEquals(List.of(), ringsAbout("shop/other"), "rings: " + rings);
    }

    @Test
    void aNewlyLabelledServiceRings() throws Exception {
        service("shop", "web", LABELLED, "10.244.1.7");
        watching(List.of()).read();
        assertTrue(waitUntil(() -> cluster.openWatches() == 2));

        service("shop", "cart", LABELLED, "10.244.1.20");

        assertTrue(waitUntil(() -> !ringsAbout("Service shop/cart ADDED").isEmpty()), "rings: " + rings);
    }

    @Test
    void namedNamespacesAreWatchedOneByOne() throws Exception {
        service("a", "web", LABELLED, "10.244.1.7");
        service("b", "web", LABELLED, "10.244.2.7");
        service("c", "web", LABELLED, "10.244.3.7");
        watching(List.of("a", "b", "c")).read();

        assertTrue(waitUntil(() -> cluster.openWatches() == 6), "open watches: " + cluster.openWatches());
        cluster.scale("c", "web", "10.244.3.7", "10.244.3.8");
        assertTrue(waitUntil(() -> !ringsAbout("EndpointSlice c/web").isEmpty()), "rings: " + rings);
    }

    @Test
    void aBrokenWatchAndAForgottenVersionAreWatchedAgainAndRing() throws Exception {
        service("shop", "web", LABELLED, "10.244.1.7");
        watching(List.of()).read();
        assertTrue(waitUntil(() -> cluster.openWatches() == 2));
        int before = ringsAbout("(re)started").size();

        cluster.compactHistory();
        cluster.dropWatches();

        assertTrue(waitUntil(() -> ringsAbout("(re)started").size() >= before + 2), "rings: " + rings);
        assertTrue(waitUntil(() -> cluster.openWatches() == 2), "watching again");
        cluster.scale("shop", "web", "10.244.1.8");
        assertTrue(waitUntil(() -> !ringsAbout("EndpointSlice shop/web").isEmpty()), "rings: " + rings);
    }

    @Test
    void closingTheSourceEndsItsWatches() throws Exception {
        service("shop", "web", LABELLED, "10.244.1.7");
        watching(List.of()).read();
        assertTrue(waitUntil(() -> cluster.openWatches() == 2));

        source.close();
        source = null;
        int requests = cluster.requests();
        // A change to the Service and its slices: the stand-in notices a closed watch when it writes to it.
        service("shop", "web", Map.of("kempLB", "Enabled", "tier", "web"), "10.244.1.8");

        assertTrue(waitUntil(() -> cluster.openWatches() == 0), "open watches: " + cluster.openWatches());
        assertFalse(waitUntil(() -> cluster.requests() > requests, 300), "nothing sent after close");
    }

    private static boolean waitUntil(BooleanSupplier condition) throws InterruptedException {
        return waitUntil(condition, 10_000);
    }

    private static boolean waitUntil(BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
