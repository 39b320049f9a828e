package kubelmagent.model;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 network such as {@code 10.244.0.0/16}: which pod IPs the agent may adopt.
 *
 * @param network the address as written (host bits may be set; they are ignored)
 * @param prefix  prefix length: 0..32 for IPv4, 0..128 for IPv6
 */
public record Cidr(String network, int prefix) {

    public Cidr {
        byte[] address = literal(network);
        if (address == null) {
            throw new IllegalArgumentException("\"" + network + "\" is not an IP address");
        }
        if (prefix < 0 || prefix > address.length * 8) {
            throw new IllegalArgumentException("prefix /" + prefix + " is out of range for " + network
                    + " (0.." + address.length * 8 + ")");
        }
    }

    /**
     * Parses {@code 10.244.0.0/16} or {@code fd00::/64}.
     *
     * @throws IllegalArgumentException with a message that says what is wrong
     */
    public static Cidr parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("\"" + text + "\" is not a CIDR such as 10.244.0.0/16");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" has no numeric prefix length after the /");
        }
        return new Cidr(text.substring(0, slash).strip(), prefix);
    }

    /** Whether {@code ip} (an IP literal) lies inside this network; false for anything else. */
    public boolean contains(String ip) {
        byte[] candidate = literal(ip);
        byte[] base = literal(network);
        if (candidate == null || base == null || candidate.length != base.length) {
            return false;
        }
        int bits = base.length * 8;
        BigInteger mask = prefix == 0 ? BigInteger.ZERO
                : BigInteger.ONE.shiftLeft(prefix).subtract(BigInteger.ONE).shiftLeft(bits - prefix);
        return new BigInteger(1, candidate).and(mask).equals(new BigInteger(1, base).and(mask));
    }

    @Override
    public String toString() {
        return network + "/" + prefix;
    }

    /** The bytes of an IP literal, or null if it is not one (never a DNS lookup). */
    private static byte[] literal(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String s = text.strip();
        boolean v4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
