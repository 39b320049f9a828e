package kubelmagent.ha;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import kubelmagent.kube.ObjectStore;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.ownership.OwnershipLedger;

/**
 * What one ledger write costs the agent (one Real Server added: the write-ahead record), for the file ledger and
 * for the shared ledger in ConfigMaps, with V Virtual Services of 20 Real Servers each: milliseconds of the
 * agent's own work (serialising and splitting; the ConfigMaps go to an in-memory store, so the API server's round
 * trip is not in it) and the bytes sent. Not a test: run it with
 * {@code mvn -B -q -o -pl agent test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=kubelmagent.ha.LedgerWriteBenchmark [-Dexec.args="10,100,1000 200"]}.
 */
public final class LedgerWriteBenchmark {

    private LedgerWriteBenchmark() {}

    public static void main(String[] args) throws IOException {
        String[] sizes = (args.length > 0 ? args[0] : "10,100,1000").split(",");
        int writes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        System.out.println("VSs  RS      ledger      ms/write (median)  bytes/write  objects");
        for (String size : sizes) {
            int vss = Integer.parseInt(size);
            Ledger start = ledger(vss);
            Path dir = Files.createTempDirectory("ledger-bench");
            try (FileOwnershipLedger file = FileOwnershipLedger.open(dir)) {
                file.record(l -> start);
                report(vss, "file", time(file, vss, writes), Files.size(dir.resolve(FileOwnershipLedger.FILE_NAME)), 1);
            }
            InMemoryObjectStore store = new InMemoryObjectStore();
            LeaseElector.Term term = new LeaseElector.Term("bench", 1);
            ConfigMapLedger shared = new ConfigMapLedger(store, "ledger", () -> term);
            shared.takeOver(term);
            shared.record(l -> start);
            double ms = time(shared, vss, writes);
            long bytes = 0;
            for (String name : store.names(ObjectStore.Kind.CONFIG_MAP)) {
                bytes = Math.max(
                        bytes,
                        store.object(ObjectStore.Kind.CONFIG_MAP, name)
                                .toString()
                                .getBytes(StandardCharsets.UTF_8)
                                .length);
            }
            report(
                    vss,
                    "ConfigMaps",
                    ms,
                    bytes,
                    store.names(ObjectStore.Kind.CONFIG_MAP).size());
        }
    }

    private static void report(int vss, String kind, double ms, long bytes, int objects) {
        System.out.printf("%-4d %-7d %-11s %-18.2f %-12d %d%n", vss, vss * 20, kind, ms, bytes, objects);
    }

    /** The median time of {@code writes} adds, each to a VS picked in turn (the last VS's object, for the largest). */
    private static double time(OwnershipLedger ledger, int vss, int writes) throws IOException {
        long[] took = new long[writes];
        ServiceRef web = new ServiceRef("bench", "web");
        for (int i = 0; i < writes; i++) {
            VirtualServiceId vs = VirtualServiceId.of(1 + i % vss);
            Member member = new Member("10.9." + (i >> 8 & 255) + "." + (i & 255), 9090);
            long t0 = System.nanoTime();
            ledger.update(vs, o -> o.withMember(web, member));
            took[i] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(took);
        return took[writes / 2] / 1e6;
    }

    /** A ledger of {@code vss} Virtual Services of 20 Real Servers each, for the benchmarks. */
    public static Ledger ledger(int vss) {
        Map<VirtualServiceId, Ownership> owned = new TreeMap<>();
        for (int v = 1; v <= vss; v++) {
            Set<Member> members = new TreeSet<>();
            for (int r = 0; r < 20; r++) {
                members.add(new Member("10." + (v >> 8 & 255) + "." + (v & 255) + "." + r, 8080));
            }
            owned.put(VirtualServiceId.of(v), new Ownership(new ServiceRef("bench", "svc-" + v), members));
        }
        return new Ledger("https://10.0.0.2", owned, CapacityHistory.EMPTY);
    }
}
