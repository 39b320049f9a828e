package kubelmagent.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import kubelmagent.model.Cidr;
import kubelmagent.model.IpAddress;

/**
 * The LoadMaster's semantics, in memory: Virtual Services (with every field the captured answers
 * show), SubVSs, Real Servers, the box-wide counters, the {@code nonlocalrs} and {@code enableapi}
 * parameters, the refusal texts, call counters and the {@link Faults} the HTTP layer injects. Both
 * {@link LoadMasterSimulator} (over HTTP) and the tests' {@code kubelmagent.loadmaster.InMemoryLoadMaster}
 * (in process) run on it, so the rules live here once. All methods are synchronized.
 *
 * <p>Three groups of methods:
 * <ul>
 *   <li><b>commands</b>, named after the API command they implement ({@link #showvs}, {@link #addrs},
 *       ...): they follow the appliance's rules and refuse with a {@link RefusalException} carrying
 *       the status and text the appliance answers;</li>
 *   <li><b>set-up</b> ({@link #addVirtualService}, {@link #addSubVirtualService},
 *       {@link #addRealServerByHand}, ...): a person configuring the box in the WUI; mistakes throw
 *       {@link IllegalStateException}; never counted as calls;</li>
 *   <li><b>inspection and configuration</b> ({@link #realServers}, {@link #calls}, {@link #writes},
 *       {@link #setNonLocalRs}, {@link #setText}, {@link #faults}, ...).</li>
 * </ul>
 *
 * <p>Rules (see the package documentation for which of them are inferred):
 * <ul>
 *   <li>VS {@code Index} and the box-wide {@code RsIndex} only increase and are never reused; a
 *       SubVS's slot in its parent takes an RsIndex too;</li>
 *   <li>a new Real Server: Status Down, Forward nat, Weight 1000, Limit 0, RateLimit 0, Follow 0,
 *       Enable Y, Critical N;</li>
 *   <li>addresses, IPv4 or IPv6, are taken in any spelling ({@code FD00:0:0::0001}) and kept and shown
 *       in canonical form ({@link IpAddress#canonical}: {@code fd00::1}); a VS or RS named by address is
 *       found whatever the spelling;</li>
 *   <li>{@code addrs} on a parent VS (one with SubVSs) is refused ({@link ErrorText#PARENT_VS});
 *       a duplicate address and port is refused ({@link ErrorText#DUPLICATE_RS}), the address compared
 *       canonically;</li>
 *   <li>{@code addrs} takes a Real Server of the other address family than the VS's; as no local subnet
 *       around the VS's address holds it, it is non-local unless {@link #setLocalSubnets} says otherwise;
 *       {@link #setOtherFamilyRealServers} switches that off ({@link ErrorText#OTHER_FAMILY});</li>
 *   <li>non-local rule: an RS address outside the local subnets needs {@code nonlocalrs} on and
 *       {@code non_local=1}, else {@link ErrorText#NON_LOCAL}; with both, a VS whose {@code Transparent}
 *       is Y still refuses it ({@link ErrorText#TRANSPARENT_NON_LOCAL}). The local subnets are those set
 *       with {@link #setLocalSubnets}, or when none are set the /24 (IPv4) or /64 (IPv6) around the VS's
 *       own address (a SubVS uses its parent's). {@code nonlocalrs} is off by default, as on a
 *       factory-new appliance: a set-up that adds pods from other subnets switches it on
 *       ({@link #setNonLocalRs}, {@code set param=nonlocalrs}, or the state file).</li>
 * </ul>
 */
public final class SimulatedLoadMaster {

    /** The text of a successful command without data. */
    public static final String COMPLETED = "Command completed ok";

    /** The parameters {@link #get} and {@link #set} know. */
    public static final List<String> PARAMETERS = List.of("nonlocalrs", "enableapi");

    private final LongSupplier nanoClock;
    private final Map<Integer, Vs> services = new TreeMap<>();
    private final Map<String, Integer> calls = new TreeMap<>();
    private final Map<ErrorText, String> texts = new EnumMap<>(ErrorText.class);
    private final Faults faults = new Faults();
    private final WriteJournal journal = new WriteJournal();
    private List<Cidr> localSubnets = List.of();
    private boolean nonLocalRs;
    private boolean otherFamilyRealServers = true;
    private boolean apiEnabled = true;
    private int lastVsIndex;
    private int lastRsIndex;
    private long generation;

    /** A LoadMaster in its factory state: no VSs, {@code nonlocalrs} off, API enabled. */
    public SimulatedLoadMaster() {
        this(System::nanoTime);
    }

