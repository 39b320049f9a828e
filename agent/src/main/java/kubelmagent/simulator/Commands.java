package kubelmagent.simulator;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The API commands the simulator knows, each reading its parameters and calling the engine:
 * {@code listvs}, {@code showvs}, {@code addvs}, {@code modvs}, {@code delvs}, {@code addrs},
 * {@code delrs}, {@code modrs}, {@code showrs}, {@code get}, {@code set}. Any other command is
 * answered 405 {@code Unknown command}. The ones that change state ({@link #STATE_CHANGING}) go into
 * the write journal ({@link SimulatedLoadMaster#writes}).
 */
final class Commands {

    /** One command. */
    interface Command {
        Reply run(SimulatedLoadMaster lm, Params p) throws RefusalException;
    }

    static final String UNKNOWN_COMMAND = "Unknown command";

    /** The commands that change state: each request of one is journalled, applied or refused. */
    static final Set<String> STATE_CHANGING = Set.of("addvs", "modvs", "delvs", "addrs", "delrs", "modrs", "set");

    private static final Map<String, Command> TABLE = Map.ofEntries(
            Map.entry("listvs", (lm, p) -> new Reply.AllVs(lm.listvs())),
            Map.entry("showvs", (lm, p) -> new Reply.OneVs(lm.showvs(vs(p)))),
            Map.entry("addvs", Commands::addvs),
            Map.entry("modvs", (lm, p) -> new Reply.OneVs(lm.modvs(vs(p), p.asMap()))),
            Map.entry("delvs", (lm, p) -> {
                lm.delvs(vs(p));
                return Reply.completed();
            }),
            Map.entry("addrs", Commands::addrs),
            Map.entry("delrs", (lm, p) -> {
                lm.delrs(vs(p), rs(p));
                return Reply.completed();
            }),
            Map.entry("modrs", (lm, p) -> {
                lm.modrs(vs(p), rs(p), p.asMap());
                return Reply.completed();
            }),
            Map.entry("showrs", (lm, p) -> new Reply.OneRs(lm.showrs(vs(p), rs(p)))),
            Map.entry("get", (lm, p) -> {
                String name = p.required("param", "String");
                return new Reply.Parameter(name.toLowerCase(Locale.ROOT), lm.get(name));
            }),
            Map.entry("set", (lm, p) -> {
                lm.set(p.required("param", "String"), p.required("value", "String"));
                return Reply.completed();
            }));

    private Commands() {}

    /** The command of that name, or null. */
    static Command find(String name) {
        return TABLE.get(name);
    }

    private static Reply addvs(SimulatedLoadMaster lm, Params p) throws RefusalException {
        String address = p.required("vs", "Address");
        int port = p.requiredInt("port");
        return new Reply.OneVs(lm.addvs(address, port, p.optional("prot", "tcp"), p.asMap()));
    }

    private static Reply addrs(SimulatedLoadMaster lm, Params p) throws RefusalException {
        VsRef vs = vs(p);
        String rs = p.required("rs", "Address");
        int port = p.requiredInt("rsport");
        boolean nonLocal = Boolean.TRUE.equals(Values.flag(p.optional("non_local", "0")));
        return new Reply.OneRs(lm.addrs(vs, rs, port, p.asMap(), nonLocal));
    }

    /** Whether the command changes state, and so is journalled. */
    static boolean changesState(String command) {
        return STATE_CHANGING.contains(command);
    }

    /**
     * The VS a request names, for the write journal: as {@link VsRef#toString} writes it, or as sent when
     * it does not read as one; null without {@code vs}.
     */
    static String describeVs(Params p) {
        if (!p.has("vs")) {
            return null;
        }
        try {
            return vs(p).toString();
        } catch (RefusalException e) {
            return p.optional("vs", null);
        }
    }

    /**
     * The Real Server a request names, for the write journal: as {@link RsRef#toString} writes it, or as
     * sent when it does not read as one; null without {@code rs}.
     */
    static String describeRs(Params p) {
        if (!p.has("rs")) {
            return null;
        }
        try {
            return rs(p).toString();
        } catch (RefusalException e) {
            return p.optional("rs", null);
        }
    }

    /** {@code vs=<Index>}, or {@code vs=<address>&port=<port>[&prot=tcp|udp]} (prot defaults to tcp). */
    static VsRef vs(Params p) throws RefusalException {
        String vs = p.required("vs", "Address");
        if (p.has("port")) {
            return VsRef.address(vs, p.requiredInt("port"), p.optional("prot", "tcp"));
        }
        Integer index = Values.integer(vs);
        if (index == null) {
            throw Params.missing("port", "Integer");
        }
        return VsRef.index(index);
    }

    /** {@code rs=!<RsIndex>}, or {@code rs=<address>&rsport=<port>}. */
    static RsRef rs(Params p) throws RefusalException {
        String rs = p.required("rs", "Address");
        if (rs.startsWith("!")) {
            Integer index = Values.integer(rs.substring(1));
            return RsRef.index(index == null ? -1 : index);
        }
        return RsRef.address(rs, p.requiredInt("rsport"));
    }
}
