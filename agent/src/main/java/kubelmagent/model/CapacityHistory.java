package kubelmagent.model;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many of the agent's Real Servers were in service (enabled) before each pass that lowered that number,
 * per Virtual Service and in total: what the capacity guard compares a pass against. A sample lives for the
 * removal window ({@code sync.removalWindow}); the highest one still alive, or the number in service now
 * if that is higher, is the peak. Kept in the ledger, so a restart does not forget it.
 *
 * @param perVs samples by Virtual Service, oldest first
 * @param total samples of the sum over all Virtual Services, oldest first
 */
public record CapacityHistory(Map<VirtualServiceId, List<Sample>> perVs, List<Sample> total) {

    /** {@code count} of the agent's Real Servers were in service just before {@code at}. */
    public record Sample(int count, Instant at) {}

    public static final CapacityHistory EMPTY = new CapacityHistory(Map.of(), List.of());

    public CapacityHistory {
        TreeMap<VirtualServiceId, List<Sample>> copy = new TreeMap<>();
        perVs.forEach((vs, samples) -> {
            if (!samples.isEmpty()) {
                copy.put(vs, List.copyOf(samples));
            }
        });
        perVs = Map.copyOf(copy);
        total = List.copyOf(total);
    }

    /** The highest count of the VS still inside {@code window} at {@code now}, or {@code current} if higher. */
    public int peak(VirtualServiceId vs, int current, Instant now, Duration window) {
        return peak(perVs.getOrDefault(vs, List.of()), current, now, window);
    }

    /** The same for the total. */
    public int peakTotal(int current, Instant now, Duration window) {
        return peak(total, current, now, window);
    }

    /**
     * This history with a sample of the VS (when {@code vs} is non-null) or of the total, and without the
     * samples that are past {@code window} or can never be the peak again (a later one is at least as high).
     */
    public CapacityHistory with(VirtualServiceId vs, Sample sample, Duration window) {
        if (vs == null) {
            return new CapacityHistory(pruned(perVs, sample.at(), window), add(total, sample, window));
        }
        Map<VirtualServiceId, List<Sample>> next = new TreeMap<>(pruned(perVs, sample.at(), window));
        next.put(vs, add(perVs.getOrDefault(vs, List.of()), sample, window));
        return new CapacityHistory(next, total);
    }

    public boolean isEmpty() {
        return perVs.isEmpty() && total.isEmpty();
    }

    private static int peak(List<Sample> samples, int current, Instant now, Duration window) {
        int peak = current;
        for (Sample s : samples) {
            if (alive(s, now, window)) {
                peak = Math.max(peak, s.count());
            }
        }
        return peak;
    }

    private static boolean alive(Sample s, Instant now, Duration window) {
        return !s.at().plus(window).isBefore(now);
    }

    private static List<Sample> add(List<Sample> samples, Sample sample, Duration window) {
        List<Sample> next = new ArrayList<>();
        for (Sample s : samples) {
            if (alive(s, sample.at(), window) && s.count() > sample.count()) {
                next.add(s);
            }
        }
        next.add(sample);
        return next;
    }

    private static Map<VirtualServiceId, List<Sample>> pruned(
            Map<VirtualServiceId, List<Sample>> perVs, Instant now, Duration window) {
        Map<VirtualServiceId, List<Sample>> next = new TreeMap<>();
        perVs.forEach((vs, samples) ->
                next.put(vs, samples.stream().filter(s -> alive(s, now, window)).toList()));
        return next;
    }
}
