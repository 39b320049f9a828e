package kubelmagent.sync;

/** What started a pass; shown in the pass's summary line. */
public enum StartedBy {
    /** The Quartz schedule. */
    TIMER("timer"),
    /** A change seen by the watch ({@code sync.watch}). */
    WATCH("watch"),
    /** {@code --once} on the command line. */
    ONCE("once");

    private final String label;

    StartedBy(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