    SimulatedLoadMaster(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    // ---- internal state

    /** A Virtual Service or SubVS. */
    static final class Vs {
        final int index;
        final String address;
        final int port;
        final String protocol;
        final int parent;
        final int slotRsIndex;
        final Map<String, String> settings = VsFields.defaults();
        final List<Integer> subVs = new ArrayList<>();
        final List<Rs> realServers = new ArrayList<>();

        Vs(int index, String address, int port, String protocol, int parent, int slotRsIndex) {
            this.index = index;
            this.address = address;
            this.port = port;
            this.protocol = protocol;
            this.parent = parent;
            this.slotRsIndex = slotRsIndex;
        }
    }

    /** A Real Server in one VS. */
    static final class Rs {
        final int rsIndex;
        final String addr;
        int port;
        String status = "Down";
        String dnsName = "";
        String forward = "nat";
        int weight = 1000;
        int limit;
        int rateLimit;
        int follow;
        boolean enabled = true;
        boolean critical;
        /** System.nanoTime() from which reads see it. */
        long visibleAt;

        Rs(int rsIndex, String addr, int port, long visibleAt) {
            this.rsIndex = rsIndex;
            this.addr = addr;
            this.port = port;
            this.visibleAt = visibleAt;
        }
    }

    // ==== commands

    /** {@code listvs}: every VS, SubVSs included, by Index. */
    public synchronized List<SimVirtualService> listvs() {
        List<SimVirtualService> all = new ArrayList<>();
        for (Vs v : services.values()) {
            all.add(snapshot(v, true));
        }
        return all;
    }

    /** {@code showvs}. */
    public synchronized SimVirtualService showvs(VsRef ref) throws RefusalException {
        return snapshot(find(ref), true);
    }

    /**
     * {@code addvs vs=<address>&port=<port>&prot=<protocol>}, with any VS setting among
     * {@code params} (by name in any case, e.g. {@code nickname}, {@code vstype}, {@code checkhost}).
     */
    public synchronized SimVirtualService addvs(String address, int port, String protocol, Map<String, String> params)
            throws RefusalException {
        String addr = IpAddress.canonical(address);
        String prot = protocol.strip().toLowerCase(Locale.ROOT);
        if (IpAddress.parse(addr) == null) {
            throw refusal(ErrorText.INVALID_ADDRESS);
        }
        if (port < 1 || port > 65535) {
            throw refusal(ErrorText.INVALID_VALUE, "port");
        }
        if (!prot.equals("tcp") && !prot.equals("udp")) {
            throw refusal(ErrorText.INVALID_VALUE, "prot");
        }
        if (findByAddress(addr, port, prot) != null) {
            throw refusal(ErrorText.DUPLICATE_VS);
        }
        Map<String, String> settings = settings(params);
        Vs v = new Vs(++lastVsIndex, addr, port, prot, 0, 0);
        v.settings.putAll(settings);
        services.put(v.index, v);
        return snapshot(v, true);
    }

    /**
     * {@code modvs}: changes VS settings; with {@code createsubvs} among {@code params}, also adds a
     * SubVS to it. Answers the modified VS.
     */
    public synchronized SimVirtualService modvs(VsRef ref, Map<String, String> params) throws RefusalException {
        Vs v = find(ref);
        Map<String, String> settings = settings(params);
        boolean createSubVs = params.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("createsubvs"));
        if (createSubVs && !v.realServers.isEmpty()) {
            throw refusal(ErrorText.SUBVS_ON_VS_WITH_RS);
        }
        v.settings.putAll(settings);
        if (createSubVs) {
            newSubVs(v, ++lastVsIndex, "");
        }
        return snapshot(v, true);
    }

    /** {@code delvs}: deletes the VS and its SubVSs; a SubVS leaves its parent. */
    public synchronized void delvs(VsRef ref) throws RefusalException {
        remove(find(ref));
    }

    /**
     * {@code addrs}: adds a Real Server with the LoadMaster's defaults, changed by any of
     * {@code weight}, {@code forward}, {@code enable}, {@code limit}, {@code ratelimit}, {@code follow},
     * {@code critical} among {@code params}. Answers the new Real Server.
     */
    public synchronized SimRealServer addrs(
            VsRef ref, String address, int port, Map<String, String> params, boolean nonLocal) throws RefusalException {
        Vs v = find(ref);
        if (!v.subVs.isEmpty()) {
            throw refusal(ErrorText.PARENT_VS);
        }
        String addr = IpAddress.canonical(address);
        if (IpAddress.parse(addr) == null) {
            throw refusal(ErrorText.INVALID_ADDRESS);
        }
        checkPort(port, "rsport");
        if (!otherFamilyRealServers && !sameFamily(v, addr)) {
            throw refusal(ErrorText.OTHER_FAMILY);
        }
        if (findRs(v, addr, port) != null) {
            throw refusal(ErrorText.DUPLICATE_RS);
        }
        if (!isLocal(v, addr)) {
            if (!(nonLocalRs && nonLocal)) {
                throw refusal(ErrorText.NON_LOCAL);
            }
            if ("Y".equals(v.settings.get("Transparent"))) {
                throw refusal(ErrorText.TRANSPARENT_NON_LOCAL);
            }
        }
        Rs candidate = new Rs(0, addr, port, 0);
        applyRsParams(candidate, params, false);
        long visibleAt = nanoClock.getAsLong() + faults.readAfterWriteDelay().toNanos();
        Rs rs = new Rs(++lastRsIndex, addr, port, visibleAt);
        copySettings(candidate, rs);
        v.realServers.add(rs);
        return snapshot(v.index, rs);
    }

