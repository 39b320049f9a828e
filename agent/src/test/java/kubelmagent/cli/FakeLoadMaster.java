package kubelmagent.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;

/**
 * A LoadMaster APIv1 over HTTPS with just enough state for wiring tests and benchmarks: Virtual
 * Services with Real Servers, {@code showvs}, {@code addrs} and {@code delrs}, answered in the
 * envelopes a real appliance sends.
 */
final class FakeLoadMaster implements AutoCloseable {

    static final String API_KEY = "lm-key-3b1d";

    final MockWebServer server = new MockWebServer();
    private final Map<Integer, List<String[]>> realServers = new TreeMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final List<String> writes = new ArrayList<>();
    private int nextRsIndex = 1;

    FakeLoadMaster() throws IOException {
        server.setServerSocketFactory(TestTls.noDelay());
        server.useHttps(TestTls.serverSocketFactory());
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer(request.getUrl());
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    String url() {
        return "https://127.0.0.1:" + server.getPort();
    }

    synchronized FakeLoadMaster virtualService(int index) {
        realServers.put(index, new ArrayList<>());
        return this;
    }

    synchronized List<String> realServers(int vs) {
        return realServers.get(vs).stream().map(rs -> rs[1] + ":" + rs[2]).sorted().toList();
    }

    synchronized List<String> writes() {
        return List.copyOf(writes);
    }

    int calls(String command) {
        return calls.computeIfAbsent(command, c -> new AtomicInteger()).get();
    }

    private synchronized MockResponse answer(HttpUrl url) {
        String command = url.encodedPath().substring("/access/".length());
        calls.computeIfAbsent(command, c -> new AtomicInteger()).incrementAndGet();
        if (!API_KEY.equals(url.queryParameter("apikey"))) {
            return new MockResponse.Builder().code(401).body("").build();
        }
        int vs = Integer.parseInt(url.queryParameter("vs"));
        List<String[]> rs = realServers.get(vs);
        if (rs == null) {
            return error(422, "Unknown VS");
        }
        String ip = url.queryParameter("rs");
        String port = url.queryParameter("rsport");
        switch (command) {
            case "showvs":
                return ok("<Data>" + vsFields(vs, rs.size()) + rsElements(vs, rs) + "</Data>");
            case "addrs":
                if (rs.stream().anyMatch(r -> r[1].equals(ip) && r[2].equals(port))) {
                    return error(422, "Real Server already exists");
                }
                String[] added = {String.valueOf(nextRsIndex++), ip, port};
                rs.add(added);
                writes.add(url.encodedPath() + "?" + url.encodedQuery());
                return ok("<Data>" + rsElements(vs, List.<String[]>of(added)) + "</Data>");
            case "delrs":
                if (!rs.removeIf(r -> r[1].equals(ip) && r[2].equals(port))) {
                    return error(422, "Unknown RS");
                }
                writes.add(url.encodedPath() + "?" + url.encodedQuery());
                return ok("Command completed ok");
            default:
                return error(405, "Unknown command");
        }
    }

    private static String vsFields(int vs, int count) {
        return "<Status>Up</Status>\r\n<Index>" + vs + "</Index>\r\n<VSAddress>10.0.0." + vs + "</VSAddress>\r\n"
                + "<VSPort>80</VSPort>\r\n<Layer>7</Layer>\r\n<NickName>vs" + vs + "</NickName>\r\n<Enable>Y</Enable>\r\n"
                + "<Transparent>N</Transparent>\r\n<VStype>http</VStype>\r\n<Protocol>tcp</Protocol>\r\n"
                + "<Schedule>rr</Schedule>\r\n<MasterVS>0</MasterVS>\r\n<MasterVSID>0</MasterVSID>\r\n"
                + "<NumberOfRSs>" + count + "</NumberOfRSs>\r\n";
    }

    private static String rsElements(int vs, List<String[]> rs) {
        StringBuilder s = new StringBuilder();
        for (String[] r : rs) {
            s.append("<Rs>\r\n<Status>Down</Status>\r\n<VSIndex>").append(vs).append("</VSIndex>\r\n<RsIndex>")
                    .append(r[0]).append("</RsIndex>\r\n<Addr>").append(r[1]).append("</Addr>\r\n<Port>").append(r[2])
                    .append("</Port>\r\n<DnsName></DnsName>\r\n<Forward>nat</Forward>\r\n<Weight>1000</Weight>\r\n")
                    .append("<Limit>0</Limit>\r\n<RateLimit>0</RateLimit>\r\n<Follow>0</Follow>\r\n<Enable>Y</Enable>\r\n")
                    .append("<Critical>N</Critical>\r\n<Nrules>0</Nrules>\r\n</Rs>\r\n");
        }
        return s.toString();
    }

    private static MockResponse ok(String success) {
        return xml(200, "<Response stat=\"200\" code=\"ok\">\r\n<Success>" + success + "</Success>\r\n</Response>\r\n");
    }

    private static MockResponse error(int stat, String text) {
        return xml(stat, "<Response stat=\"" + stat + "\" code=\"fail\">\r\n<Error>" + text + "</Error>\r\n</Response>\r\n");
    }

    private static MockResponse xml(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "text/xml")
                .body("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n" + body).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
