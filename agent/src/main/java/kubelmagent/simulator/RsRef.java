package kubelmagent.simulator;

import java.util.Locale;

/**
 * How a command names a Real Server inside a Virtual Service: {@code rs=!<RsIndex>}, or
 * {@code rs=<address>&rsport=<port>}.
 *
 * @param rsIndex the RsIndex, or 0 when the address and port are used
 * @param address the RS address (second form only)
 * @param port    the RS port (second form only)
 */
public record RsRef(int rsIndex, String address, int port) {

    public static RsRef index(int rsIndex) {
        return new RsRef(rsIndex, null, 0);
    }

    public static RsRef address(String address, int port) {
        return new RsRef(0, address.strip().toLowerCase(Locale.ROOT), port);
    }

    public boolean byIndex() {
        return address == null;
    }

    @Override
    public String toString() {
        return byIndex() ? "!" + rsIndex : address + ":" + port;
    }
}
