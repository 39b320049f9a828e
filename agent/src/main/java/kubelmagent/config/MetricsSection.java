package kubelmagent.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/** The {@code metrics} section: where to serve /metrics, /healthz and /readyz. */
final class MetricsSection {

    static final List<String> KEYS = List.of("listen");
    static final String DEFAULT_LISTEN = "127.0.0.1:9464";

    /** host:port, the host an IPv6 address in brackets, an IPv4 address or a name. */
    static final Pattern HOST_PORT = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([A-Za-z0-9.-]+)):(\\d{1,5})");

    private MetricsSection() {}

    /** {@code metrics.listen}: host:port (IPv6 in brackets), or "" for off; default 127.0.0.1:9464. Null: off. */
    static InetSocketAddress listen(YamlSection s) {
        String mustBe = "must be host:port, e.g. 127.0.0.1:9464, or \"\" to turn the metrics endpoints off";
        String text = s.has("listen") ? s.scalar("listen", mustBe) : DEFAULT_LISTEN;
        if (text == null) {
            return null; // the problem is already recorded
        }
        String value = text.strip();
        if (value.isEmpty()) {
            return null;
        }
        Matcher m = HOST_PORT.matcher(value);
        if (m.matches()) {
            int port = Integer.parseInt(m.group(3));
            String host = m.group(1) != null ? m.group(1) : m.group(2);
            if (port >= 1 && port <= 65535) {
                InetSocketAddress address = new InetSocketAddress(host, port);
                if (!address.isUnresolved()) {
                    return address;
                }
                s.problem(
                        "listen",
                        "host " + host + " does not resolve to an address of this machine" + Problems.got(text));
                return null;
            }
        }
        s.problem("listen", mustBe + Problems.got(text));
        return null;
    }
}
