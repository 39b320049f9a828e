package kubelmagent.model;

import java.time.Duration;

/**
 * What one pass did.
 *
 * @param number   the pass number, from 1
 * @param bound    Virtual Services with exactly one valid Service bound to them
 * @param planned  changes in the plan
 * @param applied  changes that succeeded (in a dry run: 0)
 * @param failed   changes that failed
 * @param held     take-outs (disables and removes) the capacity guard held back
 * @param problems Services or Virtual Services left alone, and read failures
 * @param complete whether every Kubernetes read succeeded (the Service list, and every Service's endpoints)
 * @param dryRun   whether the plan was only printed
 * @param elapsed  wall time of the pass
 */
public record PassResult(
        long number,
        int bound,
        int planned,
        int applied,
        int failed,
        int held,
        int problems,
        boolean complete,
        boolean dryRun,
        Duration elapsed) {

    /**
     * Every bound Service is in step with its Virtual Service (in a dry run: would be, once the plan
     * is applied), and nothing needed attention.
     */
    public boolean converged() {
        return complete && failed == 0 && problems == 0 && (dryRun || applied == planned);
    }
}
