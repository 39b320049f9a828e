package kubelmagent.simulator;

import kubelmagent.model.IpAddress;

/**
 * How a command names a Real Server inside a Virtual Service: {@code rs=!<RsIndex>}, or
 * {@code rs=<address>&rsport=<port>}.
 *
 * @param rsIndex the RsIndex, or 0 when the address and port are used
 * @param address the RS address (second form only), in canonical form ({@link IpAddress#canonical})
 * @param port    the RS port (second form only)
 */
public record RsRef(int rsIndex, String address, int port) {

    public static RsRef index(int rsIndex) {
        return new RsRef(rsIndex, null, 0);
    }

    public static RsRef address(String address, int port) {
        return new RsRef(0, IpAddress.canonical(address), port);
    }

    public boolean byIndex() {
        return address == null;
    }

    @Override
    public String toString() {
        if (byIndex()) {
            return "!" + rsIndex;
        }
        return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
    }
}
