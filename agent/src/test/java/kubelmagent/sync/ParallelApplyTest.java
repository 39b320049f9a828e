package kubelmagent.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import kubelmagent.loadmaster.InMemoryLoadMaster;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.log.JournalFormatter;
import kubelmagent.metrics.AgentMetrics;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.PassResult;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.ownership.FileOwnershipLedger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code loadmaster.maxInFlight} above 1: writes to different Virtual Services overlap, those of one VS never do
 * and keep their order, every write-ahead record still precedes its call, and a pass ends as it would with one
 * write at a time.
 */
class ParallelApplyTest {

    /** Six Virtual Services, 3 to 8, each bound to its own Service web3 ... web8. */
    static final int FIRST_VS = 3;

    static final int VSS = 6;

    @TempDir
    Path tmp;

    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            log.add(new JournalFormatter().format(record).strip());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void setUp() {
        Logger.getLogger("kubelmagent").addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("kubelmagent").removeHandler(capture);
    }

    /** One agent against its own LoadMaster, ledger and cluster. */
    final class Agent implements AutoCloseable {
        final ScriptedSource cluster = new ScriptedSource();
        final InMemoryLoadMaster memory = new InMemoryLoadMaster();
        final Watching loadMaster;
        final FileOwnershipLedger ledger;
        final AgentMetrics metrics = new AgentMetrics("test");
        final Reconciler reconciler;

        Agent(int maxInFlight, String dir) throws IOException {
            for (int vs = FIRST_VS; vs < FIRST_VS + VSS; vs++) {
                memory.addVirtualService(vs, "10.0.0." + vs, 80, "tcp", "vs" + vs);
            }
            ledger = FileOwnershipLedger.open(tmp.resolve(dir));
            loadMaster = new Watching(memory, ledger);
            reconciler = new Reconciler(
                    cluster,
                    loadMaster,
                    ledger,
                    Clock.fixed(Instant.parse("2026-11-29T00:00:00Z"), ZoneOffset.UTC),
                    ReconcilerTest.AT_ONCE.withMaxInFlight(maxInFlight),
                    metrics);
        }

        PassResult pass() {
            PassResult r = reconciler.runOnce(StartedBy.TIMER);
            assertEquals(0, loadMaster.inFlight.get(), "the pass ends only when every write has");
            return r;
        }

        /** Every Service at {@code pods} pods. */
        Agent scale(int pods) {
            for (int vs = FIRST_VS; vs < FIRST_VS + VSS; vs++) {
                cluster.service("web" + vs, vs, pods);
            }
            return this;
        }

        @Override
        public void close() throws IOException {
            ledger.close();
        }
    }

    /**
     * A LoadMaster that watches its writes: how many are under way, overall and per VS; the order per VS; and
     * whether the ledger already held what each records ahead. Writes can be held at a gate until enough are
     * under way at once, and made to fail.
     */
    static final class Watching extends ForwardingLoadMaster {
        final FileOwnershipLedger ledger;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final Map<VirtualServiceId, AtomicInteger> perVs = new ConcurrentHashMap<>();
        final AtomicInteger maxPerVs = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();
        final Map<VirtualServiceId, List<String>> order = new ConcurrentHashMap<>();
        final List<String> notRecordedAhead = Collections.synchronizedList(new ArrayList<>());
        /** Each write waits here (at most 10 s) until the gate has been passed this many times. */
        volatile CountDownLatch gate = new CountDownLatch(0);
        /** Given the number of the write (1, 2, ...), whether it finds the LoadMaster unreachable. */
        volatile IntPredicate unreachable = n -> false;
        /** Given the number of the write, whether it hits a bug (an unexpected runtime exception). */
        volatile IntPredicate bug = n -> false;
        /**
         * Whether the other writes, once past the gate, wait until the thread that hit the bug has ended (so
         * surely after the apply has been told to stop).
         */
        volatile boolean holdUntilTheBugThreadEnds;

        final CountDownLatch bugHit = new CountDownLatch(1);
        volatile Thread bugThread;

        Watching(InMemoryLoadMaster to, FileOwnershipLedger ledger) {
            super(to);
            this.ledger = ledger;
        }

        @Override
        public void addRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
            write(vs, "add " + member, ledger.snapshot().get(vs).members().contains(member));
            super.addRealServer(vs, member);
            done(vs);
        }

