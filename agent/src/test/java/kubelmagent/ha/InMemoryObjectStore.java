package kubelmagent.ha;

import com.google.gson.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import kubelmagent.kube.ObjectStore;
import kubelmagent.kube.ObjectStoreException;

/**
 * An API server's object storage for one namespace, as far as HA uses it: objects by kind and name, a
 * {@code resourceVersion} that changes with every write, and a replace that succeeds only with the current one
 * (409 otherwise), as the real API server answers. Failures can be queued for the next requests. Shared by the
 * "two agents" of a test, as the real store is.
 */
public final class InMemoryObjectStore implements ObjectStore {

    /** One request the store answered, for tests that count them. */
    public record Request(String verb, String kind, String name) {}

    private final Map<String, JsonObject> objects = new HashMap<>();
    private final Deque<ObjectStoreException> failures = new ArrayDeque<>();
    private final List<Request> requests = new ArrayList<>();
    private long version = 100;
    /** Writes still let through before every further one fails without an answer; -1: no limit. */
    private int writesLeft = -1;
    /** Runs when the next get arrives, before it is answered: a slow API server. */
    private Runnable beforeNextGet;
    /** Runs before the next replace is applied: another agent's requests, arriving in between. */
    private Runnable beforeNextReplace;
    /** A write that fails after it took effect, as when the answer is lost on the way back. */
    private boolean loseNextAnswer;

    @Override
    public String namespace() {
        return "kube-lm-agent";
    }

    @Override
    public synchronized Optional<JsonObject> get(Kind kind, String name) throws ObjectStoreException {
        note("get", kind, name);
        Runnable slow = beforeNextGet;
        beforeNextGet = null;
        if (slow != null) {
            slow.run();
        }
        JsonObject o = objects.get(key(kind, name));
        return Optional.ofNullable(o == null ? null : o.deepCopy());
    }

    @Override
    public synchronized JsonObject create(Kind kind, JsonObject object) throws ObjectStoreException {
        String name = ObjectStore.metadata(object).get("name").getAsString();
        note("create", kind, name);
        if (objects.containsKey(key(kind, name))) {
            throw new ObjectStoreException(kind.resource() + " \"" + name + "\" already exists", 409);
        }
        return store(kind, name, object);
    }

    @Override
    public synchronized JsonObject replace(Kind kind, JsonObject object) throws ObjectStoreException {
        String name = ObjectStore.metadata(object).get("name").getAsString();
        note("update", kind, name);
        Runnable between = beforeNextReplace;
        beforeNextReplace = null;
        if (between != null) {
            between.run();
        }
        JsonObject current = objects.get(key(kind, name));
        if (current == null) {
            throw new ObjectStoreException(kind.resource() + " \"" + name + "\" not found", 404);
        }
        if (!ObjectStore.resourceVersion(current).equals(ObjectStore.resourceVersion(object))) {
            throw new ObjectStoreException(
                    "the object has been modified; please apply your changes to the latest" + " version and try again",
                    409);
        }
        return store(kind, name, object);
    }

    private JsonObject store(Kind kind, String name, JsonObject object) throws ObjectStoreException {
        JsonObject stored = object.deepCopy();
        ObjectStore.metadata(stored).addProperty("resourceVersion", Long.toString(++version));
        objects.put(key(kind, name), stored);
        if (loseNextAnswer) {
            loseNextAnswer = false;
            throw new ObjectStoreException("Kubernetes API did not answer within 5s", 0);
        }
        return stored.deepCopy();
    }

    private void note(String verb, Kind kind, String name) throws ObjectStoreException {
        requests.add(new Request(verb, kind.resource(), name));
        if (!verb.equals("get") && writesLeft >= 0) {
            if (writesLeft == 0) {
                throw new ObjectStoreException("Kubernetes API did not answer within 5s (test)", 0);
            }
            writesLeft--;
        }
        ObjectStoreException failure = failures.poll();
        if (failure != null) {
            throw failure;
        }
    }

    /** The next request fails with {@code status} (0: no answer), before it has any effect. */
    public synchronized void failNext(int status) {
        failures.add(new ObjectStoreException("failure injected by the test (" + status + ")", status));
    }

    /** Runs {@code slow} when the next get arrives, before it is answered. */
    public synchronized void beforeNextGet(Runnable slow) {
        beforeNextGet = slow;
    }

    /** Lets {@code n} more writes through; every one after them fails without an answer and without effect. */
    public synchronized void failWritesAfter(int n) {
        writesLeft = n;
    }

    /** Runs {@code between} when the next replace arrives, before it is applied (the store is reentrant). */
    public synchronized void beforeNextReplace(Runnable between) {
        beforeNextReplace = between;
    }

    /** The next write takes effect, but its answer is lost (no answer). */
    public synchronized void loseNextAnswer() {
        loseNextAnswer = true;
    }

    /** An object as stored, as a person with kubectl would see it. */
    public synchronized JsonObject object(Kind kind, String name) {
        JsonObject o = objects.get(key(kind, name));
        return o == null ? null : o.deepCopy();
    }

    /** Writes an object as a person with kubectl would (no compare-and-swap). */
    public synchronized void edit(Kind kind, JsonObject object) {
        String name = ObjectStore.metadata(object).get("name").getAsString();
        JsonObject stored = object.deepCopy();
        ObjectStore.metadata(stored).addProperty("resourceVersion", Long.toString(++version));
        objects.put(key(kind, name), stored);
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    public synchronized List<String> names(Kind kind) {
        return objects.keySet().stream()
                .filter(k -> k.startsWith(kind.resource() + "/"))
                .map(k -> k.substring(kind.resource().length() + 1))
                .sorted()
                .toList();
    }

    private static String key(Kind kind, String name) {
        return kind.resource() + "/" + name;
    }
}
