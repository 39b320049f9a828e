package kubelmagent.model;

/**
 * A Real Server as the LoadMaster reports it inside one Virtual Service.
 *
 * @param rsIndex the LoadMaster's {@code RsIndex}; valid only right after the read that returned it
 * @param member  {@code Addr} and {@code Port}
 * @param enabled {@code Enable}
 * @param weight  {@code Weight}
 */
public record RealServer(int rsIndex, Member member, boolean enabled, int weight) {}
