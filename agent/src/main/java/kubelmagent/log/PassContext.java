package kubelmagent.log;

import java.util.function.Supplier;

/**
 * Tags every log line written by the current thread with the running pass, e.g. {@code [pass #42]},
 * so that one pass can be followed in the journal. A pass runs on one thread, start to end.
 */
public final class PassContext {

    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private PassContext() {}

    public static <T> T run(long passNumber, Supplier<T> work) {
        String previous = CURRENT.get();
        CURRENT.set("pass #" + passNumber);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** The tag of the pass running on this thread, or null. */
    static String current() {
        return CURRENT.get();
    }
}
