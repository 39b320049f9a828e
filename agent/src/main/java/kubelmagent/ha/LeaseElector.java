package kubelmagent.ha;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import kubelmagent.kube.ObjectStore;
import kubelmagent.kube.ObjectStoreException;
import kubelmagent.log.Log;

/**
 * Holds, or waits for, the {@code coordination.k8s.io/v1} Lease that says which of two agents writes to the
 * LoadMaster: the leader election of client-go, with the Lease as the lock and the API server's compare-and-swap
 * as the only arbiter.
 *
 * <ul>
 *   <li>Every {@code retryPeriod} the agent reads the Lease. It takes it when nobody holds it, or when the
 *       holder has not renewed it for {@code leaseDurationSeconds} <em>as this agent measured</em> (from when it
 *       last saw the Lease change, on its own monotonic clock, so the two hosts' clocks never matter). The holder
 *       renews it. Each write is a compare-and-swap, so of two agents that try at once one wins.</li>
 *   <li>The holder counts as holding it for {@code renewDeadline} after it <em>sent</em> its last successful
 *       renewal ({@link #holding()}). The deadline is shorter than the lease duration, so a holder that cannot
 *       renew (API unreachable, paused) has stopped writing before the other agent may take over.</li>
 *   <li>Each process writes a random token of its own next to its identity, so two agents given the same
 *       identity (cloned hosts) are told apart: neither takes the Lease from the other while it is being
 *       renewed.</li>
 *   <li>On a clean stop the holder gives the Lease back, so the other agent takes over within one retry
 *       period instead of a lease duration.</li>
 * </ul>
 */
public final class LeaseElector implements AutoCloseable {

    private static final Log LOG = Log.get(LeaseElector.class);

    /** The Lease annotation naming the process that holds it: a random token per process. */
    static final String PROCESS_ANNOTATION = "kube-lm-agent/holder-process";

    /** The Lease annotation naming the ledger ConfigMap its holders write: every agent of the Lease must use it. */
    static final String LEDGER_ANNOTATION = "kube-lm-agent/ledger";

    static final DateTimeFormatter MICRO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(ZoneOffset.UTC);

    /**
     * One holding of the Lease, from taking it to losing it.
     *
     * @param identity    the holder's identity
     * @param transitions the Lease's {@code leaseTransitions} when it was taken: each holding has its own
     */
    public record Term(String identity, long transitions) {
        /** {@code node-a (term 4)} */
        public String describe() {
            return identity + " (term " + transitions + ")";
        }
    }

    /** What the agent saw of the Lease at its last read. */
    private record Seen(
            String holder,
            String process,
            String ledger,
            String resourceVersion,
            int durationSeconds,
            long transitions) {}

    private final ObjectStore store;
    private final HaSettings settings;
    private final Clock clock;
    private final LongSupplier nanos;
    private final Runnable onTaken;
    private final String process = UUID.randomUUID().toString();

    private volatile Seen seen;
    /** When {@link #seen} last changed ({@link #nanos}). */
    private long seenChangedAt;
    /**
     * The holding under way, or null. Atomic, and {@link #renewedAt} volatile, so that {@link #holding()}, which
     * every LoadMaster write asks, never waits for a round that is talking to a slow API server.
     */
    private final AtomicReference<Term> term = new AtomicReference<>();
    /** When the last successful renewal was sent ({@link #nanos}). */
    private volatile long renewedAt;
    /** The last failure to read or write the Lease, for the line that says the holding is lost. */
    private volatile String lastFailure;

    private boolean sharedIdentityLogged;
    /** The other ledger the Lease named when that was last logged. */
    private String otherLedgerLogged;

    private volatile Thread thread;

