package kubelmagent.model;

/**
 * The LoadMaster's id of a Virtual Service: its {@code Index} (the "Id" column in the WUI), which
 * is also what a Service's {@code vsid} annotation holds.
 */
public record VirtualServiceId(int index) implements Comparable<VirtualServiceId> {

    public VirtualServiceId {
        if (index <= 0) {
            throw new IllegalArgumentException("a Virtual Service id is a positive integer (got " + index + ")");
        }
    }

    public static VirtualServiceId of(int index) {
        return new VirtualServiceId(index);
    }

    @Override
    public int compareTo(VirtualServiceId other) {
        return Integer.compare(index, other.index);
    }

    @Override
    public String toString() {
        return Integer.toString(index);
    }
}
