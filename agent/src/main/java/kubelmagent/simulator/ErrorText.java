package kubelmagent.simulator;

/**
 * The texts the simulated LoadMaster refuses commands with, each with its HTTP status (= {@code stat}).
 * {@link SimulatedLoadMaster#setText} replaces any of them, so a test can check that the agent does not
 * depend on the wording of an unverified one.
 */
public enum ErrorText {

    /** Verified: a command on a Virtual Service that does not exist. */
    UNKNOWN_VS(422, "Unknown VS", true),
    /** Verified for {@code showrs}; inferred for {@code delrs} and {@code modrs}. */
    UNKNOWN_RS(422, "Unknown RS", true),
    /** UNVERIFIED (low-confidence source): {@code addrs} of an address and port the VS already has. */
    DUPLICATE_RS(422, "Real Server already exists", false),
    /** UNVERIFIED (low-confidence source): {@code addrs} on a parent VS, one with SubVSs. */
    PARENT_VS(422, "Couldn't create RS", false),
    /**
     * UNVERIFIED (invented): {@code addrs} of an address outside the LoadMaster's local subnets while
     * {@code nonlocalrs} is off or {@code non_local=1} is missing.
     */
    NON_LOCAL(422, "Real Server address is not on a local network", false),
    /**
     * UNVERIFIED (invented): {@code addrs} of an address outside the local subnets, with {@code nonlocalrs}
     * on and {@code non_local=1}, on a VS whose {@code Transparent} is Y (the documentation says only that
     * transparency "cannot be used with non-local Real Servers").
     */
    TRANSPARENT_NON_LOCAL(422, "Non-local Real Servers cannot be used on a transparent Virtual Service", false),
    /**
     * UNVERIFIED (invented): {@code addrs} of an address of the other family than the VS's (IPv6 into an IPv4
     * VS, or the reverse), only while {@link SimulatedLoadMaster#setOtherFamilyRealServers} is off; by default
     * the simulator takes such a Real Server.
     */
    OTHER_FAMILY(422, "Real Server address family does not match the Virtual Service", false),
    /** UNVERIFIED (low-confidence source): {@code addvs} of an address, port and protocol already in use. */
    DUPLICATE_VS(422, "Virtual Service already exists", false),
    /** UNVERIFIED (invented): {@code modvs createsubvs} on a VS that has Real Servers. */
    SUBVS_ON_VS_WITH_RS(422, "Cannot create SubVS: the Virtual Service has Real Servers", false),
    /** Text verified for the {@code ping} command only; used here for any unreadable IP address. */
    INVALID_ADDRESS(422, "Invalid address format", false),
    /** UNVERIFIED (invented): a parameter value out of range or of the wrong kind ({@code %s} = its name). */
    INVALID_VALUE(422, "Invalid value for %s", false),
    /** Verified (PowerShell interface description): {@code get}/{@code set} of an unknown parameter. */
    UNKNOWN_PARAMETER(422, "Unknown parameter value %s", true);

    private final int stat;
    private final String defaultText;
    private final boolean verified;

    ErrorText(int stat, String defaultText, boolean verified) {
        this.stat = stat;
        this.defaultText = defaultText;
        this.verified = verified;
    }

    public int stat() {
        return stat;
    }

    public String defaultText() {
        return defaultText;
    }

    /** Whether a real appliance or its documentation shows this exact text. */
    public boolean verified() {
        return verified;
    }
}
