package kubelmagent.loadmaster;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import kubelmagent.secret.Secret;
import kubelmagent.tls.TlsSettings;

/**
 * How to reach and authenticate to the LoadMaster's REST API.
 *
 * @param url          base URL, e.g. {@code https://10.0.0.2} (the shared IP of an HA pair)
 * @param tls          CA to trust
 * @param apiKey       an API key (sent as {@code apikey=}); or null when username/password are used
 * @param apiKeyFile   the file {@code apiKey} was read from, read again when the LoadMaster answers 401;
 *                     or null
 * @param username     for HTTP Basic auth; or null
 * @param password     for HTTP Basic auth; or null
 * @param passwordFile the file {@code password} was read from, read again when the LoadMaster answers
 *                     401; or null
 * @param nonLocal     send {@code non_local=1} with {@code addrs} (so pod IPs outside the LoadMaster's
 *                     own subnets are accepted) and with {@code modrs}
 * @param timeout      connect and read timeout for each request
 * @param maxInFlight  how many writes a pass may have under way at once, 1 to {@link #MAX_IN_FLIGHT}
 *                     ({@code loadmaster.maxInFlight}); the client keeps at least as many connections
 */
public record LoadMasterConnection(
        URI url,
        TlsSettings tls,
        Secret apiKey,
        Path apiKeyFile,
        String username,
        Secret password,
        Path passwordFile,
        boolean nonLocal,
        Duration timeout,
        int maxInFlight) {

    /** The most writes {@code loadmaster.maxInFlight} allows at once. */
    public static final int MAX_IN_FLIGHT = 16;

    public LoadMasterConnection {
        checkMaxInFlight(maxInFlight);
    }

    /** @throws IllegalArgumentException unless {@code maxInFlight} is from 1 to {@link #MAX_IN_FLIGHT} */
    public static void checkMaxInFlight(int maxInFlight) {
        if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
            throw new IllegalArgumentException(
                    "maxInFlight must be from 1 to " + MAX_IN_FLIGHT + " (got " + maxInFlight + ")");
        }
    }

    /** One write at a time. */
    public LoadMasterConnection(
            URI url,
            TlsSettings tls,
            Secret apiKey,
            Path apiKeyFile,
            String username,
            Secret password,
            Path passwordFile,
            boolean nonLocal,
            Duration timeout) {
        this(url, tls, apiKey, apiKeyFile, username, password, passwordFile, nonLocal, timeout, 1);
    }

    /** Credentials given as values, with no file to read again after a 401. */
    public LoadMasterConnection(
            URI url,
            TlsSettings tls,
            Secret apiKey,
            String username,
            Secret password,
            boolean nonLocal,
            Duration timeout) {
        this(url, tls, apiKey, null, username, password, null, nonLocal, timeout, 1);
    }
}
