package kubelmagent.model;

import java.util.Comparator;

/**
 * One backend address: a pod IP and the port it serves on. On the LoadMaster it is a Real Server's
 * {@code Addr} and {@code Port}; in Kubernetes it is an endpoint address and its resolved target port.
 * Within a Virtual Service a Real Server is identified by exactly this pair. The address is kept in
 * canonical form ({@link IpAddress#canonical}), so {@code fd00:0:0::1} and {@code fd00::1} are one member.
 */
public record Member(String ip, int port) implements Comparable<Member> {

    private static final Comparator<Member> ORDER =
            Comparator.comparing(Member::ip).thenComparingInt(Member::port);

    public Member {
        if (ip == null || ip.isBlank()) {
            throw new IllegalArgumentException("a member needs an IP address");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535 (got " + port + ")");
        }
        ip = IpAddress.canonical(ip);
    }

    @Override
    public int compareTo(Member other) {
        return ORDER.compare(this, other);
    }

    /** {@code 10.0.0.1:8080}, or {@code [fd00::1]:8080} for IPv6. */
    @Override
    public String toString() {
        return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
    }
}
