package kubelmagent.e2e;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import kubelmagent.ha.ConfigMapLedger;
import kubelmagent.ha.HaSettings;
import kubelmagent.ha.LeaseElector;
import kubelmagent.ha.LedgerWriteBenchmark;
import kubelmagent.http.ApiObserver;
import kubelmagent.kube.KubernetesConnection;
import kubelmagent.kube.KubernetesObjectStore;
import kubelmagent.kube.ObjectStore;
import kubelmagent.log.JournalLogging;
import kubelmagent.model.Member;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.secret.Secret;
import kubelmagent.tls.Pem;
import kubelmagent.tls.TlsSettings;

/**
 * What the shared ledger of {@code ha} costs against the real API server (kube-apiserver 1.20 and etcd on this
 * host, as the e2e tier starts them): one ledger write (the write-ahead record of one add, a compare-and-swap PUT
 * of the ConfigMap holding that VS), one fence (the same PUT, for a removal), one Lease renewal, and a standby
 * agent's read of the whole ledger, at V Virtual Services of 20 Real Servers each. Not a test: run it with
 * {@code KUBE_LM_AGENT_E2E=required E2E_APISERVER_PORT=27443 E2E_ETCD_PORT=24790 mvn -B -q -o -pl agent
 * test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=kubelmagent.e2e.LedgerWriteE2EBenchmark
 * -De2e.scripts=agent/e2e [-Dexec.args="10,100,1000 100"]}.
 */
public final class LedgerWriteE2EBenchmark {

    private LedgerWriteE2EBenchmark() {}

    public static void main(String[] args) throws Exception {
        String[] sizes = (args.length > 0 ? args[0] : "10,100,1000").split(",");
        int writes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        JournalLogging.install(new PrintStream(OutputStream.nullOutputStream()), false);
        RealCluster cluster = RealCluster.get();
        cluster.admin.post("/api/v1/namespaces", Map.of("metadata", Map.of("name", "bench-ha")));
        KubernetesConnection admin = new KubernetesConnection(
                cluster.server,
                TlsSettings.trusting(Pem.readCertificates(cluster.caFile)),
                null,
                Secret.of(Files.readString(cluster.dir.resolve("admin-token")).trim()),
                Duration.ofSeconds(10));
        System.out.println(
                "VSs  RS      objects  largest   write p50/p90 ms   fence p50 ms   standby read ms   renew p50 ms");
        try (KubernetesObjectStore store =
                new KubernetesObjectStore(admin, "bench-ha", Duration.ofSeconds(10), ApiObserver.NONE)) {
            for (String size : sizes) {
                int vss = Integer.parseInt(size);
                String name = "ledger-" + vss;
                LeaseElector.Term term = new LeaseElector.Term("bench", 1);
                ConfigMapLedger ledger = new ConfigMapLedger(store, name, () -> term);
                ledger.takeOver(term);
                ledger.record(l -> LedgerWriteBenchmark.ledger(vss));
                long[] write = new long[writes];
                long[] fence = new long[writes];
                ServiceRef web = new ServiceRef("bench", "web");
                for (int i = 0; i < writes; i++) {
                    VirtualServiceId vs = VirtualServiceId.of(1 + i % vss);
                    Member member = new Member("10.9." + (i >> 8 & 255) + "." + (i & 255), 9090);
                    long t0 = System.nanoTime();
                    ledger.update(vs, o -> o.withMember(web, member));
                    write[i] = System.nanoTime() - t0;
                    t0 = System.nanoTime();
                    ledger.fence(vs);
                    fence[i] = System.nanoTime() - t0;
                }
                ConfigMapLedger standby = new ConfigMapLedger(store, name, () -> null);
                long t0 = System.nanoTime();
                standby.load();
                long read = System.nanoTime() - t0;
                int objects = 0;
                long largest = 0;
                for (int i = 0; ; i++) {
                    var o = store.get(ObjectStore.Kind.CONFIG_MAP, i == 0 ? name : name + "-" + i);
                    if (o.isEmpty()) {
                        break;
                    }
                    objects++;
                    largest = Math.max(largest, o.get().toString().length());
                }
                LeaseElector elector = new LeaseElector(
                        store,
                        new HaSettings(
                                "bench-ha",
                                "lease-" + vss,
                                "bench",
                                Duration.ofSeconds(15),
                                Duration.ofSeconds(10),
                                Duration.ofSeconds(2),
                                name),
                        java.time.Clock.systemUTC(),
                        System::nanoTime,
                        () -> {});
                long[] renew = new long[20];
                for (int i = 0; i < renew.length; i++) {
                    long r0 = System.nanoTime();
                    elector.round();
                    renew[i] = System.nanoTime() - r0;
                }
                System.out.printf(
                        "%-4d %-7d %-8d %-9d %6.1f / %-9.1f %-14.1f %-17.1f %.1f%n",
                        vss,
                        vss * 20,
                        objects,
                        largest,
                        ms(write, 50),
                        ms(write, 90),
                        ms(fence, 50),
                        read / 1e6,
                        ms(renew, 50));
            }
        }
        System.exit(0);
    }

    private static double ms(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
    }
}
