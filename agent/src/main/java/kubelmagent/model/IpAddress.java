package kubelmagent.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * IP address literals: parsed without ever asking DNS, and written in one canonical form, so that the
 * same address spelt two ways ({@code fd00:0:0::1} and {@code fd00::1}, {@code FD00::1},
 * {@code 010.0.0.1} and {@code 10.0.0.1}) compares equal wherever the agent meets it: Kubernetes, the
 * LoadMaster's answers, the ledger, the configuration.
 */
public final class IpAddress {

    /** Starts with a hex digit or ':', so InetAddress reads it as a literal and never asks DNS. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private IpAddress() {}

    /** The 4 or 16 bytes of an IPv4 or IPv6 literal, or null if {@code text} is not one. */
    public static byte[] parse(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        if (s.indexOf(':') < 0) {
            return ipv4(s);
        }
        if (!IPV6.matcher(s).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * Four dot-separated groups of one to three ASCII digits, each at most 255; null otherwise. By hand rather
     * than with a regular expression: a pass reads every endpoint's address, 20,000 of them at 1,000 Services.
     */
    private static byte[] ipv4(String s) {
        byte[] bytes = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > 3) {
                    return null;
                }
                value = value * 10 + (c - '0');
            } else if (c == '.' && digits > 0 && part < 3 && value <= 255) {
                bytes[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        if (part != 3 || digits == 0 || value > 255) {
            return null;
        }
        bytes[3] = (byte) value;
        return bytes;
    }

    /**
     * The canonical text of an address: dotted decimal without leading zeros for IPv4, RFC 5952 for IPv6
     * (lower case, no leading zeros, the longest run of two or more zero groups written {@code ::}).
     * Anything that is not an IP literal (a host name) is only trimmed and lower-cased.
     */
    public static String canonical(String text) {
        byte[] bytes = parse(text);
        if (bytes == null) {
            return text == null ? null : text.strip().toLowerCase(Locale.ROOT);
        }
        return bytes.length == 4 ? ipv4(bytes) : ipv6(bytes);
    }

    /** Whether {@code text} is an IPv6 literal. */
    public static boolean isIpv6(String text) {
        byte[] bytes = parse(text);
        return bytes != null && bytes.length == 16;
    }

    private static String ipv4(byte[] b) {
        return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }

    private static String ipv6(byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // RFC 5952 4.2.2: a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }
}