    /** {@code delrs} by {@code rs=<address>&rsport=<port>} or {@code rs=!<RsIndex>}. */
    public synchronized void delrs(VsRef ref, RsRef rs) throws RefusalException {
        Vs v = find(ref);
        v.realServers.remove(rs(v, rs, false));
    }

    /** {@code modrs}: any of {@code enable}, {@code weight}, {@code forward}, {@code limit}, {@code ratelimit},
     * {@code follow}, {@code critical}, {@code newport}; nothing changes when one of them is invalid. */
    public synchronized void modrs(VsRef ref, RsRef rsRef, Map<String, String> params) throws RefusalException {
        Vs v = find(ref);
        Rs rs = rs(v, rsRef, false);
        Rs candidate = new Rs(rs.rsIndex, rs.addr, rs.port, rs.visibleAt);
        copySettings(rs, candidate);
        applyRsParams(candidate, params, true);
        if (candidate.port != rs.port && findRs(v, rs.addr, candidate.port) != null) {
            throw refusal(ErrorText.DUPLICATE_RS);
        }
        rs.port = candidate.port;
        copySettings(candidate, rs);
    }

    /** {@code showrs}. */
    public synchronized SimRealServer showrs(VsRef ref, RsRef rs) throws RefusalException {
        Vs v = find(ref);
        return snapshot(v.index, rs(v, rs, true));
    }

    /** {@code get param=<name>}: {@code nonlocalrs} or {@code enableapi}, answered {@code yes} or {@code no}. */
    public synchronized String get(String parameter) throws RefusalException {
        switch (parameter.strip().toLowerCase(Locale.ROOT)) {
            case "nonlocalrs":
                return Values.yesNo(nonLocalRs);
            case "enableapi":
                return Values.yesNo(apiEnabled);
            default:
                throw refusal(ErrorText.UNKNOWN_PARAMETER, parameter);
        }
    }

    /** {@code set param=<name>&value=<value>}; the value may be yes/no, 1/0, y/n, true/false, on/off. */
    public synchronized void set(String parameter, String value) throws RefusalException {
        String name = parameter.strip().toLowerCase(Locale.ROOT);
        if (!PARAMETERS.contains(name)) {
            throw refusal(ErrorText.UNKNOWN_PARAMETER, parameter);
        }
        Boolean on = Values.flag(value);
        if (on == null) {
            throw refusal(ErrorText.INVALID_VALUE, "value");
        }
        if (name.equals("nonlocalrs")) {
            nonLocalRs = on;
        } else {
            apiEnabled = on;
        }
    }

    // ==== set-up (a person in the WUI; not counted as calls)

    /** Adds a Virtual Service with the next free Index. */
    public synchronized SimVirtualService addVirtualService(
            String address, int port, String protocol, String nickName) {
        return addVirtualService(lastVsIndex + 1, address, port, protocol, nickName);
    }

    /** Adds a Virtual Service with the given Index, which must be free; later Indexes are higher. */
    public synchronized SimVirtualService addVirtualService(
            int index, String address, int port, String protocol, String nickName) {
        if (index <= 0) {
            throw new IllegalArgumentException("a VS Index is a positive integer (got " + index + ")");
        }
        if (services.containsKey(index)) {
            throw new IllegalStateException("VS " + index + " already exists");
        }
        Vs v = new Vs(index, IpAddress.canonical(address), port, protocol, 0, 0);
        v.settings.put("NickName", nickName == null ? "" : nickName);
        services.put(index, v);
        lastVsIndex = Math.max(lastVsIndex, index);
        return snapshot(v, false);
    }

    /** Adds a SubVS with the next free Index under an existing VS without Real Servers. */
    public synchronized SimVirtualService addSubVirtualService(int parentIndex, String nickName) {
        return addSubVirtualService(parentIndex, lastVsIndex + 1, nickName);
    }

