package kubelmagent.loadmaster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kubelmagent.model.Member;
import kubelmagent.model.RealServer;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.simulator.RefusalException;
import kubelmagent.simulator.RsRef;
import kubelmagent.simulator.SimRealServer;
import kubelmagent.simulator.SimVirtualService;
import kubelmagent.simulator.SimulatedLoadMaster;
import kubelmagent.simulator.VsRef;

/**
 * A LoadMaster in memory, for reconciler tests: the {@link LoadMaster} interface
 * over the simulator's engine ({@link SimulatedLoadMaster}), which holds the appliance's rules as far
 * as they are known (see the team's LoadMaster API notes):
 * <ul>
 *   <li>a command on a missing VS fails with 422 {@code Unknown VS}
 *       ({@link UnknownVirtualServiceException});</li>
 *   <li>{@code addrs} on a parent VS (one with SubVSs) fails with 422 {@code Couldn't create RS};</li>
 *   <li>{@code addrs} of an address and port the VS already has fails with 422
 *       {@code Real Server already exists};</li>
 *   <li>{@code delrs} of a Real Server the VS does not have fails with 422 {@code Unknown RS};</li>
 *   <li>a new Real Server gets Weight 1000 and is enabled; {@code RsIndex} values come from one
 *       counter for the whole box, are increasing and never reused (a SubVS slot in its parent also
 *       takes one, as on the appliance);</li>
 *   <li>{@code get param=nonlocalrs} ({@link #nonLocalRealServersEnabled}) answers the global "Enable
 *       Non-Local Real Servers", off as on a new appliance until {@link #setNonLocalRealServers} switches
 *       it on; {@code listvs} and {@code showvs} show each VS's {@code Transparent} ({@link VirtualService#transparent()}),
 *       N until {@link #setTransparent} says otherwise.</li>
 * </ul>
 * Every address counts as local here, so the engine's non-local rule and a transparent VS's refusal of
 * non-local Real Servers never apply: an add succeeds whatever {@code nonlocalrs} and Transparency say,
 * and a test that wants the LoadMaster to refuse one injects the refusal with {@link #failNext}. Both
 * settings are reported for what the caller does with them. Failure messages are worded exactly as
 * {@link LoadMasterRestClient} words the same answers.
 *
 * <p>Tests set it up with {@link #addVirtualService}, {@link #addSubVirtualService},
 * {@link #setNonLocalRealServers}, {@link #setTransparent} and the {@code ...ByHand} methods (a person
 * working in the WUI; these are not counted as API calls), inject failures with {@link #failNext} and
 * {@link #failNextAfterApplying}, and inspect it with {@link #realServers} and {@link #calls}. All
 * methods are synchronized.
 */
public final class InMemoryLoadMaster implements LoadMaster {

    /** The command names {@link #calls} and {@link #failNext} accept. */
    public static final Set<String> COMMANDS =
            Set.of(ApiCall.LISTVS, ApiCall.SHOWVS, ApiCall.GET, ApiCall.ADDRS, ApiCall.DELRS, ApiCall.MODRS);

    private final SimulatedLoadMaster engine = new SimulatedLoadMaster();
    private final Map<String, Deque<Fault>> faults = new HashMap<>();

    private record Fault(LoadMasterException exception, boolean afterApplying) {}

    public InMemoryLoadMaster() {
        engine.setLocalSubnets(List.of("0.0.0.0/0", "::/0"));
    }

    // ---- set-up (a person configuring the LoadMaster)

    /** Adds a TCP Virtual Service without a nickname. */
    public synchronized InMemoryLoadMaster addVirtualService(int index, String address, int port) {
        return addVirtualService(index, address, port, "tcp", "");
    }

    /** Adds a Virtual Service. Returns this, so set-ups chain. */
    public synchronized InMemoryLoadMaster addVirtualService(
            int index, String address, int port, String protocol, String nickName) {
        engine.addVirtualService(VirtualServiceId.of(index).index(), address, port, protocol, nickName);
        return this;
    }

    /**
     * Adds a SubVS (no address, port 0, the parent's protocol) under an existing VS, which thereby
     * becomes a parent that refuses Real Servers.
     */
    public synchronized InMemoryLoadMaster addSubVirtualService(int parentIndex, int subIndex, String nickName) {
        engine.addSubVirtualService(parentIndex, VirtualServiceId.of(subIndex).index(), nickName);
        return this;
    }

    /**
     * Switches the global "Enable Non-Local Real Servers" ({@code nonlocalrs}) on or off, as a person would
     * in the WUI; off until then. Returns this, so set-ups chain.
     */
    public synchronized InMemoryLoadMaster setNonLocalRealServers(boolean on) {
        engine.setNonLocalRs(on);
        return this;
    }

    /** Switches a VS's Transparency on or off ({@code Transparent} Y or N; N until then). Returns this. */
    public synchronized InMemoryLoadMaster setTransparent(int index, boolean on) {
        engine.setTransparent(VirtualServiceId.of(index).index(), on);
        return this;
    }

    /** Deletes a Virtual Service (and its SubVSs), as a person would in the WUI. */
    public synchronized void removeVirtualService(VirtualServiceId vs) {
        engine.removeVirtualService(vs.index());
    }

    /** A person adds a Real Server in the WUI (enabled, weight 1000). Not counted as an API call. */
    public synchronized RealServer addRealServerByHand(VirtualServiceId vs, Member member) {
        return model(engine.addRealServerByHand(vs.index(), member.ip(), member.port()));
    }

