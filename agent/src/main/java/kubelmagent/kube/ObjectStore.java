package kubelmagent.kube;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Optional;

/**
 * Single objects in one namespace, read and written whole: the Lease and the ledger's ConfigMaps of HA. Every
 * replace carries the {@code metadata.resourceVersion} the object was read with, and takes effect only if nobody
 * wrote the object since (compare-and-swap); {@link ObjectStoreException#conflict()} says when it did not.
 * Nothing is sent twice: after a failure, whoever asked reads the object again and decides.
 */
public interface ObjectStore {

    /** What kind of object: its {@code apiVersion} and resource name, as URLs and RBAC rules name them. */
    record Kind(String apiVersion, String kind, String resource) {
        public static final Kind LEASE = new Kind("coordination.k8s.io/v1", "Lease", "leases");
        public static final Kind CONFIG_MAP = new Kind("v1", "ConfigMap", "configmaps");
    }

    /** The namespace the objects live in. */
    String namespace();

    /** The object, or empty if there is none of that name. */
    Optional<JsonObject> get(Kind kind, String name) throws ObjectStoreException;

    /**
     * Creates {@code object} (its {@code metadata.name} set); a conflict if it exists already.
     *
     * @return the object as stored, with its {@code resourceVersion}
     */
    JsonObject create(Kind kind, JsonObject object) throws ObjectStoreException;

    /**
     * Replaces the object of {@code object}'s name, if its {@code resourceVersion} is still the one {@code object}
     * carries; a conflict otherwise.
     *
     * @return the object as stored, with its new {@code resourceVersion}
     */
    JsonObject replace(Kind kind, JsonObject object) throws ObjectStoreException;

    /** The object's {@code metadata}, made if it has none. */
    static JsonObject metadata(JsonObject object) {
        if (!object.has("metadata") || !object.get("metadata").isJsonObject()) {
            object.add("metadata", new JsonObject());
        }
        return object.getAsJsonObject("metadata");
    }

    /** The object's {@code metadata.resourceVersion}, or null. */
    static String resourceVersion(JsonObject object) {
        JsonElement rv = metadata(object).get("resourceVersion");
        return rv == null || rv.isJsonNull() ? null : rv.getAsString();
    }

    /** The object's annotation {@code key}, or null. */
    static String annotation(JsonObject object, String key) {
        JsonObject annotations = metadata(object).getAsJsonObject("annotations");
        JsonElement value = annotations == null ? null : annotations.get(key);
        return value == null || value.isJsonNull() ? null : value.getAsString();
    }

    /** Sets the object's annotation {@code key}. */
    static void annotate(JsonObject object, String key, String value) {
        JsonObject metadata = metadata(object);
        if (!metadata.has("annotations") || !metadata.get("annotations").isJsonObject()) {
            metadata.add("annotations", new JsonObject());
        }
        metadata.getAsJsonObject("annotations").addProperty(key, value);
    }
}