    /**
     * Adds a SubVS (no address, port 0, the parent's protocol) with the given Index under an existing
     * VS, which thereby becomes a parent that refuses Real Servers.
     */
    public synchronized SimVirtualService addSubVirtualService(int parentIndex, int subIndex, String nickName) {
        Vs parent = existing(parentIndex);
        if (services.containsKey(subIndex)) {
            throw new IllegalStateException("VS " + subIndex + " already exists");
        }
        if (subIndex <= 0) {
            throw new IllegalArgumentException("a VS Index is a positive integer (got " + subIndex + ")");
        }
        if (!parent.realServers.isEmpty()) {
            throw new IllegalStateException("VS " + parentIndex + " has Real Servers; it cannot take a SubVS");
        }
        lastVsIndex = Math.max(lastVsIndex, subIndex);
        return snapshot(newSubVs(parent, subIndex, nickName), false);
    }

    /** Deletes a Virtual Service and its SubVSs, as a person would in the WUI. */
    public synchronized void removeVirtualService(int index) {
        remove(existing(index));
    }

    public synchronized boolean hasVirtualService(int index) {
        return services.containsKey(index);
    }

    /** A person adds an enabled Real Server with weight 1000. */
    public synchronized SimRealServer addRealServerByHand(int vsIndex, String address, int port) {
        return addRealServerByHand(vsIndex, address, port, true, 1000);
    }

    /** A person adds a Real Server; no non-local rule or address check applies. */
    public synchronized SimRealServer addRealServerByHand(
            int vsIndex, String address, int port, boolean enabled, int weight) {
        Vs v = existing(vsIndex);
        if (!v.subVs.isEmpty()) {
            throw new IllegalStateException("VS " + vsIndex + " has SubVSs; add the Real Server to a SubVS");
        }
        String addr = IpAddress.canonical(address);
        if (findRs(v, addr, port) != null) {
            throw new IllegalStateException("VS " + vsIndex + " already has Real Server " + addr + ":" + port);
        }
        Rs rs = new Rs(++lastRsIndex, addr, port, nanoClock.getAsLong());
        rs.enabled = enabled;
        rs.weight = weight;
        v.realServers.add(rs);
        return snapshot(v.index, rs);
    }

    /** A person deletes a Real Server. Returns whether it was there. */
    public synchronized boolean removeRealServerByHand(int vsIndex, String address, int port) {
        Vs v = existing(vsIndex);
        Rs rs = findRs(v, IpAddress.canonical(address), port);
        return rs != null && v.realServers.remove(rs);
    }

    /** A person enables or disables a Real Server, or changes its weight; it keeps its RsIndex. */
    public synchronized void modifyRealServerByHand(
            int vsIndex, String address, int port, boolean enabled, int weight) {
        Rs rs = existingRs(vsIndex, address, port);
        rs.enabled = enabled;
        rs.weight = weight;
    }

    /**
     * Switches a VS's Transparency ({@code Transparent}, {@code N} by default) on or off, as a person would
     * in the WUI; the API way is {@code modvs vs=<Index>&transparent=Y}. A transparent VS refuses non-local
     * Real Servers.
     */
    public synchronized void setTransparent(int vsIndex, boolean on) {
        existing(vsIndex).settings.put("Transparent", Values.yn(on));
    }

    /** Sets a Real Server's {@code Status} (e.g. {@code Up}), as a health check would. */
    public synchronized void setRealServerStatus(int vsIndex, String address, int port, String status) {
        existingRs(vsIndex, address, port).status = status;
    }

    // ==== inspection and configuration

    /** A VS with all its Real Servers, visible or not yet. */
    public synchronized SimVirtualService virtualService(int index) {
        return snapshot(existing(index), false);
    }

    /** Every VS with all its Real Servers, by Index. */
    public synchronized List<SimVirtualService> virtualServices() {
        List<SimVirtualService> all = new ArrayList<>();
        for (Vs v : services.values()) {
            all.add(snapshot(v, false));
        }
        return all;
    }

    /** The Real Servers of a VS in the order they were added, visible or not yet. */
    public synchronized List<SimRealServer> realServers(int vsIndex) {
        return snapshot(existing(vsIndex), false).realServers();
    }

    /** Counts one API call of {@code command}; the API front ends call it for every request. */
    public synchronized void countCall(String command) {
        calls.merge(command, 1, Integer::sum);
    }

    /** How many calls of {@code command} arrived, failed and faulted ones included. */
    public synchronized int calls(String command) {
        return calls.getOrDefault(command, 0);
    }

    /** Calls per command. */
    public synchronized Map<String, Integer> calls() {
        return Collections.unmodifiableMap(new TreeMap<>(calls));
    }

    public synchronized void resetCalls() {
        calls.clear();
    }

    /**
     * Runs an API command for the HTTP layer and, when it changes state, journals it as applied or refused,
     * under this object's lock: the journal's order is the order the writes were applied in.
     *
     * @param credential the name of the credential that authenticated the request ({@link Write#credential})
     */
    synchronized Reply run(String name, Commands.Command command, Params params, String credential)
            throws RefusalException {
        try {
            Reply reply = command.run(this, params);
            journal(credential, name, params, false, 200, null);
            return reply;
        } catch (RefusalException e) {
            journal(credential, name, params, true, e.stat(), e.text());
            throw e;
        }
    }

