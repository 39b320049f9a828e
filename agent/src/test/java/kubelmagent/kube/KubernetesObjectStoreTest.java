package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import kubelmagent.http.ApiObserver;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The one place the agent writes to Kubernetes: requests as the API server expects them, answers as it gives them. */
class KubernetesObjectStoreTest {

    static final String LEASE = "/apis/coordination.k8s.io/v1/namespaces/kube-lm-agent/leases/kube-lm-agent";
    static final String CONFIG_MAPS = "/api/v1/namespaces/kube-lm-agent/configmaps";

    FakeApiServer api;
    KubernetesObjectStore store;

    @BeforeEach
    void start() throws IOException {
        api = new FakeApiServer();
        api.start();
        store = new KubernetesObjectStore(api.connection(), "kube-lm-agent", Duration.ofSeconds(5), ApiObserver.NONE);
    }

    @AfterEach
    void stop() {
        store.close();
        api.close();
    }

    static JsonObject lease(String resourceVersion) {
        JsonObject lease = JsonParser.parseString("{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
                        + "\"metadata\":{\"name\":\"kube-lm-agent\",\"namespace\":\"kube-lm-agent\",\"resourceVersion\":\""
                        + resourceVersion + "\"},\"spec\":{\"holderIdentity\":\"node-a\",\"leaseDurationSeconds\":15}}")
                .getAsJsonObject();
        return lease;
    }

    static String statusBody(int code, String reason, String message) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"" + message
                + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}";
    }

    RecordedRequest only() {
        List<RecordedRequest> requests = api.requests();
        assertEquals(1, requests.size(), "sent once, never again");
        return requests.get(0);
    }

    @Test
    void readsAnObjectByNameAndAnAbsentOneAsEmpty() throws IOException {
        api.on(LEASE, FakeApiServer.json(200, lease("4711").toString()));
        assertEquals(
                "4711",
                ObjectStore.resourceVersion(
                        store.get(ObjectStore.Kind.LEASE, "kube-lm-agent").orElseThrow()));
        assertTrue(
                store.get(ObjectStore.Kind.CONFIG_MAP, "kube-lm-agent-ledger").isEmpty());
    }

    @Test
    void replacesWithAPutThatCarriesTheResourceVersionItRead() throws Exception {
        api.on(LEASE, FakeApiServer.json(200, lease("4712").toString()));

        JsonObject stored = store.replace(ObjectStore.Kind.LEASE, lease("4711"));

        assertEquals("4712", ObjectStore.resourceVersion(stored));
        RecordedRequest put = only();
        assertEquals("PUT", put.getMethod());
        assertEquals(LEASE, put.getUrl().encodedPath());
        assertEquals("Bearer " + FakeApiServer.TOKEN, put.getHeaders().get("Authorization"));
        assertTrue(put.getHeaders().get("Content-Type").startsWith("application/json"));
        JsonObject body = JsonParser.parseString(put.getBody().utf8()).getAsJsonObject();
        assertEquals("4711", ObjectStore.resourceVersion(body));
    }

    @Test
    void createsWithAPostToTheCollectionNamingKindAndNamespace() throws Exception {
        api.on(CONFIG_MAPS, FakeApiServer.json(201, "{\"metadata\":{\"name\":\"l\",\"resourceVersion\":\"9\"}}"));
        JsonObject configMap = new JsonObject();
        ObjectStore.metadata(configMap).addProperty("name", "kube-lm-agent-ledger");

        store.create(ObjectStore.Kind.CONFIG_MAP, configMap);

        RecordedRequest post = only();
        assertEquals("POST", post.getMethod());
        JsonObject body = JsonParser.parseString(post.getBody().utf8()).getAsJsonObject();
        assertEquals("v1", body.get("apiVersion").getAsString());
        assertEquals("ConfigMap", body.get("kind").getAsString());
        assertEquals(
                "kube-lm-agent", ObjectStore.metadata(body).get("namespace").getAsString());
    }

    @Test
    void aConflictIsToldApartFromOtherFailures() {
        api.on(
                LEASE,
                FakeApiServer.json(
                        409,
                        statusBody(
                                409,
                                "Conflict",
                                "Operation cannot be fulfilled on"
                                        + " leases.coordination.k8s.io \\\"kube-lm-agent\\\": the object has been modified")));

        ObjectStoreException e =
                assertThrows(ObjectStoreException.class, () -> store.replace(ObjectStore.Kind.LEASE, lease("4711")));

        assertTrue(e.conflict());
        assertEquals(1, api.requests().size());
    }

    @Test
    void aForbiddenWriteNamesTheRuleTheRoleLacksAndNeverTheToken() {
        api.on(
                LEASE,
                FakeApiServer.json(
                        403,
                        statusBody(
                                403,
                                "Forbidden",
                                "leases.coordination.k8s.io"
                                        + " \\\"kube-lm-agent\\\" is forbidden: User cannot update resource")));

        ObjectStoreException e =
                assertThrows(ObjectStoreException.class, () -> store.replace(ObjectStore.Kind.LEASE, lease("4711")));

        assertFalse(e.conflict());
        assertEquals(403, e.status());
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "Kubernetes API answered 403 Forbidden to PUT " + LEASE + ": the account"
                                        + " may not update leases.coordination.k8s.io in namespace kube-lm-agent; add the RBAC rule"
                                        + " {apiGroups: [\"coordination.k8s.io\"], resources: [\"leases\"], verbs: [\"update\"]}"),
                e.getMessage());
        assertFalse(e.getMessage().contains(FakeApiServer.TOKEN));
    }

    @Test
    void aWriteThatFailsWithA5xxIsNotSentAgain() {
        api.on(LEASE, FakeApiServer.json(503, statusBody(503, "ServiceUnavailable", "etcd is down")));

        ObjectStoreException e =
                assertThrows(ObjectStoreException.class, () -> store.replace(ObjectStore.Kind.LEASE, lease("4711")));

        assertEquals(503, e.status());
        only();
    }
}
