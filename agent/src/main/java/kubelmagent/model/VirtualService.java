package kubelmagent.model;

import java.util.List;

/**
 * A Virtual Service as the LoadMaster reports it ({@code showvs}).
 *
 * @param id            {@code Index}
 * @param address       {@code VSAddress}; empty for a SubVS
 * @param port          {@code VSPort}; 0 for a SubVS
 * @param protocol      {@code Protocol}: {@code tcp} or {@code udp}
 * @param nickName      {@code NickName}
 * @param subVsIds      the {@code VSIndex} of each {@code SubVS} child; non-empty for a parent VS,
 *                      which cannot take Real Servers itself
 * @param realServers   the {@code Rs} children
 */
public record VirtualService(
        VirtualServiceId id,
        String address,
        int port,
        String protocol,
        String nickName,
        List<VirtualServiceId> subVsIds,
        List<RealServer> realServers) {

    public VirtualService {
        address = address == null ? "" : address;
        protocol = protocol == null ? "" : protocol;
        nickName = nickName == null ? "" : nickName;
        subVsIds = List.copyOf(subVsIds);
        realServers = List.copyOf(realServers);
    }

    public boolean hasSubVirtualServices() {
        return !subVsIds.isEmpty();
    }

    /** {@code VS 3 (10.0.0.5:443/tcp "web")}. */
    public String describe() {
        StringBuilder s = new StringBuilder("VS ").append(id);
        if (!address.isEmpty()) {
            s.append(" (").append(address).append(':').append(port).append('/').append(protocol);
            if (!nickName.isEmpty()) {
                s.append(" \"").append(nickName).append('"');
            }
            s.append(')');
        }
        return s.toString();
    }
}