    /** A person adds a Real Server with the given state. Not counted as an API call. */
    public synchronized RealServer addRealServerByHand(
            VirtualServiceId vs, Member member, boolean enabled, int weight) {
        return model(engine.addRealServerByHand(vs.index(), member.ip(), member.port(), enabled, weight));
    }

    /** A person deletes a Real Server in the WUI. Returns whether it was there. */
    public synchronized boolean removeRealServerByHand(VirtualServiceId vs, Member member) {
        return engine.removeRealServerByHand(vs.index(), member.ip(), member.port());
    }

    /** A person enables or disables a Real Server, or changes its weight; it keeps its RsIndex. */
    public synchronized void modifyRealServerByHand(VirtualServiceId vs, Member member, boolean enabled, int weight) {
        engine.modifyRealServerByHand(vs.index(), member.ip(), member.port(), enabled, weight);
    }

    // ---- inspection

    /** The Real Servers' addresses and ports, sorted. */
    public synchronized List<Member> realServers(VirtualServiceId vs) {
        List<Member> members = new ArrayList<>();
        for (SimRealServer rs : engine.realServers(vs.index())) {
            members.add(new Member(rs.addr(), rs.port()));
        }
        members.sort(null);
        return members;
    }

    public synchronized boolean hasVirtualService(VirtualServiceId vs) {
        return engine.hasVirtualService(vs.index());
    }

    /** How many times the command was called through {@link LoadMaster}, failed calls included. */
    public synchronized int calls(String command) {
        checkCommand(command);
        return engine.calls(command);
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

    /** The address the ledger records for it. */
    public static final String ADDRESS = "in-memory";

    @Override
    public String address() {
        return ADDRESS;
    }

    /** Every VS, SubVSs included; here every VS can be read, so none is listed as unreadable. */
    @Override
    public synchronized VirtualServiceList listVirtualServices() throws LoadMasterException {
        Fault fault = begin(ApiCall.listvs());
        List<VirtualService> all = new ArrayList<>();
        for (SimVirtualService v : engine.listvs()) {
            all.add(model(v));
        }
        end(fault);
        return VirtualServiceList.of(all);
    }

    @Override
    public synchronized VirtualService showVirtualService(VirtualServiceId vs) throws LoadMasterException {
        ApiCall call = ApiCall.showvs(vs);
        Fault fault = begin(call);
        SimVirtualService shown;
        try {
            shown = engine.showvs(VsRef.index(vs.index()));
        } catch (RefusalException e) {
            throw call.refusal(e.stat(), e.text());
        }
        end(fault);
        return model(shown);
    }

    @Override
    public synchronized boolean nonLocalRealServersEnabled() throws LoadMasterException {
        ApiCall call = ApiCall.get("nonlocalrs");
        Fault fault = begin(call);
        String value;
        try {
            value = engine.get("nonlocalrs");
        } catch (RefusalException e) {
            throw call.refusal(e.stat(), e.text());
        }
        end(fault);
        return "yes".equals(value);
    }

    @Override
    public synchronized void addRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        ApiCall call = ApiCall.addrs(vs, member, false);
        Fault fault = begin(call);
        try {
            engine.addrs(VsRef.index(vs.index()), member.ip(), member.port(), Map.of(), false);
        } catch (RefusalException e) {
            throw call.refusal(e.stat(), e.text());
        }
        end(fault);
    }

    @Override
    public synchronized void deleteRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        ApiCall call = ApiCall.delrs(vs, member);
        Fault fault = begin(call);
        try {
            engine.delrs(VsRef.index(vs.index()), RsRef.address(member.ip(), member.port()));
        } catch (RefusalException e) {
            throw call.refusal(e.stat(), e.text());
        }
        end(fault);
    }

    @Override
    public synchronized void setRealServerEnabled(VirtualServiceId vs, Member member, boolean enabled)
            throws LoadMasterException {
        ApiCall call = ApiCall.modrs(vs, member, enabled, false);
        Fault fault = begin(call);
        try {
            engine.modrs(
                    VsRef.index(vs.index()),
                    RsRef.address(member.ip(), member.port()),
                    Map.of("enable", enabled ? "Y" : "N"));
        } catch (RefusalException e) {
            throw call.refusal(e.stat(), e.text());
        }
        end(fault);
    }

    /** Counts the call, throws a fault that fires before the effect, returns one that fires after it. */
    private Fault begin(ApiCall call) throws LoadMasterException {
        engine.countCall(call.command());
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

    private static VirtualService model(SimVirtualService v) {
        List<VirtualServiceId> subs = new ArrayList<>();
        v.subVs().forEach(s -> subs.add(VirtualServiceId.of(s.vsIndex())));
        List<RealServer> rss = new ArrayList<>();
        v.realServers().forEach(rs -> rss.add(model(rs)));
        return new VirtualService(
                VirtualServiceId.of(v.index()),
                v.address(),
                v.port(),
                v.protocol(),
                v.nickName(),
                subs,
                false,
                rss,
                v.isSubVs() ? VirtualServiceId.of(v.masterVsId()) : null,
                "Y".equals(v.setting("Transparent")));
    }

    private static RealServer model(SimRealServer rs) {
        return new RealServer(rs.rsIndex(), new Member(rs.addr(), rs.port()), rs.enabled(), rs.weight());
    }

    private static void checkCommand(String command) {
        if (!COMMANDS.contains(command)) {
            throw new IllegalArgumentException("unknown command " + command + "; expected one of " + COMMANDS);
        }
    }
}
