package kubelmagent.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Who may use the API: an API key ({@code apikey=} in APIv1, {@code "apikey"} in APIv2) and/or a user
 * and password (HTTP Basic, or {@code "apiuser"}/{@code "apipass"} in APIv2). An API key given with a
 * request takes precedence over a user and password, as on the appliance. Without any credential
 * configured the API is open (an unlicensed appliance).
 */
final class Auth {

    private final String apiKey;
    private final String user;
    private final String password;

    Auth(String apiKey, String user, String password) {
        this.apiKey = empty(apiKey) ? null : apiKey;
        this.user = empty(user) ? null : user;
        this.password = password == null ? "" : password;
    }

    boolean open() {
        return apiKey == null && user == null;
    }

    /**
     * @param key           the API key sent, or null
     * @param apiUser       APIv2 {@code apiuser}, or null
     * @param apiPass       APIv2 {@code apipass}, or null
     * @param authorization the {@code Authorization} header, or null
     */
    boolean accepts(String key, String apiUser, String apiPass, String authorization) {
        if (open()) {
            return true;
        }
        if (key != null) {
            return apiKey != null && same(key, apiKey);
        }
        if (apiUser != null) {
            return matchesUser(apiUser, apiPass == null ? "" : apiPass);
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String pair;
            try {
                pair = new String(
                        Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return false;
            }
            int colon = pair.indexOf(':');
            return colon >= 0 && matchesUser(pair.substring(0, colon), pair.substring(colon + 1));
        }
        return false;
    }

    private boolean matchesUser(String u, String p) {
        return user != null && same(u, user) && same(p, password);
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }
}