    /** Journals a request of {@code command}, if it changes state; see {@link Write} for the fields. */
    synchronized void journal(
            String credential, String command, Params params, boolean refused, int status, String error) {
        if (Commands.changesState(command)) {
            journal.add(new Write(
                    Instant.now(),
                    credential,
                    command,
                    Commands.describeVs(params),
                    Commands.describeRs(params),
                    refused,
                    status,
                    error));
        }
    }

    /**
     * The write journal: every API request over HTTP that changes state, applied or refused, oldest
     * first, the last 100,000 of them ({@code WriteJournal.CAPACITY}); an immutable copy. Reads,
     * requests refused with 401 and set-up calls on this object are not in it. {@link #reset()} empties
     * it.
     */
    public synchronized List<Write> writes() {
        return journal.writes();
    }

    public synchronized boolean nonLocalRs() {
        return nonLocalRs;
    }

    /** The global "Enable Non-Local Real Servers" ({@code nonlocalrs}); off by default, as on a new appliance. */
    public synchronized void setNonLocalRs(boolean on) {
        nonLocalRs = on;
    }

    public synchronized boolean otherFamilyRealServers() {
        return otherFamilyRealServers;
    }

    /**
     * Whether {@code addrs} takes a Real Server of the other address family than its VS's (an IPv6 RS in an
     * IPv4 VS, or the reverse): on by default, as a LoadMaster can translate between the families; off, such
     * an {@code addrs} is refused ({@link ErrorText#OTHER_FAMILY}), for tests of a set-up that cannot.
     * {@link #reset()} switches it on again.
     */
    public synchronized void setOtherFamilyRealServers(boolean on) {
        otherFamilyRealServers = on;
    }

    public synchronized boolean apiEnabled() {
        return apiEnabled;
    }

    /** "Enable API Interface"; while off, every API path answers 404. */
    public synchronized void setApiEnabled(boolean on) {
        apiEnabled = on;
    }

    /**
     * The LoadMaster's local subnets, e.g. {@code 10.0.0.0/24}. Empty (the default) means: the /24 or
     * /64 around each VS's address.
     */
    public synchronized void setLocalSubnets(List<String> cidrs) {
        List<Cidr> parsed = new ArrayList<>();
        for (String cidr : cidrs) {
            parsed.add(localSubnet(cidr));
        }
        localSubnets = List.copyOf(parsed);
    }

    public synchronized List<String> localSubnets() {
        return localSubnets.stream().map(Cidr::toString).toList();
    }

    /** Replaces a refusal text; null restores the default. */
    public synchronized void setText(ErrorText which, String text) {
        if (text == null) {
            texts.remove(which);
        } else {
            texts.put(which, text);
        }
    }

    public synchronized String text(ErrorText which) {
        return texts.getOrDefault(which, which.defaultText());
    }

    /** The faults the HTTP layer injects. */
    public Faults faults() {
        return faults;
    }

    /**
     * Back to the factory state: no VSs, counters at zero, an empty write journal, default texts and
     * settings ({@code nonlocalrs} off), no faults. API requests still in flight (waiting out injected
     * latency) are abandoned: their connection is closed and they change nothing, so a test's slow
     * request cannot touch the next test's state.
     */
    public synchronized void reset() {
        generation++;
        services.clear();
        calls.clear();
        journal.clear();
        texts.clear();
        faults.clear();
        localSubnets = List.of();
        nonLocalRs = false;
        otherFamilyRealServers = true;
        apiEnabled = true;
        lastVsIndex = 0;
        lastRsIndex = 0;
    }

    /** Changes with every {@link #reset()}. */
    synchronized long generation() {
        return generation;
    }

    // ==== state file support

    synchronized StateFile.State capture() {
        List<StateFile.VsState> list = new ArrayList<>();
        Map<String, String> defaults = VsFields.defaults();
        for (Vs v : services.values()) {
            Map<String, String> changed = new LinkedHashMap<>();
            v.settings.forEach((k, val) -> {
                if (!val.equals(defaults.get(k))) {
                    changed.put(k, val);
                }
            });
            List<StateFile.RsState> rss = new ArrayList<>();
            for (Rs rs : v.realServers) {
                rss.add(new StateFile.RsState(
                        rs.rsIndex,
                        rs.addr,
                        rs.port,
                        rs.status,
                        rs.dnsName,
                        rs.forward,
                        rs.weight,
                        rs.limit,
                        rs.rateLimit,
                        rs.follow,
                        rs.enabled,
                        rs.critical));
            }
            list.add(new StateFile.VsState(
                    v.index,
                    v.parent == 0 ? v.address : null,
                    v.parent == 0 ? v.port : null,
                    v.protocol,
                    v.parent == 0 ? null : v.parent,
                    v.parent == 0 ? null : v.slotRsIndex,
                    changed,
                    rss));
        }
        return new StateFile.State(
                nonLocalRs, apiEnabled, localSubnets(), lastVsIndex, lastRsIndex, list, new TreeMap<>(calls));
    }

