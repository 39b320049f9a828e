package kubelmagent.kube;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.Optional;
import kubelmagent.http.ApiObserver;
import kubelmagent.http.Backoff;
import kubelmagent.http.Transport;
import kubelmagent.secret.Secret;

/**
 * Reads and writes single objects in one namespace: the Lease and the ledger's ConfigMaps of HA. The only
 * place the agent writes to Kubernetes, and only when {@code ha} is configured. Every update carries the
 * {@code metadata.resourceVersion} the object was read with, so the API server applies it only if nobody wrote
 * the object since (compare-and-swap); it answers 409 otherwise, and {@link ObjectStoreException#conflict()} says so.
 * Nothing is sent twice: whoever asked decides, by reading again, what to do after a failure.
 */
public final class KubernetesObjectStore implements ObjectStore, AutoCloseable {

    private final KubernetesConnection connection;
    private final String namespace;
    private final KubernetesApi api;

    /**
     * @param timeout how long one request may take: shorter than the connection's own timeout when a Lease must
     *                be renewed within a deadline
     */
    public KubernetesObjectStore(
            KubernetesConnection connection, String namespace, Duration timeout, ApiObserver observer) {
        this.connection = connection;
        this.namespace = namespace;
        Duration perRequest = timeout.compareTo(connection.timeout()) < 0 ? timeout : connection.timeout();
        this.api = new KubernetesApi(
                Transport.create(connection.tls(), perRequest, KubernetesApi.MAX_BODY_BYTES, observer),
                connection.server(),
                new ApiFailures(connection.server(), perRequest, ApiFailures.rejectedCredentials(connection)),
                Backoff.NONE);
    }

    @Override
    public String namespace() {
        return namespace;
    }

    @Override
    public Optional<JsonObject> get(Kind kind, String name) throws ObjectStoreException {
        ApiRequest request = ApiRequest.object("get", kind.apiVersion(), kind.resource(), namespace, name);
        try {
            return api.getIfExists(request, token(), JsonObject.class);
        } catch (KubernetesApiException e) {
            throw new ObjectStoreException(e);
        }
    }

    @Override
    public JsonObject create(Kind kind, JsonObject object) throws ObjectStoreException {
        object.addProperty("apiVersion", kind.apiVersion());
        object.addProperty("kind", kind.kind());
        ObjectStore.metadata(object).addProperty("namespace", namespace);
        ApiRequest request = ApiRequest.object("create", kind.apiVersion(), kind.resource(), namespace, null);
        return write(request, object);
    }

    @Override
    public JsonObject replace(Kind kind, JsonObject object) throws ObjectStoreException {
        String name = ObjectStore.metadata(object).get("name").getAsString();
        if (ObjectStore.resourceVersion(object) == null) {
            throw new IllegalArgumentException("an update without resourceVersion would not be a compare-and-swap");
        }
        ApiRequest request = ApiRequest.object("update", kind.apiVersion(), kind.resource(), namespace, name);
        return write(request, object);
    }

    private JsonObject write(ApiRequest request, JsonObject object) throws ObjectStoreException {
        try {
            return api.write(request, object.toString(), token(), JsonObject.class);
        } catch (KubernetesApiException e) {
            throw new ObjectStoreException(e);
        }
    }

    private Secret token() throws ObjectStoreException {
        try {
            return BearerToken.current(connection);
        } catch (BearerToken.TokenException e) {
            throw new ObjectStoreException(e.getMessage(), 0);
        }
    }

    @Override
    public void close() {
        api.close();
    }
}
