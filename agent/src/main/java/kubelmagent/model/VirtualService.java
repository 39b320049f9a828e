package kubelmagent.model;

import java.util.List;

/**
 * A Virtual Service as the LoadMaster reports it ({@code listvs}, {@code showvs}).
 *
 * @param id            {@code Index}
 * @param address       {@code VSAddress}; empty for a SubVS
 * @param port          {@code VSPort}; 0 for a SubVS
 * @param protocol      {@code Protocol}: {@code tcp} or {@code udp}
 * @param nickName      {@code NickName}
 * @param subVsIds      the {@code VSIndex} of each {@code SubVS} child the LoadMaster listed
 * @param parent        whether it is a parent VS ({@code MasterVS} above 0, or SubVS children), which
 *                      cannot take Real Servers itself; true even when no SubVS child was listed
 * @param realServers   the {@code Rs} children
 * @param masterVsId    for a SubVS, its parent ({@code MasterVSID}); null for any other VS
 * @param transparent   {@code Transparent}: the VS passes the client's address to the Real Servers, and then
 *                      refuses non-local Real Servers
 */
public record VirtualService(
        VirtualServiceId id,
        String address,
        int port,
        String protocol,
        String nickName,
        List<VirtualServiceId> subVsIds,
        boolean parent,
        List<RealServer> realServers,
        VirtualServiceId masterVsId,
        boolean transparent) {

    public VirtualService {
        address = address == null ? "" : address;
        protocol = protocol == null ? "" : protocol;
        nickName = nickName == null ? "" : nickName;
        subVsIds = List.copyOf(subVsIds);
        parent = parent || !subVsIds.isEmpty();
        realServers = List.copyOf(realServers);
    }

    /** A VS (not a SubVS, not transparent) that is a parent when {@code parent} says so or it lists SubVSs. */
    public VirtualService(
            VirtualServiceId id,
            String address,
            int port,
            String protocol,
            String nickName,
            List<VirtualServiceId> subVsIds,
            boolean parent,
            List<RealServer> realServers) {
        this(id, address, port, protocol, nickName, subVsIds, parent, realServers, null, false);
    }

    /** A VS that is a parent exactly when it lists SubVS children. */
    public VirtualService(
            VirtualServiceId id,
            String address,
            int port,
            String protocol,
            String nickName,
            List<VirtualServiceId> subVsIds,
            List<RealServer> realServers) {
        this(id, address, port, protocol, nickName, subVsIds, false, realServers);
    }

    public boolean hasSubVirtualServices() {
        return parent;
    }

    /** The same VS holding other Real Servers. */
    public VirtualService withRealServers(List<RealServer> others) {
        return new VirtualService(
                id, address, port, protocol, nickName, subVsIds, parent, others, masterVsId, transparent);
    }

    /**
     * What tells this VS apart from a VS with the same Index on another appliance, and stays the same on
     * both units of an HA pair (whose configuration is synchronised): {@code 10.0.0.5:443/tcp}, or
     * {@code SubVS of VS 7}. The ledger records it for every VS it holds Real Servers of.
     */
    public String identity() {
        if (address.isEmpty()) {
            return masterVsId == null ? "VS without address" : "SubVS of VS " + masterVsId;
        }
        String host =
                address.indexOf(':') >= 0 ? "[" + IpAddress.canonical(address) + "]" : IpAddress.canonical(address);
        return host + ":" + port + "/" + protocol.toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code VS 3 (10.0.0.5:443/tcp "web")}, or {@code VS 6 ([fd00::5]:443/tcp)}. */
    public String describe() {
        StringBuilder s = new StringBuilder("VS ").append(id);
        if (!address.isEmpty()) {
            s.append(" (")
                    .append(address.indexOf(':') >= 0 ? "[" + address + "]" : address)
                    .append(':')
                    .append(port)
                    .append('/')
                    .append(protocol);
            if (!nickName.isEmpty()) {
                s.append(" \"").append(nickName).append('"');
            }
            s.append(')');
        }
        return s.toString();
    }
}
