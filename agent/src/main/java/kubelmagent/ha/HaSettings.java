package kubelmagent.ha;

import java.time.Duration;

/**
 * The {@code ha} section: two agents beside one LoadMaster, one of them active. The active one holds a
 * {@code coordination.k8s.io/v1} Lease; the ownership ledger lives in ConfigMaps of the same namespace.
 *
 * @param namespace     the namespace of the Lease and the ledger's ConfigMaps (the agent's own)
 * @param leaseName     the Lease's name
 * @param identity      who this agent is in the Lease's {@code holderIdentity}: unique per agent
 * @param leaseDuration how long the other agent waits, after the holder's last renewal it saw, before it takes the
 *                      lease
 * @param renewDeadline how long the holder goes on writing after its last successful renewal: shorter than
 *                      {@code leaseDuration}, so it has stopped before the other can take over
 * @param retryPeriod   how often each agent tries to renew or to take the lease
 * @param ledgerName    the name of the ledger's first ConfigMap; more are {@code NAME-1}, {@code NAME-2}, ...
 */
public record HaSettings(
        String namespace,
        String leaseName,
        String identity,
        Duration leaseDuration,
        Duration renewDeadline,
        Duration retryPeriod,
        String ledgerName) {

    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);
    public static final Duration DEFAULT_RENEW_DEADLINE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RETRY_PERIOD = Duration.ofSeconds(2);
    public static final String DEFAULT_NAME = "kube-lm-agent";

    /** The ledger's ConfigMap names for a Lease of this name, unless {@code ha.ledger.configMap} says. */
    public static String defaultLedgerName(String leaseName) {
        return leaseName + "-ledger";
    }

    /**
     * How long a LoadMaster write may wait for its answer: what is left of the lease after the renew deadline, so
     * that no write of a holder that stopped renewing is still under way when the other agent may take over.
     */
    public Duration writeWithin() {
        return leaseDuration.minus(renewDeadline);
    }

    /** Lease {@code kube-lm-agent/kube-lm-agent}: for {@code status} and messages. */
    public String describeLease() {
        return "Lease " + namespace + "/" + leaseName;
    }
}
