package kubelmagent.kube;

import kubelmagent.model.DesiredState;

/** Where desired Real Servers come from. One call per pass; never throws. */
public interface DesiredStateSource {

    /**
     * Reads the labelled Services and their ready endpoints. Failures are reported in the result:
     * a failed or partial read gives {@code complete == false} with a {@link kubelmagent.model.Problem}
     * saying why.
     */
    DesiredState read();
}
