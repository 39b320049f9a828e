package kubelmagent.simulator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

import kubelmagent.model.IpAddress;

/** IP address literals and subnets, without ever asking DNS. */
final class Addresses {

    private Addresses() {}

    /** The address bytes of an IPv4 or IPv6 literal, or null when {@code text} is not one. */
    static byte[] parse(String text) {
        return IpAddress.parse(text);
    }

    /** A subnet such as {@code 10.0.0.0/24} or {@code fd00::/64}. */
    record Subnet(byte[] network, int prefix) {

        static Subnet parse(String cidr) {
            String s = cidr.strip();
            int slash = s.indexOf('/');
            byte[] address = Addresses.parse(slash < 0 ? s : s.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("not a subnet (expected e.g. 10.0.0.0/24): " + cidr);
            }
            int prefix;
            try {
                prefix = slash < 0 ? address.length * 8 : Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a subnet (expected e.g. 10.0.0.0/24): " + cidr, e);
            }
            if (prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException("prefix length out of range: " + cidr);
            }
            return new Subnet(address, prefix);
        }

        /** The /24 (IPv4) or /64 (IPv6) around an address, or null when it is not a literal. */
        static Subnet around(String address) {
            byte[] b = Addresses.parse(address);
            return b == null ? null : new Subnet(b, b.length == 4 ? 24 : 64);
        }

        boolean contains(byte[] address) {
            if (address == null || address.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            try {
                return InetAddress.getByAddress(network).getHostAddress().toLowerCase(Locale.ROOT) + "/" + prefix;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Subnet s && s.prefix == prefix && java.util.Arrays.equals(s.network, network);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Arrays.hashCode(network) + prefix;
        }
    }
}
