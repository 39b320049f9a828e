package kubelmagent.simulator;

import java.util.List;
import java.util.Map;

/**
 * A Virtual Service of the simulated LoadMaster, as {@code showvs} shows it.
 *
 * @param index        {@code Index}
 * @param address      {@code VSAddress}; empty for a SubVS (which has no address element)
 * @param port         {@code VSPort}; 0 for a SubVS
 * @param protocol     {@code Protocol}: {@code tcp} or {@code udp}
 * @param status       {@code Status}; always {@code Down} (no health checks are simulated)
 * @param masterVsId   {@code MasterVSID}: the parent's Index for a SubVS, else 0
 * @param settings     every settable field by its element name ({@code NickName}, {@code Enable},
 *                     {@code VStype}, ...), flags as {@code Y}/{@code N}; see {@link VsFields}
 * @param subVs        the {@code <SubVS>} entries of a parent; {@code MasterVS} is their number
 * @param realServers  the {@code <Rs>} children that reads can see (see the read-after-write fault)
 */
public record SimVirtualService(
        int index,
        String address,
        int port,
        String protocol,
        String status,
        int masterVsId,
        Map<String, String> settings,
        List<SimSubVs> subVs,
        List<SimRealServer> realServers) {

    public SimVirtualService {
        settings = Map.copyOf(settings);
        subVs = List.copyOf(subVs);
        realServers = List.copyOf(realServers);
    }

    public String nickName() {
        return settings.getOrDefault("NickName", "");
    }

    public boolean isSubVs() {
        return masterVsId != 0;
    }

    /** One setting by element name, e.g. {@code setting("Enable")} is {@code Y}. */
    public String setting(String name) {
        return settings.getOrDefault(name, "");
    }
}
