package kubelmagent.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import kubelmagent.secret.Secret;

/**
 * The secrets one request carries (a bearer token, an API key, a password) and what stands in for them
 * in text: belt and braces, so that no server- or library-supplied text carries a secret into a
 * message or a log line, neither as it is nor percent-encoded as it travels in a form body or a URL.
 *
 * @param secrets     the secrets, without null or empty ones
 * @param placeholder what replaces each, e.g. {@code (token)}
 */
public record Redaction(List<String> secrets, String placeholder) {

    /** Nothing to hide. */
    public static final Redaction NONE = new Redaction(List.of(), "");

    public Redaction {
        secrets = List.copyOf(secrets);
    }

    /** The secrets that are set, in this order; a null or empty one is left out. */
    public static Redaction of(String placeholder, Secret... secrets) {
        List<String> set = new ArrayList<>();
        for (Secret secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                set.add(secret.reveal());
            }
        }
        return new Redaction(set, placeholder);
    }

    /** The text with every secret, and its percent-encoded form, replaced by the placeholder. */
    public String apply(String text) {
        String result = text;
        for (String secret : secrets) {
            result = result.replace(secret, placeholder);
            String encoded = encode(secret);
            if (!encoded.equals(secret)) {
                result = result.replace(encoded, placeholder);
            }
        }
        return result;
    }

    /** Whether the message of the failure or of any of its causes holds a secret. */
    public boolean revealedBy(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String s = String.valueOf(t.getMessage());
            for (String secret : secrets) {
                if (s.contains(secret) || s.contains(encode(secret))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
