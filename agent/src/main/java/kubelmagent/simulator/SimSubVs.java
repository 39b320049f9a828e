package kubelmagent.simulator;

/**
 * A parent VS's entry for one of its SubVSs (a {@code <SubVS>} element of {@code showvs}).
 *
 * @param vsIndex the SubVS's own Index
 * @param rsIndex the SubVS's slot in its parent, numbered from the box-wide RsIndex counter
 * @param name    the SubVS's NickName, or {@code -} when it has none
 */
public record SimSubVs(
        int vsIndex,
        int rsIndex,
        String name,
        String status,
        String forward,
        int weight,
        int limit,
        boolean enabled,
        boolean critical) {}
