package kubelmagent.loadmaster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import kubelmagent.model.Member;
import kubelmagent.model.RealServer;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;

/**
 * A LoadMaster in memory, for reconciler tests and the demo mode. It follows the appliance's rules as
 * far as they are known (see the team's LoadMaster API notes):
 * <ul>
 *   <li>a command on a missing VS fails with 422 {@code Unknown VS}
 *       ({@link UnknownVirtualServiceException});</li>
 *   <li>{@code addrs} on a parent VS (one with SubVSs) fails with 422 {@code Couldn't create RS};</li>
 *   <li>{@code addrs} of an address and port the VS already has fails with 422
 *       {@code Real Server already exists};</li>
 *   <li>{@code delrs} of a Real Server the VS does not have fails with 422 {@code Unknown RS};</li>
 *   <li>a new Real Server gets Weight 1000 and is enabled; {@code RsIndex} values come from one
 *       counter for the whole box, are increasing and never reused (a SubVS slot in its parent also
 *       takes one, as on the appliance).</li>
 * </ul>
 * Failure messages are worded exactly as {@link LoadMasterRestClient} words the same answers.
 *
 * <p>Tests set it up with {@link #addVirtualService}, {@link #addSubVirtualService} and the
 * {@code ...ByHand} methods (a person working in the WUI; these are not counted as API calls), inject
 * failures with {@link #failNext} and {@link #failNextAfterApplying}, and inspect it with
 * {@link #realServers} and {@link #calls}. All methods are synchronized.
 */
public final class InMemoryLoadMaster implements LoadMaster {

    /** The command names {@link #calls} and {@link #failNext} accept. */
    public static final Set<String> COMMANDS = Set.of(ApiCall.SHOWVS, ApiCall.ADDRS, ApiCall.DELRS);

    // The appliance's texts. "Unknown VS" is verified; "Unknown RS" is verified for showrs only.
    // "Couldn't create RS" and "Real Server already exists" come from a low-confidence source and are
    // UNVERIFIED: the reconciler must not depend on their exact wording.
    static final String UNKNOWN_RS = "Unknown RS";
    static final String ALREADY_EXISTS = "Real Server already exists";
    static final String COULD_NOT_CREATE = "Couldn't create RS";
    static final int DEFAULT_WEIGHT = 1000;

    private final Map<VirtualServiceId, Vs> services = new TreeMap<>();
    private final Map<String, Integer> calls = new HashMap<>();
    private final Map<String, Deque<Fault>> faults = new HashMap<>();
    private int lastRsIndex;

    private static final class Vs {
        final VirtualServiceId id;
        final String address;
        final int port;
        final String protocol;
        final String nickName;
        final List<VirtualServiceId> subVsIds = new ArrayList<>();
        /** In the order they were added, as {@code showvs} lists them. */
        final Map<Member, RealServer> realServers = new LinkedHashMap<>();

        Vs(VirtualServiceId id, String address, int port, String protocol, String nickName) {
            this.id = id;
            this.address = address;
            this.port = port;
            this.protocol = protocol;
            this.nickName = nickName;
        }

        VirtualService snapshot() {
            return new VirtualService(id, address, port, protocol, nickName, subVsIds,
                    new ArrayList<>(realServers.values()));
        }
    }

    private record Fault(LoadMasterException exception, boolean afterApplying) {}

    // ---- set-up (a person configuring the LoadMaster)

    /** Adds a TCP Virtual Service without a nickname. */
    public synchronized InMemoryLoadMaster addVirtualService(int index, String address, int port) {
        return addVirtualService(index, address, port, "tcp", "");
    }

    /** Adds a Virtual Service. Returns this, so set-ups chain. */
    public synchronized InMemoryLoadMaster addVirtualService(
            int index, String address, int port, String protocol, String nickName) {
        VirtualServiceId id = VirtualServiceId.of(index);
        if (services.containsKey(id)) {
            throw new IllegalStateException("VS " + id + " already exists");
        }
        services.put(id, new Vs(id, address, port, protocol, nickName));
        return this;
    }

    /**
     * Adds a SubVS (no address, port 0, the parent's protocol) under an existing VS, which thereby
     * becomes a parent that refuses Real Servers.
     */
    public synchronized InMemoryLoadMaster addSubVirtualService(int parentIndex, int subIndex, String nickName) {
        Vs parent = existing(VirtualServiceId.of(parentIndex));
        VirtualServiceId id = VirtualServiceId.of(subIndex);
        if (services.containsKey(id)) {
            throw new IllegalStateException("VS " + id + " already exists");
        }
        if (!parent.realServers.isEmpty()) {
            throw new IllegalStateException("VS " + parent.id + " has Real Servers; it cannot take a SubVS");
        }
        services.put(id, new Vs(id, "", 0, parent.protocol, nickName));
        parent.subVsIds.add(id);
        ++lastRsIndex; // the SubVS's slot in its parent takes an RsIndex
        return this;
    }

    /** Deletes a Virtual Service (and its SubVSs), as a person would in the WUI. */
    public synchronized void removeVirtualService(VirtualServiceId vs) {
        Vs removed = existing(vs);
        services.remove(vs);
        for (VirtualServiceId sub : removed.subVsIds) {
            services.remove(sub);
        }
        for (Vs other : services.values()) {
            other.subVsIds.remove(vs);
        }
    }

