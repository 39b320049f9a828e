package kubelmagent.model;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network such as {@code 10.244.0.0/16}: which pod IPs the agent may adopt.
 *
 * @param network the address as written (host bits may be set; they are ignored)
 * @param prefix  prefix length: 0..32 for IPv4, 0..128 for IPv6
 */
public record Cidr(String network, int prefix) {

    private static final Pattern IPV4 = Pattern.compile("([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");

    /** Starts with a hex digit or ':', so InetAddress reads it as a literal and never asks DNS. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private static final Pattern PREFIX = Pattern.compile("[0-9]{1,3}");

    /**
     * @throws IllegalArgumentException if {@code network} is not an IP address or {@code prefix} does not
     *         fit it; the message says what is wrong without repeating the value, so callers add it
     */
    public Cidr {
        byte[] address = literal(network);
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
        if (text == null) {
            return null;
        }
        String s = text.strip();
        Matcher v4 = IPV4.matcher(s);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) {
                    return null;
                }
                bytes[i] = (byte) octet;
            }
            return bytes;
        }
        if (s.indexOf(':') < 0 || !IPV6.matcher(s).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
