package kubelmagent.plan;

import kubelmagent.model.Ledger;

/**
 * One effect of a pass: what it records in the ownership ledger and, for a {@link Change}, what it sends to the
 * LoadMaster. A {@link Plan} is one ordered list of steps; the reconciler applies each the same way:
 * <ol>
 *   <li>if {@link #recordsFirst()}, record it (write-ahead), and stop if that fails;</li>
 *   <li>if it is a {@link Change}, send it, and stop if that fails;</li>
 *   <li>report {@link #done};</li>
 *   <li>if it did not record first, record it now.</li>
 * </ol>
 */
public sealed interface Step permits LedgerStep, Change {

    /** The ledger once this step has taken effect: a pure transition. */
    Ledger recorded(Ledger before);

    /**
     * Whether the ledger is written before the LoadMaster call (an add and a disable: write-ahead, so a crash in
     * between never leaves a Real Server the agent does not know it added or disabled; every ledger-only step)
     * or after it (an enable and a remove: a crash in between only repeats the call at the next pass).
     */
    boolean recordsFirst();

    /** What the step does, for the log: {@code add RS 10.244.1.7:8080 to VS 3 (shop/web)}. */
    String describe();

    /**
     * The log line once the step has taken effect, or null when it is not worth one.
     *
     * @param start the ledger as the pass read it, for what the line compares with
     */
    Report done(Ledger start);

    /** A log line and its syslog priority. */
    record Report(Priority priority, String line) {}

    /** The syslog priorities a step's line is written at. */
    enum Priority {
        /** {@code err}: an operator must look, e.g. a deleted Virtual Service. */
        ERR,
        /** {@code notice}: a change an operator will want to see. */
        NOTICE,
        /** {@code info}: bookkeeping. */
        INFO
    }
}