    /** Replaces the VSs and settings with {@code state}; counters stay. */
    synchronized void restore(StateFile.State state) {
        Map<Integer, Vs> loaded = new TreeMap<>();
        List<StateFile.VsState> vss = state.virtualServices() == null ? List.of() : state.virtualServices();
        int maxVs = state.lastVsIndex() == null ? 0 : state.lastVsIndex();
        int maxRs = state.lastRsIndex() == null ? 0 : state.lastRsIndex();
        for (StateFile.VsState s : vss) {
            maxVs = Math.max(maxVs, s.index());
            maxRs = Math.max(maxRs, s.slotRsIndex() == null ? 0 : s.slotRsIndex());
            for (StateFile.RsState r : s.realServers() == null ? List.<StateFile.RsState>of() : s.realServers()) {
                maxRs = Math.max(maxRs, r.rsIndex() == null ? 0 : r.rsIndex());
            }
        }
        // parents first, so that SubVSs find them
        List<StateFile.VsState> ordered = new ArrayList<>(vss);
        ordered.sort((a, b) ->
                Boolean.compare(a.parent() != null && a.parent() != 0, b.parent() != null && b.parent() != 0));
        for (StateFile.VsState s : ordered) {
            if (s.index() <= 0 || loaded.containsKey(s.index())) {
                throw new IllegalArgumentException("VS index " + s.index() + " is not positive or not unique");
            }
            Vs v;
            if (s.parent() != null && s.parent() != 0) {
                Vs parent = loaded.get(s.parent());
                if (parent == null || parent.parent != 0) {
                    throw new IllegalArgumentException("SubVS " + s.index() + ": no parent VS " + s.parent());
                }
                int slot = s.slotRsIndex() == null ? ++maxRs : s.slotRsIndex();
                v = new Vs(s.index(), "", 0, parent.protocol, parent.index, slot);
                parent.subVs.add(v.index);
            } else {
                if (s.address() == null || IpAddress.parse(s.address()) == null || s.port() == null) {
                    throw new IllegalArgumentException("VS " + s.index() + " needs an IP address and a port");
                }
                v = new Vs(
                        s.index(),
                        IpAddress.canonical(s.address()),
                        s.port(),
                        s.protocol() == null ? "tcp" : s.protocol().strip().toLowerCase(Locale.ROOT),
                        0,
                        0);
            }
            if (s.settings() != null) {
                try {
                    v.settings.putAll(settings(s.settings()));
                } catch (RefusalException e) {
                    throw new IllegalArgumentException("VS " + s.index() + ": " + e.getMessage(), e);
                }
                for (String name : s.settings().keySet()) {
                    if (VsFields.setting(name) == null) {
                        throw new IllegalArgumentException("VS " + s.index() + ": unknown setting " + name);
                    }
                }
            }
            for (StateFile.RsState r : s.realServers() == null ? List.<StateFile.RsState>of() : s.realServers()) {
                if (r.addr() == null || IpAddress.parse(r.addr()) == null) {
                    throw new IllegalArgumentException(
                            "VS " + s.index() + ": a Real Server needs an IP address (got " + r.addr() + ")");
                }
                Rs rs = new Rs(
                        r.rsIndex() == null ? ++maxRs : r.rsIndex(),
                        IpAddress.canonical(r.addr()),
                        r.port(),
                        nanoClock.getAsLong());
                rs.status = r.status() == null ? rs.status : r.status();
                rs.dnsName = r.dnsName() == null ? rs.dnsName : r.dnsName();
                rs.forward = r.forward() == null ? rs.forward : r.forward();
                rs.weight = r.weight() == null ? rs.weight : r.weight();
                rs.limit = r.limit() == null ? rs.limit : r.limit();
                rs.rateLimit = r.rateLimit() == null ? rs.rateLimit : r.rateLimit();
                rs.follow = r.follow() == null ? rs.follow : r.follow();
                rs.enabled = r.enable() == null ? rs.enabled : r.enable();
                rs.critical = r.critical() == null ? rs.critical : r.critical();
                v.realServers.add(rs);
            }
            loaded.put(v.index, v);
        }
        List<Cidr> subnets = new ArrayList<>();
        for (String cidr : state.localSubnets() == null ? List.<String>of() : state.localSubnets()) {
            subnets.add(localSubnet(cidr));
        }
        services.clear();
        services.putAll(loaded);
        localSubnets = List.copyOf(subnets);
        nonLocalRs = state.nonlocalrs() != null && state.nonlocalrs();
        apiEnabled = state.apiEnabled() == null || state.apiEnabled();
        lastVsIndex = maxVs;
        lastRsIndex = maxRs;
    }

