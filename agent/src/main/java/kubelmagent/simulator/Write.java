package kubelmagent.simulator;

import java.time.Instant;

/**
 * One API request that changes state ({@code addvs}, {@code modvs}, {@code delvs}, {@code addrs},
 * {@code delrs}, {@code modrs}, {@code set}), as the simulator's write journal keeps it: so that a test
 * running several agents with different credentials can tell afterwards who wrote what, and when (for
 * instance that an agent which lost its lease made no write after a given instant). Reads and requests
 * refused with 401 are not journalled.
 *
 * @param at             when the simulator applied or refused it
 * @param credential     the name of the credential that authenticated it (see
 *                       {@link LoadMasterSimulator.Options}), or {@link #ANONYMOUS} while the API is open
 * @param command        the API command, e.g. {@code addrs}
 * @param virtualService the VS it named: its Index ({@code 3}) or address triple
 *                       ({@code 10.0.0.5:80/tcp}, {@code [fd00::5]:443/tcp}); as sent when it cannot
 *                       be read that way; null for a command without a VS ({@code set})
 * @param realServer     the Real Server it named: {@code 10.0.0.20:8080}, {@code [fd00::1]:8443} or
 *                       {@code !<RsIndex>}; as sent when it cannot be read that way; null for a command
 *                       without one
 * @param refused        true when the LoadMaster did not apply it: refused by its rules (a duplicate RS,
 *                       a missing parameter, an unknown VS, ...) or by an injected fault before applying.
 *                       An injected fault <em>after</em> applying leaves it false: the state changed,
 *                       only the answer was lost or replaced
 * @param status         the LoadMaster's verdict: 200 when applied, else the status of the refusal or of
 *                       the injected error, 0 for an injected dropped connection
 * @param error          the refusal's text, null when applied
 */
public record Write(
        Instant at,
        String credential,
        String command,
        String virtualService,
        String realServer,
        boolean refused,
        int status,
        String error) {

    /** The credential name of writes made while no credential is configured (the API is open). */
    public static final String ANONYMOUS = "anonymous";

    /** The opposite of {@link #refused}: the write changed the LoadMaster's state. */
    public boolean applied() {
        return !refused;
    }
}