    /** A person adds a Real Server in the WUI (enabled, weight 1000). Not counted as an API call. */
    public synchronized RealServer addRealServerByHand(VirtualServiceId vs, Member member) {
        return addRealServerByHand(vs, member, true, DEFAULT_WEIGHT);
    }

    /** A person adds a Real Server with the given state. Not counted as an API call. */
    public synchronized RealServer addRealServerByHand(VirtualServiceId vs, Member member, boolean enabled, int weight) {
        Vs v = existing(vs);
        if (!v.subVsIds.isEmpty()) {
            throw new IllegalStateException("VS " + vs + " has SubVSs; add the Real Server to a SubVS");
        }
        if (v.realServers.containsKey(member)) {
            throw new IllegalStateException("VS " + vs + " already has Real Server " + member);
        }
        RealServer rs = new RealServer(++lastRsIndex, member, enabled, weight);
        v.realServers.put(member, rs);
        return rs;
    }

    /** A person deletes a Real Server in the WUI. Returns whether it was there. */
    public synchronized boolean removeRealServerByHand(VirtualServiceId vs, Member member) {
        return existing(vs).realServers.remove(member) != null;
    }

    /** A person enables or disables a Real Server, or changes its weight; it keeps its RsIndex. */
    public synchronized void modifyRealServerByHand(VirtualServiceId vs, Member member, boolean enabled, int weight) {
        Vs v = existing(vs);
        RealServer old = v.realServers.get(member);
        if (old == null) {
            throw new IllegalStateException("VS " + vs + " has no Real Server " + member);
        }
        v.realServers.put(member, new RealServer(old.rsIndex(), member, enabled, weight));
    }

    // ---- inspection

    /** The Real Servers' addresses and ports, sorted. */
    public synchronized List<Member> realServers(VirtualServiceId vs) {
        List<Member> members = new ArrayList<>(existing(vs).realServers.keySet());
        members.sort(null);
        return members;
    }

    public synchronized boolean hasVirtualService(VirtualServiceId vs) {
        return services.containsKey(vs);
    }

    /** How many times the command was called through {@link LoadMaster}, failed calls included. */
    public synchronized int calls(String command) {
        checkCommand(command);
        return calls.getOrDefault(command, 0);
    }

    // ---- fault injection

    /** The next call of {@code command} throws {@code e} without taking effect (a refusal, or a request that never arrived). */
    public synchronized void failNext(String command, LoadMasterException e) {
        addFault(command, new Fault(e, false));
    }

    /**
     * The next call of {@code command} takes effect and then throws {@code e}: an answer lost on the way
     * back, such as a timeout after the LoadMaster applied the change.
     */
    public synchronized void failNextAfterApplying(String command, LoadMasterException e) {
        addFault(command, new Fault(e, true));
    }

    private void addFault(String command, Fault fault) {
        checkCommand(command);
        faults.computeIfAbsent(command, c -> new ArrayDeque<>()).addLast(fault);
    }

    // ---- LoadMaster

    @Override
    public synchronized VirtualService showVirtualService(VirtualServiceId vs) throws LoadMasterException {
        ApiCall call = ApiCall.showvs(vs);
        Fault fault = begin(call);
        Vs v = found(call, vs);
        VirtualService snapshot = v.snapshot();
        end(fault);
        return snapshot;
    }

    @Override
    public synchronized void addRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        ApiCall call = ApiCall.addrs(vs, member, false);
        Fault fault = begin(call);
        Vs v = found(call, vs);
        if (!v.subVsIds.isEmpty()) {
            throw call.refusal(422, COULD_NOT_CREATE);
        }
        if (v.realServers.containsKey(member)) {
            throw call.refusal(422, ALREADY_EXISTS);
        }
        v.realServers.put(member, new RealServer(++lastRsIndex, member, true, DEFAULT_WEIGHT));
        end(fault);
    }

    @Override
    public synchronized void deleteRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        ApiCall call = ApiCall.delrs(vs, member);
        Fault fault = begin(call);
        Vs v = found(call, vs);
        if (v.realServers.remove(member) == null) {
            throw call.refusal(422, UNKNOWN_RS);
        }
        end(fault);
    }

    /** Counts the call, throws a fault that fires before the effect, returns one that fires after it. */
    private Fault begin(ApiCall call) throws LoadMasterException {
        calls.merge(call.command(), 1, Integer::sum);
        Deque<Fault> queue = faults.get(call.command());
        Fault fault = queue == null ? null : queue.pollFirst();
        if (fault != null && !fault.afterApplying()) {
            throw fault.exception();
        }
        return fault;
    }

    private static void end(Fault fault) throws LoadMasterException {
        if (fault != null) {
            throw fault.exception();
        }
    }

    private Vs found(ApiCall call, VirtualServiceId vs) throws LoadMasterException {
        Vs v = services.get(vs);
        if (v == null) {
            throw call.refusal(422, ApiCall.UNKNOWN_VS);
        }
        return v;
    }

    private Vs existing(VirtualServiceId vs) {
        Vs v = services.get(vs);
        if (v == null) {
            throw new IllegalStateException("no VS " + vs);
        }
        return v;
    }

    private static void checkCommand(String command) {
        if (!COMMANDS.contains(command)) {
            throw new IllegalArgumentException("unknown command " + command + "; expected one of " + COMMANDS);
        }
    }
}
