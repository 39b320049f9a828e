package kubelmagent.model;

import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network such as {@code 10.244.0.0/16}: which pod IPs the agent may adopt.
 *
 * @param network the address as written (host bits may be set; they are ignored)
 * @param prefix  prefix length: 0..32 for IPv4, 0..128 for IPv6
 */
public record Cidr(String network, int prefix) {

    private static final Pattern PREFIX = Pattern.compile("[0-9]{1,3}");

    /**
     * @throws IllegalArgumentException if {@code network} is not an IP address or {@code prefix} does not
     *         fit it; the message says what is wrong without repeating the value, so callers add it
     */
    public Cidr {
        byte[] address = IpAddress.parse(network);
        if (address == null) {
            throw new IllegalArgumentException("the part before the / is not an IPv4 or IPv6 address");
        }
        if (prefix < 0 || prefix > address.length * 8) {
            throw new IllegalArgumentException("the prefix length of an " + (address.length == 4 ? "IPv4" : "IPv6")
                    + " network is 0 to " + address.length * 8);
        }
    }

    /**
     * Parses {@code 10.244.0.0/16} or {@code fd00::/64}.
     *
     * @throws IllegalArgumentException with a message that says what is wrong, without repeating {@code text}
     */
    public static Cidr parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("there is no / and prefix length");
        }
        String prefix = text.substring(slash + 1).strip();
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("the prefix length after the / must be a number");
        }
        return new Cidr(text.substring(0, slash).strip(), Integer.parseInt(prefix));
    }

    /**
     * The network of {@code ipv4Prefix} bits (for an IPv4 address) or {@code ipv6Prefix} bits (IPv6) that
     * {@code address} lies in, written with {@code address} itself: e.g. the /24 around {@code 10.0.0.7},
     * or with 32 and 128 the address alone. Null when {@code address} is not an IP literal.
     *
     * @throws IllegalArgumentException if the prefix length does not fit the address
     */
    public static Cidr around(String address, int ipv4Prefix, int ipv6Prefix) {
        byte[] bytes = IpAddress.parse(address);
        return bytes == null ? null : new Cidr(address.strip(), bytes.length == 4 ? ipv4Prefix : ipv6Prefix);
    }

    /** Whether {@code ip} (an IP literal) lies inside this network; false for anything else. */
    public boolean contains(String ip) {
        byte[] candidate = IpAddress.parse(ip);
        byte[] base = IpAddress.parse(network);
        if (candidate == null || base == null || candidate.length != base.length) {
            return false;
        }
        int bits = base.length * 8;
        BigInteger mask = prefix == 0
                ? BigInteger.ZERO
                : BigInteger.ONE.shiftLeft(prefix).subtract(BigInteger.ONE).shiftLeft(bits - prefix);
        return new BigInteger(1, candidate).and(mask).equals(new BigInteger(1, base).and(mask));
    }

    @Override
    public String toString() {
        return network + "/" + prefix;
    }
}
