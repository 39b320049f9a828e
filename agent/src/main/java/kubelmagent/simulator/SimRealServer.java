package kubelmagent.simulator;

/**
 * A Real Server of the simulated LoadMaster, as {@code showrs} shows it (one {@code <Rs>} element).
 * Defaults of a new one: Status {@code Down}, Forward {@code nat}, Weight 1000, Limit 0, RateLimit 0,
 * Follow 0, Enable Y, Critical N, DnsName empty, Nrules 0.
 */
public record SimRealServer(
        int vsIndex,
        int rsIndex,
        String addr,
        int port,
        String status,
        String dnsName,
        String forward,
        int weight,
        int limit,
        int rateLimit,
        int follow,
        boolean enabled,
        boolean critical,
        int nrules) {}
