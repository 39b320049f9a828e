package kubelmagent.loadmaster;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import kubelmagent.model.Member;
import kubelmagent.model.VirtualServiceId;

/**
 * One APIv1 command as the agent sends it: the command name, its parameters in the order they are
 * sent (as form parameters in the body of {@code POST /access/<command>}), and the description
 * operators see in messages and logs.
 *
 * <p>Parameter order is fixed: {@code vs}, {@code rs}, {@code rsport}, {@code non_local},
 * {@code enable} or {@code param}, and the client appends {@code apikey} last (the LoadMaster ignores
 * the order). The description names the command and its non-secret parameters only, e.g.
 * {@code addrs vs=3 rs=10.244.1.7:8080} or {@code addrs vs=5 rs=[fd00::1]:8080}; it never holds the request
 * body (which may carry the API key) or a credential.
 *
 * <p>The tests' {@code InMemoryLoadMaster} builds its refusals through the same methods, so the fake and the
 * real client word their failures identically.
 *
 * @param command     {@code listvs}, {@code showvs}, {@code get}, {@code addrs}, {@code delrs} or {@code modrs}
 * @param params      form parameters without authentication, in sending order
 * @param description {@code listvs}, {@code showvs vs=3}, {@code addrs vs=3 rs=10.244.1.7:8080}
 * @param read        true for commands that change nothing (retried with backoff after no answer or a 5xx)
 */
record ApiCall(String command, Map<String, String> params, String description, boolean read) {

    static final String LISTVS = "listvs";
    static final String SHOWVS = "showvs";
    static final String ADDRS = "addrs";
    static final String DELRS = "delrs";
    static final String MODRS = "modrs";
    static final String GET = "get";

    /** The LoadMaster's answer for a missing Virtual Service; matched with {@code startsWith}, case-sensitive. */
    static final String UNKNOWN_VS = "Unknown VS";

    ApiCall {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** {@code listvs}: every Virtual Service; no parameters. */
    static ApiCall listvs() {
        return new ApiCall(LISTVS, Map.of(), LISTVS, true);
    }

    static ApiCall showvs(VirtualServiceId vs) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("vs", vs.toString());
        return new ApiCall(SHOWVS, p, SHOWVS + " vs=" + vs, true);
    }

    /** {@code get param=<name>}: reads one global setting. */
    static ApiCall get(String parameter) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("param", parameter);
        return new ApiCall(GET, p, GET + " param=" + parameter, true);
    }

    static ApiCall addrs(VirtualServiceId vs, Member member, boolean nonLocal) {
        Map<String, String> p = realServerParams(vs, member);
        if (nonLocal) {
            p.put("non_local", "1");
        }
        return new ApiCall(ADDRS, p, ADDRS + " vs=" + vs + " rs=" + member, false);
    }

    static ApiCall delrs(VirtualServiceId vs, Member member) {
        return new ApiCall(DELRS, realServerParams(vs, member), DELRS + " vs=" + vs + " rs=" + member, false);
    }

    /**
     * {@code modrs ... enable=Y|N}, with {@code non_local=1} when {@code nonLocal} (as on {@code addrs}: a
     * public client added it to {@code modrs} after a real deployment; the LoadMaster ignores parameters
     * it does not need).
     */
    static ApiCall modrs(VirtualServiceId vs, Member member, boolean enabled, boolean nonLocal) {
        Map<String, String> p = realServerParams(vs, member);
        if (nonLocal) {
            p.put("non_local", "1");
        }
        p.put("enable", enabled ? "Y" : "N");
        return new ApiCall(MODRS, p, MODRS + " vs=" + vs + " rs=" + member + " enable=" + (enabled ? "Y" : "N"), false);
    }

    private static Map<String, String> realServerParams(VirtualServiceId vs, Member member) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("vs", vs.toString());
        p.put("rs", member.ip());
        p.put("rsport", Integer.toString(member.port()));
        return p;
    }

    /** {@code <description>: LoadMaster answered 422 "Unknown VS"}. */
    String answered(int status, String errorText) {
        return description + ": LoadMaster answered " + status + " \"" + errorText + "\"";
    }

    /**
     * The exception for a LoadMaster that answered with an {@code <Error>} text: an
     * {@link UnknownVirtualServiceException} when the text starts with {@code Unknown VS}, otherwise
     * a {@link LoadMasterException} carrying {@code status}.
     */
    LoadMasterException refusal(int status, String errorText) {
        String message = answered(status, errorText);
        return errorText.startsWith(UNKNOWN_VS)
                ? new UnknownVirtualServiceException(message, status)
                : new LoadMasterException(message, status);
    }
}