    /**
     * @param nanos   a monotonic clock in nanoseconds ({@code System::nanoTime})
     * @param onTaken called, on the elector's thread, each time this agent takes the Lease: start a pass
     */
    public LeaseElector(ObjectStore store, HaSettings settings, Clock clock, LongSupplier nanos, Runnable onTaken) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.nanos = nanos;
        this.onTaken = onTaken;
    }

    /** Starts trying to take and renew the Lease, every retry period, on a daemon thread of its own. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = new Thread(this::run, "lease");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            boolean leading = round();
            try {
                Thread.sleep(nextRoundIn(leading, ThreadLocalRandom.current().nextDouble())
                        .toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * How long to wait for the next round: the retry period; for an agent that does not hold the Lease, with
     * client-go's jitter of up to a fifth more (so two agents never collide), but no later than the moment the
     * holding it saw runs out, so that it takes over then rather than up to a retry period later.
     *
     * @param jitter a number from 0 to 1
     */
    synchronized Duration nextRoundIn(boolean leading, double jitter) {
        Duration retry = settings.retryPeriod();
        if (leading) {
            return retry;
        }
        Duration wait = retry.plus(Duration.ofMillis((long) (retry.toMillis() / 5.0 * jitter)));
        if (seen != null && !seen.holder().isEmpty()) {
            long left =
                    seenChangedAt + Duration.ofSeconds(seen.durationSeconds()).toNanos() - nanos.getAsLong();
            Duration untilExpiry = Duration.ofNanos(Math.max(0, left)).plusMillis(1);
            if (untilExpiry.compareTo(wait) < 0) {
                return untilExpiry;
            }
        }
        return wait;
    }

    /** The holding under way if this agent may write now, else null. Never waits. */
    public Term holding() {
        Term now = term.get();
        if (now == null
                || nanos.getAsLong() - renewedAt < settings.renewDeadline().toNanos()) {
            return now;
        }
        if (term.compareAndSet(now, null)) {
            LOG.warning("could not renew the " + settings.describeLease() + " within ha.lease.renewDeadline ("
                    + settings.renewDeadline().toSeconds() + "s): this agent stops writing to the LoadMaster now and"
                    + " goes on reading; the other agent takes over once the lease runs out"
                    + (lastFailure == null ? "" : " (last failure: " + lastFailure + ")"));
        }
        return null;
    }

    /**
     * Who holds the Lease as far as the last read showed, for the log line of a pass that does not write: another
     * agent's identity, {@code nobody}, or, when the last read showed this very process, that it could not renew it.
     */
    public String holder() {
        Seen last = seen; // never waits for a round under way
        if (last == null) {
            return "nobody known yet (the Lease could not be read or taken)";
        }
        if (last.holder().isEmpty()) {
            return "nobody";
        }
        if (process.equals(last.process()) && term.get() == null) {
            return "this agent, which has not renewed it for "
                    + Duration.ofNanos(nanos.getAsLong() - renewedAt).toSeconds() + " s";
        }
        return last.holder();
    }

    /**
     * Who holds the Lease, as one read shows it, for {@code status}: {@code node-a (renewed 2026-11-30T12:00:01Z)},
     * {@code nobody}, or why it could not be read.
     */
    public static String describeHolder(ObjectStore store, HaSettings settings) {
        try {
            Optional<JsonObject> lease = store.get(ObjectStore.Kind.LEASE, settings.leaseName());
            JsonObject spec = lease.isEmpty() ? new JsonObject() : spec(lease.get());
            String holder = text(spec.get("holderIdentity"));
            return holder.isEmpty() ? "nobody" : holder + " (renewed " + text(spec.get("renewTime")) + ")";
        } catch (ObjectStoreException e) {
            return "unknown: " + e.getMessage();
        }
    }

    /**
     * One round: read the Lease, and take it or renew it if this agent may.
     *
     * @return whether this agent holds it after the round
     */
    public synchronized boolean round() {
        long sentAt = nanos.getAsLong();
        try {
            Optional<JsonObject> read = store.get(ObjectStore.Kind.LEASE, settings.leaseName());
            if (read.isEmpty()) {
                take(null, sentAt);
            } else {
                JsonObject lease = read.get();
                observe(lease);
                if (mayTake()) {
                    take(lease, sentAt);
                }
            }
            lastFailure = null;
        } catch (ObjectStoreException e) {
            if (e.conflict()) {
                LOG.debug("the " + settings.describeLease() + " changed while this agent wrote it; it reads it again");
            } else if (!e.getMessage().equals(lastFailure)) {
                LOG.warning("could not read or write the " + settings.describeLease() + ": " + e.getMessage());
                lastFailure = e.getMessage();
            }
        } catch (RuntimeException e) {
            LOG.err("the " + settings.describeLease() + " is not a Lease this agent can read (" + e + "); fix or"
                    + " delete it (kubectl -n " + settings.namespace() + " delete lease " + settings.leaseName() + ")");
        }
        return holding() != null;
    }

    private void observe(JsonObject lease) {
        JsonObject spec = spec(lease);
        Seen now = new Seen(
                text(spec.get("holderIdentity")),
                ObjectStore.annotation(lease, PROCESS_ANNOTATION),
                ObjectStore.annotation(lease, LEDGER_ANNOTATION),
                ObjectStore.resourceVersion(lease),
                spec.has("leaseDurationSeconds")
                        ? spec.get("leaseDurationSeconds").getAsInt()
                        : 0,
                spec.has("leaseTransitions") ? spec.get("leaseTransitions").getAsLong() : 0);
        if (seen == null || !now.resourceVersion().equals(seen.resourceVersion())) {
            seen = now;
            seenChangedAt = nanos.getAsLong();
        }
    }

    /**
     * Whether nobody holds the Lease, this process does, or the holder let it run out; never when the Lease belongs
     * to another ledger than this agent's, for then the two agents would not see each other's Real Servers.
     */
    private boolean mayTake() {
        if (seen.ledger() != null && !seen.ledger().equals(settings.ledgerName())) {
            if (!seen.ledger().equals(otherLedgerLogged)) {
                LOG.err(
                        "the " + settings.describeLease() + " goes with the ledger ConfigMap " + seen.ledger() + ", but"
                                + " this agent's ha.ledger.configMap is " + settings.ledgerName()
                                + ": agents that share a"
                                + " Lease must share its ledger, or each would take the Real Servers the other added for"
                                + " hand-made. This agent will not take the Lease; give both agents the same ha.ledger.configMap");
                otherLedgerLogged = seen.ledger();
            }
            return false;
        }
        if (seen.holder().isEmpty() || process.equals(seen.process())) {
            return true;
        }
        boolean expired = nanos.getAsLong() - seenChangedAt
                >= Duration.ofSeconds(seen.durationSeconds()).toNanos();
        if (!expired && seen.holder().equals(settings.identity()) && !sharedIdentityLogged) {
            LOG.warning("the " + settings.describeLease() + " is held under this agent's identity \""
                    + settings.identity() + "\" by another process; this agent waits until that holding runs out."
                    + " If that was not this agent before a restart, two agents share one identity: give each its"
                    + " own ha.lease.identity");
            sharedIdentityLogged = true;
        }
        return expired;
    }

    /** Takes or renews the Lease ({@code lease} as read, or null to create it). */
    private void take(JsonObject lease, long sentAt) throws ObjectStoreException {
        boolean ours = lease != null && process.equals(seen.process());
        String now = MICRO_TIME.format(clock.instant());
        JsonObject next = lease == null ? new JsonObject() : lease.deepCopy();
        ObjectStore.metadata(next).addProperty("name", settings.leaseName());
        ObjectStore.annotate(next, PROCESS_ANNOTATION, process);
        ObjectStore.annotate(next, LEDGER_ANNOTATION, settings.ledgerName());
        JsonObject spec = spec(next);
        spec.addProperty("holderIdentity", settings.identity());
        spec.addProperty("leaseDurationSeconds", settings.leaseDuration().toSeconds());
        spec.addProperty("renewTime", now);
        if (!ours) { // a new holding: a new term
            spec.addProperty("acquireTime", now);
            spec.addProperty("leaseTransitions", lease == null ? 0 : seen.transitions() + 1);
        }
        JsonObject stored = lease == null
                ? store.create(ObjectStore.Kind.LEASE, next)
                : store.replace(ObjectStore.Kind.LEASE, next);
        observe(stored);
        renewedAt = sentAt;
        Term taken = new Term(settings.identity(), seen.transitions());
        if (!taken.equals(term.getAndSet(taken))) { // not a renewal of the holding under way
            LOG.notice("took the " + settings.describeLease() + " as " + taken.describe() + ": this agent now writes"
                    + " to the LoadMaster");
            onTaken.run();
        }
    }

    /**
     * Stops trying, and gives the Lease back if this agent holds it, so the other agent takes over at its next
     * retry rather than after a lease duration.
     */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            running = thread;
            thread = null;
        }
        if (running != null) {
            running.interrupt();
            try {
                running.join(settings.retryPeriod().toMillis() * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        release();
    }

    private synchronized void release() {
        Term released = holding();
        if (released == null || !term.compareAndSet(released, null)) {
            return;
        }
        try {
            Optional<JsonObject> lease = store.get(ObjectStore.Kind.LEASE, settings.leaseName());
            if (lease.isEmpty() || !process.equals(ObjectStore.annotation(lease.get(), PROCESS_ANNOTATION))) {
                return;
            }
            JsonObject next = lease.get().deepCopy();
            JsonObject spec = spec(next);
            spec.addProperty("holderIdentity", "");
            spec.addProperty("leaseDurationSeconds", 1);
            spec.addProperty("renewTime", MICRO_TIME.format(clock.instant()));
            store.replace(ObjectStore.Kind.LEASE, next);
            LOG.notice("gave back the " + settings.describeLease() + " (" + released.describe() + ") on stopping");
        } catch (ObjectStoreException e) {
            LOG.warning("could not give back the " + settings.describeLease() + " on stopping (" + e.getMessage()
                    + "); the other agent takes over once it runs out");
        }
    }

    /** The Lease's {@code spec}, made (empty) if it has none or one that is not an object. */
    private static JsonObject spec(JsonObject lease) {
        if (!lease.has("spec") || !lease.get("spec").isJsonObject()) {
            lease.add("spec", new JsonObject());
        }
        return lease.getAsJsonObject("spec");
    }

    private static String text(JsonElement e) {
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }
}
