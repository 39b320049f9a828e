package kubelmagent.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may use the API: API keys ({@code apikey=} in APIv1, {@code "apikey"} in APIv2) and/or users with
 * a password (HTTP Basic, or {@code "apiuser"}/{@code "apipass"} in APIv2), each with a name, so that the
 * write journal can say who made a write (as on the appliance, where each user has a password and
 * API keys of its own). An API key given with a request takes precedence over a user and password, as
 * on the appliance: a wrong key is refused even with a right password. Without any credential
 * configured the API is open (an unlicensed appliance) and every request is {@link Write#ANONYMOUS}.
 *
 * <p>Every key and password is compared in constant time ({@link MessageDigest#isEqual}), and every
 * configured one is compared, so the time taken does not tell which one nearly matched.
 */
final class Auth {

    /**
     * An API key and the name of its owner.
     *
     * @param name who the key belongs to, as the write journal names it
     * @param key  the key itself
     */
    record ApiKey(String name, String key) {
        ApiKey {
            requireName(name);
            if (empty(key)) {
                throw new IllegalArgumentException("the API key of " + name + " is empty");
            }
        }

        @Override
        public String toString() {
            return "ApiKey[name=" + name + ", key=<hidden>]"; // never a secret in a log line
        }
    }

    /**
     * A user and password.
     *
     * @param name     the user name, sent with the password; also the name the write journal uses
     * @param password the password; empty is allowed
     */
    record User(String name, String password) {
        User {
            requireName(name);
            password = password == null ? "" : password;
        }

        @Override
        public String toString() {
            return "User[name=" + name + ", password=<hidden>]"; // never a secret in a log line
        }
    }

    private final List<ApiKey> keys;
    private final List<User> users;

    /**
     * @throws IllegalArgumentException if two keys are the same (whose would a request with it be?) or two
     *                                  users have the same name (which password would count?)
     */
    Auth(List<ApiKey> keys, List<User> users) {
        this.keys = List.copyOf(keys);
        this.users = List.copyOf(users);
        Set<String> seen = new HashSet<>();
        for (ApiKey k : this.keys) {
            if (!seen.add(k.key())) {
                throw new IllegalArgumentException("the API key of " + k.name() + " is also another credential's");
            }
        }
        seen.clear();
        for (User u : this.users) {
            if (!seen.add(u.name())) {
                throw new IllegalArgumentException("user " + u.name() + " is configured twice");
            }
        }
    }

    boolean open() {
        return keys.isEmpty() && users.isEmpty();
    }

    /** The names of the credentials, keys first, for the start-up log line. */
    List<String> names() {
        List<String> names = new ArrayList<>();
        keys.forEach(k -> names.add(k.name() + " (API key)"));
        users.forEach(u -> names.add(u.name() + " (user)"));
        return names;
    }

    /**
     * Who sent a request: the name of the credential it carries, {@link Write#ANONYMOUS} while the API is
     * open, or null when it is refused (401).
     *
     * @param key           the API key sent, or null
     * @param apiUser       APIv2 {@code apiuser}, or null
     * @param apiPass       APIv2 {@code apipass}, or null
     * @param authorization the {@code Authorization} header, or null
     */
    String identify(String key, String apiUser, String apiPass, String authorization) {
        if (open()) {
            return Write.ANONYMOUS;
        }
        if (key != null) {
            return keyOwner(key);
        }
        if (apiUser != null) {
            return user(apiUser, apiPass == null ? "" : apiPass);
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String pair;
            try {
                pair = new String(
                        Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
            int colon = pair.indexOf(':');
            return colon < 0 ? null : user(pair.substring(0, colon), pair.substring(colon + 1));
        }
        return null;
    }

    private String keyOwner(String key) {
        String owner = null;
        for (ApiKey k : keys) { // no early exit: every key is compared
            if (same(key, k.key())) {
                owner = k.name();
            }
        }
        return owner;
    }

    private String user(String name, String password) {
        String user = null;
        for (User u : users) { // no early exit: every user is compared
            if (same(name, u.name()) & same(password, u.password())) {
                user = u.name();
            }
        }
        return user;
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static void requireName(String name) {
        if (empty(name) || name.isBlank()) {
            throw new IllegalArgumentException("a credential needs a name");
        }
        if (name.equals(Write.ANONYMOUS)) {
            throw new IllegalArgumentException(
                    "\"" + Write.ANONYMOUS + "\" is the name of requests to an open API, not a credential's");
        }
    }

    static boolean empty(String s) {
        return s == null || s.isEmpty();
    }
}
