package kubelmagent.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import kubelmagent.kube.DesiredStateSource;
import kubelmagent.model.DesiredService;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Member;
import kubelmagent.model.Problem;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.SkippedService;
import kubelmagent.model.VirtualServiceId;

/** A desired-state source the test scripts: Services with pods, bad annotations, failed reads. */
final class ScriptedSource implements DesiredStateSource {

    private final Map<ServiceRef, DesiredService> services = new TreeMap<>();
    private final Map<ServiceRef, SkippedService> broken = new TreeMap<>();
    private final List<DesiredService> bindings = new ArrayList<>();
    private Problem readFailure;

    /** A single-port Service bound to {@code vsid} whose pods 10.244.1.1.. serve on 8080. */
    ScriptedSource service(String name, int vsid, int pods) {
        TreeSet<Member> members = new TreeSet<>();
        for (int i = 1; i <= pods; i++) {
            members.add(pod(i));
        }
        ServiceRef ref = ref(name);
        broken.remove(ref);
        services.put(
                ref,
                new DesiredService(
                        ref, VirtualServiceId.of(vsid), List.of(new ServicePort("http", 80, "TCP", members))));
        return this;
    }

    /** A binding as given: for a Service on several VSs, or with members of both address families. */
    ScriptedSource bound(DesiredService binding) {
        bindings.add(binding);
        return this;
    }

    /** Some pods of the Service are terminating but still serving: they move from ready to draining. */
    ScriptedSource drain(String name, int... pods) {
        ServiceRef ref = ref(name);
        DesiredService before = services.get(ref);
        ServicePort port = before.ports().get(0);
        TreeSet<Member> ready = new TreeSet<>(port.members());
        TreeSet<Member> draining = new TreeSet<>(port.draining());
        for (int i : pods) {
            ready.remove(pod(i));
            draining.add(pod(i));
        }
        services.put(
                ref,
                new DesiredService(
                        ref,
                        before.vs(),
                        List.of(new ServicePort(port.name(), port.port(), port.protocol(), ready, draining))));
        return this;
    }

    /** The Service's annotation is now unusable: it is skipped with a problem. */
    ScriptedSource badVsid(String name, String value) {
        ServiceRef ref = ref(name);
        services.remove(ref);
        broken.put(
                ref,
                SkippedService.invalid(
                        ref,
                        null,
                        Problem.of(ref, ref + ": annotation vsid=\"" + value + "\" is not a Virtual Service id")));
        return this;
    }

    /** The Service's endpoints cannot be read (a 403 in its namespace, say): it is skipped, its VS known. */
    ScriptedSource unreadable(String name, int vsid) {
        ServiceRef ref = ref(name);
        services.remove(ref);
        broken.put(
                ref,
                new SkippedService(
                        ref,
                        VirtualServiceId.of(vsid),
                        Problem.of(
                                ref,
                                ref + ": left out of this"
                                        + " pass because its endpoints could not be read: Kubernetes API answered 403 Forbidden"),
                        true));
        return this;
    }

    /** Deleted, or its label removed: either way it is no longer listed. */
    ScriptedSource delete(String name) {
        services.remove(ref(name));
        broken.remove(ref(name));
        return this;
    }

    /** The next reads fail part-way: the listed Services are returned, but the state is unknown. */
    ScriptedSource failReads(String why) {
        readFailure = new Problem("Kubernetes", why);
        return this;
    }

    ScriptedSource healReads() {
        readFailure = null;
        return this;
    }

    static Member pod(int i) {
        return new Member("10.244.1." + i, 8080);
    }

    static ServiceRef ref(String name) {
        return new ServiceRef("shop", name);
    }

    @Override
    public DesiredState read() {
        return new DesiredState(
                readFailure == null,
                Stream.concat(services.values().stream(), bindings.stream()).toList(),
                List.copyOf(broken.values()),
                readFailure == null ? List.of() : List.of(readFailure));
    }
}