    // ==== helpers

    private Vs newSubVs(Vs parent, int index, String nickName) {
        Vs sub = new Vs(index, "", 0, parent.protocol, parent.index, ++lastRsIndex);
        sub.settings.put("NickName", nickName == null ? "" : nickName);
        services.put(index, sub);
        parent.subVs.add(index);
        return sub;
    }

    private void remove(Vs v) {
        services.remove(v.index);
        for (int sub : v.subVs) {
            services.remove(sub);
        }
        for (Vs other : services.values()) {
            other.subVs.remove(Integer.valueOf(v.index));
        }
    }

    private Vs find(VsRef ref) throws RefusalException {
        Vs v = ref.byIndex() ? services.get(ref.index()) : findByAddress(ref.address(), ref.port(), ref.protocol());
        if (v == null) {
            throw refusal(ErrorText.UNKNOWN_VS);
        }
        return v;
    }

    private Vs findByAddress(String address, int port, String protocol) {
        byte[] wanted = IpAddress.parse(address);
        for (Vs v : services.values()) {
            if (v.parent == 0
                    && v.port == port
                    && v.protocol.equalsIgnoreCase(protocol)
                    && sameAddress(v.address, address, wanted)) {
                return v;
            }
        }
        return null;
    }

    private Vs existing(int index) {
        Vs v = services.get(index);
        if (v == null) {
            throw new IllegalStateException("no VS " + index);
        }
        return v;
    }

    private Rs existingRs(int vsIndex, String address, int port) {
        Rs rs = findRs(existing(vsIndex), IpAddress.canonical(address), port);
        if (rs == null) {
            throw new IllegalStateException("VS " + vsIndex + " has no Real Server " + address + ":" + port);
        }
        return rs;
    }

    private Rs rs(Vs v, RsRef ref, boolean visibleOnly) throws RefusalException {
        Rs found = null;
        if (ref.byIndex()) {
            for (Rs rs : v.realServers) {
                if (rs.rsIndex == ref.rsIndex()) {
                    found = rs;
                }
            }
        } else {
            found = findRs(v, ref.address(), ref.port());
        }
        if (found == null || (visibleOnly && !visible(found))) {
            throw refusal(ErrorText.UNKNOWN_RS);
        }
        return found;
    }

    private static Rs findRs(Vs v, String address, int port) {
        byte[] wanted = IpAddress.parse(address);
        for (Rs rs : v.realServers) {
            if (rs.port == port && sameAddress(rs.addr, address, wanted)) {
                return rs;
            }
        }
        return null;
    }

    private static boolean sameAddress(String have, String wanted, byte[] wantedBytes) {
        byte[] haveBytes = IpAddress.parse(have);
        return haveBytes != null && wantedBytes != null ? Arrays.equals(haveBytes, wantedBytes) : have.equals(wanted);
    }

    /** Whether {@code address} is of the family of the VS's own address (a SubVS's parent's). */
    private boolean sameFamily(Vs v, String address) {
        Vs top = v.parent == 0 ? v : services.get(v.parent);
        byte[] vsBytes = top == null ? null : IpAddress.parse(top.address);
        byte[] rsBytes = IpAddress.parse(address);
        return vsBytes == null || rsBytes == null || vsBytes.length == rsBytes.length;
    }

    private boolean isLocal(Vs v, String address) {
        if (!localSubnets.isEmpty()) {
            return localSubnets.stream().anyMatch(s -> s.contains(address));
        }
        Vs top = v.parent == 0 ? v : services.get(v.parent);
        Cidr around = top == null ? null : Cidr.around(top.address, 24, 64);
        return around != null && around.contains(address);
    }

    /** A local subnet such as {@code 10.0.0.0/24}; a bare address is a subnet of its own (/32 or /128). */
    private static Cidr localSubnet(String text) {
        String problem;
        try {
            Cidr cidr = text.indexOf('/') < 0 ? Cidr.around(text, 32, 128) : Cidr.parse(text);
            if (cidr != null) {
                return cidr;
            }
            problem = "not an IPv4 or IPv6 address";
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        throw new IllegalArgumentException("not a subnet (expected e.g. 10.0.0.0/24): " + text + " (" + problem + ")");
    }

    private boolean visible(Rs rs) {
        return nanoClock.getAsLong() - rs.visibleAt >= 0;
    }

    /** The VS settings among {@code params}, checked and in canonical form (flags as Y/N). */
    private Map<String, String> settings(Map<String, String> params) throws RefusalException {
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : params.entrySet()) {
            VsFields.Field f = VsFields.setting(p.getKey());
            if (f == null) {
                continue; // parameters the command does not use are ignored
            }
            String value = p.getValue() == null ? "" : p.getValue().strip();
            switch (f.kind()) {
                case FLAG: {
                    Boolean b = Values.flag(value);
                    if (b == null) {
                        throw refusal(ErrorText.INVALID_VALUE, p.getKey());
                    }
                    value = Values.yn(b);
                    break;
                }
                case INT:
                case NUMTEXT:
                    if (Values.integer(value) == null) {
                        throw refusal(ErrorText.INVALID_VALUE, p.getKey());
                    }
                    value = Values.integer(value).toString();
                    break;
                default:
                    break;
            }
            result.put(f.name(), value);
        }
        return result;
    }

