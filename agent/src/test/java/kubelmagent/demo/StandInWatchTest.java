package kubelmagent.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import kubelmagent.demo.StandInKubernetesApi.Node;
import kubelmagent.demo.StandInKubernetesApi.Port;
import kubelmagent.tls.Pem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watches on the stand-in, read as a client-go reflector reads them: one JSON event a line. */
class StandInWatchTest {

    static final String TOKEN = "stand-in-watch-token-9e4d";
    static final Map<String, String> KEMP = Map.of("kempLB", "Enabled");
    static final List<Port> HTTP = List.of(Port.tcp("http", 80, 8080));
    static final String SERVICES = "/api/v1/namespaces/shop/services";
    static final String SLICES = "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices";
    static final String ENDPOINTS = "/api/v1/namespaces/shop/endpoints";
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    StandInKubernetesApi api;
    SSLSocketFactory tls;
    final List<Watch> watches = new ArrayList<>();

    @BeforeEach
    void start() throws IOException, GeneralSecurityException {
        api = StandInKubernetesApi.start(dir, TOKEN);
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        int i = 0;
        for (X509Certificate ca : Pem.readCertificates(api.caFile())) {
            trusted.setCertificateEntry("ca" + i++, ca);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        tls = context.getSocketFactory();
    }

    @AfterEach
    void stop() {
        api.close(); // first: disconnecting waits for a reader blocked in a read, until the server closes
        watches.forEach(Watch::close);
    }

    // ---- list, then watch from the list's resourceVersion ----

    @Test
    void aWatchFromAListsResourceVersionSeesExactlyTheChangesAfterIt() throws Exception {
        api.service("shop", "web", KEMP, Map.of("vsid", "3"), HTTP).scale("shop", "web", "10.244.1.1");
        api.service("other", "db", KEMP, Map.of(), HTTP).scale("other", "db", "10.244.9.9");
        JsonObject services = list(SERVICES);
        long listed = resourceVersion(services);
        assertEquals(listed, resourceVersion(list(SLICES)));
        Watch serviceWatch = watch(SERVICES + "?watch=true&resourceVersion=" + listed);
        Watch sliceWatch = watch(SLICES + "?watch=1&resourceVersion=" + listed);
        Watch endpointsWatch = watch(ENDPOINTS + "?watch=true&resourceVersion=" + listed);
        awaitOpenWatches(3);

        api.service("shop", "web", Map.of("kempLB", "Enabled", "tier", "front"), Map.of("vsid", "3"), HTTP);
        api.scale("shop", "web", "10.244.1.1", "10.244.1.2");
        api.scale("other", "db", "10.244.9.8"); // another namespace: not for these watches
        api.service("shop", "api", KEMP, Map.of("vsid", "4"), HTTP);

        List<JsonObject> serviceEvents = serviceWatch.next(2);
        assertEquals(List.of("MODIFIED shop/web", "ADDED shop/api"), describe(serviceEvents));
        assertEquals("front", labels(serviceEvents.get(0)).get("tier").getAsString());
        List<JsonObject> sliceEvents = sliceWatch.next(3);
        assertEquals(List.of("MODIFIED", "MODIFIED", "ADDED"), types(sliceEvents));
        assertEquals("front", labels(sliceEvents.get(0)).get("tier").getAsString()); // slices carry the labels
        assertEquals(1, endpointCount(sliceEvents.get(0)));
        assertEquals(2, endpointCount(sliceEvents.get(1)));
        assertEquals(
                "api",
                labels(sliceEvents.get(2)).get("kubernetes.io/service-name").getAsString());
        List<JsonObject> endpointsEvents = endpointsWatch.next(3);
        assertEquals(List.of("MODIFIED shop/web", "MODIFIED shop/web", "ADDED shop/api"), describe(endpointsEvents));

        // Revisions rise, every one after the list's, and what the lists now hold is what the events last sent.
        List<Long> revisions = new ArrayList<>();
        for (List<JsonObject> events : List.of(serviceEvents, sliceEvents, endpointsEvents)) {
            long previous = listed;
            for (JsonObject event : events) {
                long revision = resourceVersion(event.getAsJsonObject("object"));
                assertTrue(revision > previous, revision + " after " + previous);
                previous = revision;
                revisions.add(revision);
            }
        }
        assertEquals(revisions.size(), revisions.stream().distinct().count(), "one revision per change");
        assertEquals(
                revisions.stream().mapToLong(Long::longValue).max().orElseThrow(),
                resourceVersion(list(SERVICES)),
                "the lists' resourceVersion is the last change's");
        assertEquals(items(list(SERVICES)), List.of(item(serviceEvents.get(1)), item(serviceEvents.get(0))));
        assertEquals(items(list(SLICES)), List.of(item(sliceEvents.get(2)), item(sliceEvents.get(1))));
        assertEquals(items(list(ENDPOINTS)), List.of(item(endpointsEvents.get(2)), item(endpointsEvents.get(1))));
        assertEquals(
                "Service",
                serviceEvents.get(0).getAsJsonObject("object").get("kind").getAsString());
        assertEquals(
                "EndpointSlice",
                sliceEvents.get(0).getAsJsonObject("object").get("kind").getAsString());
        assertEquals(
                "discovery.k8s.io/v1",
                sliceEvents.get(0).getAsJsonObject("object").get("apiVersion").getAsString());

        // Nothing else came before a last, marking change.
        api.delete("shop", "api");
        assertEquals(List.of("DELETED shop/api"), describe(serviceWatch.next(1)));
    }

    @Test
    void aWatchWithoutAResourceVersionStartsWithTheCurrentObjectsAsAdded() throws Exception {
        api.service("shop", "web", KEMP, Map.of(), HTTP).scale("shop", "web", "10.244.1.1");
        api.service("other", "db", KEMP, Map.of(), HTTP);
        JsonObject listed = list("/api/v1/services");
        Watch all = watch("/api/v1/services?watch=true");
        Watch fromZero = watch("/apis/discovery.k8s.io/v1/endpointslices?watch=true&resourceVersion=0");
        Watch endpoints = watch("/api/v1/endpoints?watch=true");
        awaitOpenWatches(3);

        List<JsonObject> added = all.next(2);
        assertEquals(List.of("ADDED other/db", "ADDED shop/web"), describe(added));
        assertEquals(items(listed), List.of(item(added.get(0)), item(added.get(1))));
        assertEquals(List.of("ADDED", "ADDED"), types(fromZero.next(2)));
        assertEquals(List.of("ADDED other/db", "ADDED shop/web"), describe(endpoints.next(2)));
        assertEquals(2, items(list("/apis/discovery.k8s.io/v1/endpointslices")).size());
        assertEquals(2, items(list("/api/v1/endpoints")).size());

        api.delete("other", "db"); // then what changes
        assertEquals(List.of("DELETED other/db"), describe(all.next(1)));
        assertEquals(List.of("DELETED"), types(fromZero.next(1)));
        assertEquals(List.of("DELETED other/db"), describe(endpoints.next(1)));
    }

    // ---- label selectors ----

    @Test
    void aSelectingWatchSeesAnObjectThatStartsToMatchAddedAndOneThatStopsDeleted() throws Exception {
        api.service("shop", "a", Map.of(), Map.of(), HTTP);
        long listed = resourceVersion(list(SERVICES));
        Watch selected =
                watch(SERVICES + "?watch=true&labelSelector=" + q("kempLB=Enabled") + "&resourceVersion=" + listed);
        Watch slices = watch(SLICES + "?watch=true&labelSelector="
                + q("kempLB=Enabled,kubernetes.io/service-name in (a)") + "&resourceVersion=" + listed);
        awaitOpenWatches(2);

        api.service("shop", "b", Map.of("kempLB", "Disabled"), Map.of(), HTTP); // never matches
        api.service("shop", "a", KEMP, Map.of(), HTTP); // starts to match
        api.service("shop", "a", KEMP, Map.of("vsid", "7"), HTTP); // still matches
        api.service("shop", "a", Map.of("kempLB", "Disabled"), Map.of("vsid", "7"), HTTP); // stops
        api.service("shop", "z", KEMP, Map.of(), HTTP); // the marker

        List<JsonObject> events = selected.next(4);
        assertEquals(List.of("ADDED shop/a", "MODIFIED shop/a", "DELETED shop/a", "ADDED shop/z"), describe(events));
        JsonObject gone = events.get(2).getAsJsonObject("object");
        assertEquals("Enabled", labels(events.get(2)).get("kempLB").getAsString(), "its last matching state");
        assertTrue(resourceVersion(gone) > resourceVersion(events.get(1).getAsJsonObject("object")));
        assertTrue(resourceVersion(gone) < resourceVersion(events.get(3).getAsJsonObject("object")));

        assertEquals(List.of("ADDED", "DELETED"), types(slices.next(2)));
        api.service("shop", "a", KEMP, Map.of(), HTTP);
        assertEquals(List.of("ADDED"), types(slices.next(1)));
    }

    @Test
    void aServiceGrowingPastAHundredEndpointsAddsASliceAndShrinkingDeletesIt() throws Exception {
        api.service("shop", "web", KEMP, Map.of(), HTTP).scale("shop", "web", "10.244.0.1");
        api.service("shop", "api", KEMP, Map.of(), HTTP);
        long listed = resourceVersion(list(SLICES));
        Watch slices = watch(SLICES + "?watch=true&resourceVersion=" + listed + "&labelSelector="
                + q("kubernetes.io/service-name=web"));
        awaitOpenWatches(1);

        api.scale("shop", "web", ips(150));
        List<JsonObject> grown = slices.next(2);
        assertEquals(List.of("MODIFIED", "ADDED"), types(grown));
        assertEquals(100, endpointCount(grown.get(0)));
        assertEquals(50, endpointCount(grown.get(1)));
        String second = name(grown.get(1));
        assertFalse(second.equals(name(grown.get(0))));

        api.scale("shop", "web", ips(3));
        List<JsonObject> shrunk = slices.next(2);
        assertEquals(List.of("MODIFIED", "DELETED"), types(shrunk));
        assertEquals(3, endpointCount(shrunk.get(0)));
        assertEquals(second, name(shrunk.get(1)));
        assertTrue(resourceVersion(shrunk.get(1).getAsJsonObject("object"))
                > resourceVersion(shrunk.get(0).getAsJsonObject("object")));

        api.scale("shop", "web", ips(3)); // the same endpoints: no change, so no event before the marker
        api.scale("shop", "web", ips(4));
        List<JsonObject> marker = slices.next(1);
        assertEquals(List.of("MODIFIED"), types(marker));
        assertEquals(4, endpointCount(marker.get(0)));
    }

    @Test
    void deletingAServiceDeletesItsSlicesAndEndpoints() throws Exception {
        api.service("shop", "web", KEMP, Map.of(), HTTP).scale("shop", "web", ips(120));
        long listed = resourceVersion(list(SERVICES));
        Watch services = watch(SERVICES + "?watch=true&resourceVersion=" + listed);
        Watch slices = watch(SLICES + "?watch=true&resourceVersion=" + listed);
        Watch endpoints = watch(ENDPOINTS + "?watch=true&resourceVersion=" + listed);
        awaitOpenWatches(3);

        api.delete("shop", "web");

        List<JsonObject> service = services.next(1);
        assertEquals(List.of("DELETED shop/web"), describe(service));
        List<JsonObject> deletedSlices = slices.next(2);
        assertEquals(List.of("DELETED", "DELETED"), types(deletedSlices));
        assertEquals(100, endpointCount(deletedSlices.get(0)), "the last state of what is deleted");
        assertEquals(List.of("DELETED shop/web"), describe(endpoints.next(1)));
        long deletedAt = resourceVersion(service.get(0).getAsJsonObject("object"));
        assertTrue(deletedAt > listed);
        assertEquals(List.of(), items(list(SLICES)));
        assertEquals(List.of(), items(list(ENDPOINTS)));
    }

    // ---- ends: timeouts, bookmarks, compaction, failures, broken connections ----

    @Test
    void aWatchEndsAfterItsTimeoutWithABookmarkWhenItAllowsThem() throws Exception {
        api.service("shop", "web", KEMP, Map.of(), HTTP);
        long listed = resourceVersion(list(SERVICES));
        api.service("shop", "api", KEMP, Map.of(), HTTP);
        Watch bookmarked =
                watch(SERVICES + "?watch=true&timeoutSeconds=1&allowWatchBookmarks=true&resourceVersion=" + listed);
        Watch plain = watch(SERVICES + "?watch=true&timeoutSeconds=1&resourceVersion=" + listed);

        List<JsonObject> events = bookmarked.next(2);
        assertEquals(List.of("ADDED", "BOOKMARK"), types(events));
        JsonObject bookmark = events.get(1).getAsJsonObject("object");
        assertEquals(
                JsonParser.parseString(
                        "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\""
                                + resourceVersion(list(SERVICES)) + "\"}}"),
                bookmark);
        assertSame(Watch.END, bookmarked.end(), "a clean end of the response");
        assertEquals(List.of("ADDED"), types(plain.next(1)));
        assertSame(Watch.END, plain.end());
        awaitOpenWatches(0);
    }

    @Test
    void anIdleWatchThatAllowsBookmarksGetsOneEveryBookmarkInterval() throws Exception {
        api.bookmarkInterval(Duration.ofMillis(200));
        long listed = resourceVersion(list(SERVICES));
        Watch watch = watch(SERVICES + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + listed);
        Watch without = watch(SERVICES + "?watch=true&resourceVersion=" + listed);
        awaitOpenWatches(2);

        JsonObject first = watch.next(1).get(0);
        assertEquals("BOOKMARK", first.get("type").getAsString());
        assertEquals(listed, resourceVersion(first.getAsJsonObject("object")));
        api.service("shop", "web", KEMP, Map.of(), HTTP);
        JsonObject next = watch.next(1).get(0);
        while (next.get("type").getAsString().equals("BOOKMARK")) { // one may have raced the change
            next = watch.next(1).get(0);
        }
        assertEquals("ADDED", next.get("type").getAsString());
        JsonObject after = watch.next(1).get(0);
        assertEquals("BOOKMARK", after.get("type").getAsString());
        assertEquals(resourceVersion(list(SERVICES)), resourceVersion(after.getAsJsonObject("object")), "now's");
        assertEquals(List.of("ADDED"), types(without.next(1)), "no bookmarks unless asked for");
    }

    @Test
    void aWatchFromARevisionOlderThanTheHistoryGetsAnExpiredError() throws Exception {
        api.service("shop", "web", KEMP, Map.of(), HTTP);
        long listed = resourceVersion(list(SERVICES));
        api.scale("shop", "web", "10.244.0.1");
        api.compactHistory();
        long now = resourceVersion(list(SERVICES));

        Watch old = watch(SERVICES + "?watch=true&resourceVersion=" + listed);
        assertEquals(200, old.code);
        JsonObject error = old.next(1).get(0);
        assertEquals("ERROR", error.get("type").getAsString());
        JsonObject status = error.getAsJsonObject("object");
        assertEquals("Status", status.get("kind").getAsString());
        assertEquals("Failure", status.get("status").getAsString());
        assertEquals(410, status.get("code").getAsInt());
        assertEquals("Expired", status.get("reason").getAsString());
        assertEquals(
                "too old resource version: " + listed + " (" + now + ")",
                status.get("message").getAsString());
        assertSame(Watch.END, old.end());

        Watch current = watch(SERVICES + "?watch=true&resourceVersion=" + now); // listing again is enough
        awaitOpenWatches(1);
        api.service("shop", "api", KEMP, Map.of(), HTTP);
        assertEquals(List.of("ADDED shop/api"), describe(current.next(1)));
    }

    @Test
    void aWatchFromARevisionNotYetReachedGetsATooLargeErrorUnlessItIsReachedInTime() throws Exception {
        long now = resourceVersion(list(SERVICES));
        Watch reached = watch(SERVICES + "?watch=true&resourceVersion=" + (now + 2));
        Watch unreached = watch(SERVICES + "?watch=true&resourceVersion=" + (now + 1000));
        awaitOpenWatches(2);
        api.service("shop", "web", KEMP, Map.of(), HTTP); // the Service, its slice and its Endpoints: now + 3
        api.service("shop", "api", KEMP, Map.of(), HTTP);

        assertEquals(List.of("ADDED shop/api"), describe(reached.next(1)));
        JsonObject error = unreached.next(1).get(0);
        assertEquals("ERROR", error.get("type").getAsString());
        assertEquals(504, error.getAsJsonObject("object").get("code").getAsInt());
        assertEquals(
                "Too large resource version: " + (now + 1000) + ", current: " + (now + 6),
                error.getAsJsonObject("object").get("message").getAsString());
        assertSame(Watch.END, unreached.end());
    }

    @Test
    void anInjectedFailureAnswersAWatchBeforeAnyEvent() throws Exception {
        api.service("shop", "web", KEMP, Map.of(), HTTP);
        api.failNext(SERVICES, 1, 403).failNext("/api/v1/endpoints", 1, 500);
        int before = api.requests();

        Watch forbidden = watch(SERVICES + "?watch=true");
        assertEquals(403, forbidden.code);
        assertEquals("Forbidden", forbidden.error.get("reason").getAsString());
        assertTrue(
                forbidden.error.get("message").getAsString().contains("cannot watch resource \"services\""),
                forbidden.error.toString());
        Watch failed = watch("/api/v1/endpoints?watch=true");
        assertEquals(500, failed.code);
        assertEquals("InternalError", failed.error.get("reason").getAsString());

        Watch again = watch(SERVICES + "?watch=true");
        assertEquals(200, again.code);
        assertEquals(List.of("ADDED shop/web"), describe(again.next(1)));
        assertEquals(before + 3, api.requests(), "watches count as requests");
    }

    @Test
    void droppedWatchesBreakOffWithoutAnotherEvent() throws Exception {
        long listed = resourceVersion(list(SERVICES));
        Watch first = watch(SERVICES + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + listed);
        Watch second = watch("/api/v1/endpoints?watch=true&allowWatchBookmarks=true");
        awaitOpenWatches(2);

        api.dropWatches();

        for (Watch watch : List.of(first, second)) {
            Object end = watch.end();
            assertTrue(end instanceof IOException, "not a clean end but a broken response: " + end);
        }
        awaitOpenWatches(0);
        Watch next = watch(SERVICES + "?watch=true&resourceVersion=" + listed); // a new watch is not dropped
        awaitOpenWatches(1);
        api.service("shop", "web", KEMP, Map.of(), HTTP);
        assertEquals(List.of("ADDED shop/web"), describe(next.next(1)));
    }

    @Test
    void closingReturnsPromptlyWithWatchesOpen() throws Exception {
        for (int i = 0; i < 3; i++) {
            watch(SERVICES + "?watch=true&allowWatchBookmarks=true");
        }
        awaitOpenWatches(3);
        long start = System.nanoTime();
        api.close();
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
        for (Watch watch : watches) {
            Object end = watch.end();
            assertTrue(end == Watch.END || end instanceof IOException, String.valueOf(end));
        }
    }

    @Test
    void listsAreAnsweredWhileManyWatchesAreOpen() throws Exception {
        api.service("shop", "web", KEMP, Map.of(), HTTP);
        for (int i = 0; i < 8; i++) {
            watch((i % 2 == 0 ? SERVICES : SLICES) + "?watch=true");
        }
        awaitOpenWatches(8);
        assertEquals(1, items(list(SERVICES)).size());
        assertEquals(1, items(list(ENDPOINTS)).size());
        assertEquals(8, api.openWatches());
    }

    // ---- Nodes ----

    static final String NODES = "/api/v1/nodes";

    /** {@code TYPE name} of each event on cluster-scoped objects. */
    static List<String> describeNodes(List<JsonObject> events) {
        return events.stream()
                .map(e -> e.get("type").getAsString() + " " + name(e))
                .toList();
    }

    @Test
    void aNodeWatchSeesNodesAddedChangedAndDeletedAndResumesFromAResourceVersion() throws Exception {
        api.node("node-1", "192.168.50.11");
        JsonObject listed = list(NODES);
        long listedAt = resourceVersion(listed);
        Watch fromList = watch(NODES + "?watch=true&resourceVersion=" + listedAt);
        Watch fromNow = watch(NODES + "?watch=true");
        Watch selected = watch(NODES + "?watch=true&resourceVersion=" + listedAt + "&labelSelector="
                + q("!" + Node.EXCLUDE_FROM_EXTERNAL_LOAD_BALANCERS));
        awaitOpenWatches(3);
        List<JsonObject> initial = fromNow.next(1);
        assertEquals(List.of("ADDED node-1"), describeNodes(initial));
        assertEquals(items(listed), List.of(item(initial.get(0))));

        api.node("node-2", "192.168.50.12");
        api.node(Node.of("node-1", "192.168.50.11").cordoned());
        api.service("shop", "web", KEMP, Map.of(), HTTP); // not a node: not on these watches
        api.node(Node.of("node-2", "192.168.50.12").excludedFromExternalLoadBalancers());
        api.node(Node.of("node-1", "192.168.50.11").cordoned()); // no change, no event
        api.deleteNode("node-1");

        List<JsonObject> events = fromList.next(4);
        assertEquals(
                List.of("ADDED node-2", "MODIFIED node-1", "MODIFIED node-2", "DELETED node-1"), describeNodes(events));
        assertEquals("Node", events.get(0).getAsJsonObject("object").get("kind").getAsString());
        assertEquals(
                "v1", events.get(0).getAsJsonObject("object").get("apiVersion").getAsString());
        assertTrue(events.get(1)
                .getAsJsonObject("object")
                .getAsJsonObject("spec")
                .get("unschedulable")
                .getAsBoolean());
        assertTrue(
                events.get(3)
                        .getAsJsonObject("object")
                        .getAsJsonObject("spec")
                        .get("unschedulable")
                        .getAsBoolean(),
                "the last state of what is deleted");
        long previous = listedAt;
        for (JsonObject event : events) {
            long revision = resourceVersion(event.getAsJsonObject("object"));
            assertTrue(revision > previous, revision + " after " + previous);
            previous = revision;
        }
        assertEquals(previous, resourceVersion(list(NODES)), "the list's resourceVersion is the last change's");
        assertEquals(describeNodes(events), describeNodes(fromNow.next(4)));
        assertEquals(
                List.of("ADDED node-2", "MODIFIED node-1", "DELETED node-2", "DELETED node-1"),
                describeNodes(selected.next(4)),
                "a node labelled to be excluded stops matching");

        // A watch from a resourceVersion in between gets exactly what came after it.
        long afterCordon = resourceVersion(events.get(1).getAsJsonObject("object"));
        Watch resumed = watch(NODES + "?watch=true&resourceVersion=" + afterCordon);
        assertEquals(List.of("MODIFIED node-2", "DELETED node-1"), describeNodes(resumed.next(2)));
        awaitOpenWatches(4);
        api.node("node-3", "192.168.50.13");
        assertEquals(List.of("ADDED node-3"), describeNodes(resumed.next(1)));
    }

    @Test
    void anInjectedFailureAnswersANodeWatchAndCompactionExpiresOne() throws Exception {
        api.node("node-1", "192.168.50.11");
        long listed = resourceVersion(list(NODES));
        api.failNext(NODES, 1, 403);
        Watch forbidden = watch(NODES + "?watch=true&resourceVersion=" + listed);
        assertEquals(403, forbidden.code);
        assertTrue(
                forbidden.error.get("message").getAsString().contains("cannot watch resource \"nodes\""),
                forbidden.error.toString());

        api.node(Node.of("node-1", "192.168.50.11").notReady());
        api.compactHistory();
        Watch old = watch(NODES + "?watch=true&resourceVersion=" + listed);
        JsonObject error = old.next(1).get(0);
        assertEquals("ERROR", error.get("type").getAsString());
        assertEquals(410, error.getAsJsonObject("object").get("code").getAsInt());
        assertSame(Watch.END, old.end());
    }

    // ---- helpers ----

    /** A watch response, read line by line on a thread of its own. */
    final class Watch {
        static final Object END = new Object();

        final HttpsURLConnection connection;
        final int code;
        final JsonObject error;
        final BlockingQueue<Object> lines = new LinkedBlockingQueue<>();

        Watch(String target) throws IOException {
            connection = open(target);
            code = connection.getResponseCode();
            if (code != 200) {
                assertEquals("application/json", connection.getContentType());
                try (InputStream in = connection.getErrorStream()) {
                    error = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .getAsJsonObject();
                }
                assertEquals(code, error.get("code").getAsInt());
                return;
            }
            error = null;
            assertEquals("application/json", connection.getContentType());
            assertEquals("chunked", connection.getHeaderField("Transfer-Encoding"));
            InputStream in = connection.getInputStream();
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader lineReader =
                                new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                            for (String line; (line = lineReader.readLine()) != null; ) {
                                lines.add(line);
                            }
                            lines.add(END);
                        } catch (IOException e) {
                            lines.add(e);
                        }
                    },
                    "watch " + target);
            reader.setDaemon(true);
            reader.start();
        }

        /** The next {@code n} events; fails if they do not come in time or the response ends first. */
        List<JsonObject> next(int n) throws InterruptedException {
            List<JsonObject> events = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Object line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertNotNull(line, "no event within " + WAIT + " after " + events);
                if (!(line instanceof String)) {
                    fail("the watch ended (" + line + ") after " + events);
                }
                events.add(JsonParser.parseString((String) line).getAsJsonObject());
            }
            return events;
        }

        /** How the response ends: {@link #END} for a clean end, else the IOException; fails on another event. */
        Object end() throws InterruptedException {
            Object line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(line, "the watch did not end within " + WAIT);
            assertFalse(line instanceof String, "an event instead of the end: " + line);
            return line;
        }

        void close() {
            connection.disconnect();
        }
    }

    Watch watch(String target) throws IOException {
        Watch watch = new Watch(target);
        watches.add(watch);
        return watch;
    }

    HttpsURLConnection open(String target) throws IOException {
        HttpsURLConnection connection =
                (HttpsURLConnection) api.url().resolve(target).toURL().openConnection();
        connection.setSSLSocketFactory(tls);
        connection.setRequestProperty("Authorization", "Bearer " + TOKEN);
        connection.setRequestProperty("Accept", "application/json");
        connection.setConnectTimeout((int) WAIT.toMillis());
        return connection;
    }

    JsonObject list(String target) throws IOException {
        HttpsURLConnection connection = open(target);
        connection.setReadTimeout((int) WAIT.toMillis());
        try {
            assertEquals(200, connection.getResponseCode(), target);
            try (InputStream in = connection.getInputStream()) {
                return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .getAsJsonObject();
            }
        } finally {
            connection.disconnect();
        }
    }

    void awaitOpenWatches(int count) throws InterruptedException {
        await(() -> api.openWatches() == count, count + " open watches (" + api.openWatches() + ")");
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("no " + what + " within " + WAIT);
            }
            Thread.sleep(10);
        }
    }

    static long resourceVersion(JsonObject object) {
        return Long.parseLong(
                object.getAsJsonObject("metadata").get("resourceVersion").getAsString());
    }

    static List<JsonElement> items(JsonObject list) {
        List<JsonElement> items = new ArrayList<>();
        list.getAsJsonArray("items").forEach(items::add);
        return items;
    }

    /** An event's object as a list item: without the kind and apiVersion a watch adds. */
    static JsonElement item(JsonObject event) {
        JsonObject object = event.getAsJsonObject("object").deepCopy();
        if (!object.get("kind").getAsString().equals("Endpoints")) { // Endpoints items carry them in lists too
            object.remove("kind");
            object.remove("apiVersion");
        }
        return object;
    }

    static List<String> types(List<JsonObject> events) {
        return events.stream().map(e -> e.get("type").getAsString()).toList();
    }

    /** {@code TYPE ns/name} of each event. */
    static List<String> describe(List<JsonObject> events) {
        return events.stream()
                .map(e -> {
                    JsonObject meta = e.getAsJsonObject("object").getAsJsonObject("metadata");
                    return e.get("type").getAsString() + " "
                            + meta.get("namespace").getAsString() + "/"
                            + meta.get("name").getAsString();
                })
                .toList();
    }

    static String name(JsonObject event) {
        return event.getAsJsonObject("object")
                .getAsJsonObject("metadata")
                .get("name")
                .getAsString();
    }

    static JsonObject labels(JsonObject event) {
        return event.getAsJsonObject("object").getAsJsonObject("metadata").getAsJsonObject("labels");
    }

    static int endpointCount(JsonObject event) {
        JsonElement endpoints = event.getAsJsonObject("object").get("endpoints");
        return endpoints == null ? 0 : endpoints.getAsJsonArray().size();
    }

    static String[] ips(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "10.244." + (i / 250) + "." + (i % 250 + 1))
                .toArray(String[]::new);
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
