package kubelmagent.simulator;

import java.util.List;

/** What a successful command answers, before it is written as XML or JSON. */
sealed interface Reply {

    /** {@code <Success>Command completed ok</Success>}, {@code "message": "Command completed ok"}. */
    record Message(String text) implements Reply {}

    /** One VS, its fields directly under {@code <Data>} ({@code showvs}, {@code addvs}, {@code modvs}). */
    record OneVs(SimVirtualService vs) implements Reply {}

    /** Every VS, each in a {@code <VS>} element ({@code listvs}). */
    record AllVs(List<SimVirtualService> list) implements Reply {}

    /** One Real Server in an {@code <Rs>} element ({@code addrs}, {@code showrs}). */
    record OneRs(SimRealServer rs) implements Reply {}

    /** A parameter value: {@code <Data><name>value</name></Data>} ({@code get}). */
    record Parameter(String name, String value) implements Reply {}

    static Reply completed() {
        return new Message(SimulatedLoadMaster.COMPLETED);
    }
}