    private void applyRsParams(Rs rs, Map<String, String> params, boolean allowNewPort) throws RefusalException {
        for (Map.Entry<String, String> p : params.entrySet()) {
            String name = p.getKey().toLowerCase(Locale.ROOT);
            String value = p.getValue() == null ? "" : p.getValue().strip();
            switch (name) {
                case "weight":
                    rs.weight = intIn(value, 0, 65535, p.getKey());
                    break;
                case "limit":
                    rs.limit = intIn(value, 0, Integer.MAX_VALUE, p.getKey());
                    break;
                case "ratelimit":
                    rs.rateLimit = intIn(value, 0, Integer.MAX_VALUE, p.getKey());
                    break;
                case "follow":
                    rs.follow = intIn(value, 0, Integer.MAX_VALUE, p.getKey());
                    break;
                case "enable":
                    rs.enabled = flagValue(value, p.getKey());
                    break;
                case "critical":
                    rs.critical = flagValue(value, p.getKey());
                    break;
                case "forward":
                    if (!value.equalsIgnoreCase("nat") && !value.equalsIgnoreCase("route")) {
                        throw refusal(ErrorText.INVALID_VALUE, p.getKey());
                    }
                    rs.forward = value.toLowerCase(Locale.ROOT);
                    break;
                case "newport":
                    if (allowNewPort) {
                        rs.port = intIn(value, 1, 65535, p.getKey());
                    }
                    break;
                default:
                    break; // ignored, as the appliance ignores unneeded parameters
            }
        }
    }

    private static void copySettings(Rs from, Rs to) {
        to.status = from.status;
        to.dnsName = from.dnsName;
        to.forward = from.forward;
        to.weight = from.weight;
        to.limit = from.limit;
        to.rateLimit = from.rateLimit;
        to.follow = from.follow;
        to.enabled = from.enabled;
        to.critical = from.critical;
    }

    private int intIn(String value, int min, int max, String name) throws RefusalException {
        Integer i = Values.integer(value);
        if (i == null || i < min || i > max) {
            throw refusal(ErrorText.INVALID_VALUE, name);
        }
        return i;
    }

    private boolean flagValue(String value, String name) throws RefusalException {
        Boolean b = Values.flag(value);
        if (b == null) {
            throw refusal(ErrorText.INVALID_VALUE, name);
        }
        return b;
    }

    private void checkPort(int port, String name) throws RefusalException {
        if (port < 1 || port > 65535) {
            throw refusal(ErrorText.INVALID_VALUE, name);
        }
    }

    private RefusalException refusal(ErrorText which) {
        return new RefusalException(which.stat(), text(which));
    }

    private RefusalException refusal(ErrorText which, String argument) {
        return new RefusalException(which.stat(), text(which).replace("%s", argument));
    }

    private SimVirtualService snapshot(Vs v, boolean visibleOnly) {
        List<SimSubVs> subs = new ArrayList<>();
        for (int i : v.subVs) {
            Vs sub = services.get(i);
            if (sub != null) {
                String name = sub.settings.getOrDefault("NickName", "");
                subs.add(new SimSubVs(
                        sub.index, sub.slotRsIndex, name.isEmpty() ? "-" : name, "Down", "nat", 1000, 0, true, false));
            }
        }
        List<SimRealServer> rss = new ArrayList<>();
        for (Rs rs : v.realServers) {
            if (!visibleOnly || visible(rs)) {
                rss.add(snapshot(v.index, rs));
            }
        }
        return new SimVirtualService(v.index, v.address, v.port, v.protocol, "Down", v.parent, v.settings, subs, rss);
    }

    private static SimRealServer snapshot(int vsIndex, Rs rs) {
        return new SimRealServer(
                vsIndex,
                rs.rsIndex,
                rs.addr,
                rs.port,
                rs.status,
                rs.dnsName,
                rs.forward,
                rs.weight,
                rs.limit,
                rs.rateLimit,
                rs.follow,
                rs.enabled,
                rs.critical,
                0);
    }
}