        @Override
        public void deleteRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
            write(vs, "remove " + member, true); // recorded after the call
            super.deleteRealServer(vs, member);
            done(vs);
        }

        @Override
        public void setRealServerEnabled(VirtualServiceId vs, Member member, boolean enabled)
                throws LoadMasterException {
            Ownership owned = ledger.snapshot().get(vs);
            write(
                    vs,
                    (enabled ? "enable " : "disable ") + member,
                    enabled || owned.retiring().containsKey(member));
            super.setRealServerEnabled(vs, member, enabled);
            done(vs);
        }

        private void write(VirtualServiceId vs, String what, boolean recordedAhead) throws LoadMasterException {
            int n = started.incrementAndGet();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            maxPerVs.accumulateAndGet(
                    perVs.computeIfAbsent(vs, k -> new AtomicInteger()).incrementAndGet(), Math::max);
            order.computeIfAbsent(vs, k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(what);
            if (!recordedAhead) {
                notRecordedAhead.add("VS " + vs + " " + what);
            }
            CountDownLatch g = gate;
            g.countDown();
            try {
                g.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (unreachable.test(n)) {
                done(vs);
                throw new LoadMasterException(
                        "write #" + n + ": no answer from LoadMaster https://10.0.0.2 (ConnectException: Connection"
                                + " refused)",
                        0);
            }
            if (bug.test(n)) {
                done(vs);
                bugThread = Thread.currentThread();
                bugHit.countDown();
                throw new IllegalStateException("a bug at write #" + n);
            }
            if (holdUntilTheBugThreadEnds) {
                try {
                    if (bugHit.await(10, TimeUnit.SECONDS)) {
                        bugThread.join(10_000);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void done(VirtualServiceId vs) {
            perVs.get(vs).decrementAndGet();
            inFlight.decrementAndGet();
        }
    }

    /** Scales up, drains (adds and disables in one VS), re-enables, scales down, deletes: every kind of change. */
    static List<PassResult> churn(Agent a) {
        List<PassResult> results = new ArrayList<>();
        results.add(a.scale(4).pass());
        a.scale(6);
        for (int vs = FIRST_VS; vs < FIRST_VS + VSS; vs++) {
            a.cluster.drain("web" + vs, 1, 2);
        }
        results.add(a.pass());
        results.add(a.scale(6).pass());
        a.scale(3);
        a.cluster.delete("web" + FIRST_VS);
        results.add(a.pass());
        results.add(a.pass());
        return results;
    }

    @Test
    void writesToDifferentVirtualServicesOverlapUpToMaxInFlightAndThoseOfOneVirtualServiceNever() throws IOException {
        try (Agent a = new Agent(4, "four")) {
            a.loadMaster.gate = new CountDownLatch(4); // the first writes wait until four are under way
            PassResult first = a.scale(5).pass();
            assertEquals(VSS * 5, first.applied());
            assertEquals(4, a.loadMaster.maxInFlight.get(), "four at once, never more");
            assertEquals(1, a.loadMaster.maxPerVs.get(), "one at a time per VS");
            assertTrue(
                    log.stream().anyMatch(l -> l.equals("<5>[pass #1] added RS 10.244.1.5:8080 to VS 8 (shop/web8)")),
                    "the threads' lines carry the pass: " + log);
        }
    }

    @Test
    void oneWriteAtATimeByDefault() throws IOException {
        assertEquals(1, ReconcilerTest.AT_ONCE.maxInFlight());
        try (Agent a = new Agent(1, "one")) {
            churn(a);
            assertEquals(1, a.loadMaster.maxInFlight.get());
        }
    }

    @Test
    void aPassWithFourWritesAtOnceKeepsTheOrderOfEachVirtualServiceAndEndsExactlyAsOneAtATime() throws IOException {
        List<PassResult> one;
        Map<VirtualServiceId, List<String>> orderOne;
        String metricsOne;
        List<String> logOne;
        Map<VirtualServiceId, List<Member>> stateOne;
        Object ledgerOne;
        try (Agent a = new Agent(1, "one")) {
            one = churn(a);
            orderOne = new TreeMap<>(a.loadMaster.order);
            metricsOne = scrape(a.metrics);
            logOne = passLines(log);
            stateOne = realServers(a.memory);
            ledgerOne = a.ledger.snapshot();
        }
        log.clear();
        try (Agent a = new Agent(4, "four")) {
            List<PassResult> four = churn(a);
            assertEquals(one, four, "the same pass results");
            assertTrue(
                    orderOne.values().stream().allMatch(w -> w.stream().anyMatch(s -> s.startsWith("disable")))
                            && orderOne.values().stream()
                                    .anyMatch(w -> w.stream().anyMatch(s -> s.startsWith("enable")))
                            && orderOne.values().stream()
                                    .anyMatch(w -> w.stream().anyMatch(s -> s.startsWith("remove"))),
                    "every kind of change is made: " + orderOne);
            assertEquals(orderOne, new TreeMap<>(a.loadMaster.order), "the same writes, in the same order per VS");
            assertEquals(1, a.loadMaster.maxPerVs.get());
            assertEquals(metricsOne, scrape(a.metrics), "the same metrics");
            assertEquals(logOne, passLines(log), "the same log lines");
            assertEquals(stateOne, realServers(a.memory));
            assertEquals(ledgerOne, a.ledger.snapshot());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void everyWriteAheadRecordPrecedesItsCall(int maxInFlight) throws IOException {
        try (Agent a = new Agent(maxInFlight, "ledger")) {
            churn(a);
            assertTrue(a.loadMaster.started.get() > 50, "writes: " + a.loadMaster.started.get());
            assertEquals(List.of(), a.loadMaster.notRecordedAhead);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void aLoadMasterThatStopsAnsweringMidPassFailsEachRemainingChangeAsOneWriteAtATimeDoes(int maxInFlight)
            throws IOException {
        try (Agent a = new Agent(maxInFlight, "unreachable")) {
            a.loadMaster.unreachable = n -> n > 10;
            PassResult r = a.scale(5).pass();
            assertEquals(10, r.applied());
            assertEquals(20, r.failed());
            assertEquals(30, a.loadMaster.started.get(), "each change is tried, as with one write at a time");
            assertEquals(
                    20,
                    log.stream()
                            .filter(l -> l.startsWith("<3>[pass #1] could not add RS") && l.contains("no answer"))
                            .count());
            assertTrue(
                    log.get(log.size() - 1)
                            .startsWith("<4>[pass #1] pass #1 (timer) done in 0 ms (apply 0 ms): 6 Virtual Service(s)"
                                    + " bound, 10 change(s) applied, 20 failed"),
                    log.toString());

            a.loadMaster.unreachable = n -> false;
            PassResult next = a.pass();
            assertEquals(20, next.applied(), "the next pass makes the rest");
            assertEquals(0, next.failed());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void aBugStopsTheApplyNoChangeStartsAfterItThoseUnderWayFinishAndThePassEndsAsWithOneWriteAtATime(int maxInFlight)
            throws IOException {
        try (Agent a = new Agent(maxInFlight, "bug")) {
            a.scale(5);
            // With four threads: writes 1 to 4 are under way at once, one per VS; the 4th hits the bug, and the
            // other three finish only once its thread has ended, so after the apply was told to stop.
            a.loadMaster.gate = new CountDownLatch(maxInFlight);
            a.loadMaster.holdUntilTheBugThreadEnds = maxInFlight > 1;
            a.loadMaster.bug = n -> n == 4;
            PassResult r = a.pass();
            assertEquals(new PassResult(1, 0, 0, 0, 0, 0, 1, false, false, r.elapsed()), r);
            assertEquals(4, a.loadMaster.started.get(), "no change starts once the apply has stopped");
            assertEquals(
                    3,
                    realServers(a.memory).values().stream().mapToInt(List::size).sum(),
                    "the three writes under way finished");
            assertTrue(
                    log.stream()
                            .anyMatch(l -> l.startsWith("<3>[pass #1] pass #1 (timer) stopped by an unexpected error;"
                                    + " nothing more is changed this pass, the next pass starts afresh")),
                    log.toString());
        }
    }

    /** The lines the passes wrote, sorted. */
    private static List<String> passLines(List<String> lines) {
        synchronized (lines) {
            return lines.stream().filter(l -> l.contains("[pass #")).sorted().toList();
        }
    }

    private static Map<VirtualServiceId, List<Member>> realServers(InMemoryLoadMaster lm) {
        Map<VirtualServiceId, List<Member>> all = new TreeMap<>();
        for (int vs = FIRST_VS; vs < FIRST_VS + VSS; vs++) {
            all.put(VirtualServiceId.of(vs), lm.realServers(VirtualServiceId.of(vs)));
        }
        return all;
    }

    private static String scrape(AgentMetrics metrics) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
