package kubelmagent.simulator;

import java.util.Locale;
import kubelmagent.model.IpAddress;

/**
 * How a command names a Virtual Service: {@code vs=<Index>}, or {@code vs=<address>&port=<port>&prot=<tcp|udp>}.
 *
 * @param index    the Index, or 0 when the address triple is used
 * @param address  the VIP (triple form only), in canonical form ({@link IpAddress#canonical})
 * @param port     the port (triple form only)
 * @param protocol {@code tcp} or {@code udp} (triple form only)
 */
public record VsRef(int index, String address, int port, String protocol) {

    public static VsRef index(int index) {
        return new VsRef(index, null, 0, null);
    }

    public static VsRef address(String address, int port, String protocol) {
        return new VsRef(0, IpAddress.canonical(address), port, protocol.strip().toLowerCase(Locale.ROOT));
    }

    public boolean byIndex() {
        return address == null;
    }

    @Override
    public String toString() {
        if (byIndex()) {
            return Integer.toString(index);
        }
        String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        return host + ":" + port + "/" + protocol;
    }
}
