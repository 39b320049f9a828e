package kubelmagent.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/**
 * An https URL in {@code agent.yaml} ({@code kubernetes.server}, {@code loadmaster.url}). A URL is echoed
 * in problems, except its user-info and query, which may hold a password or an API key.
 */
final class HttpsUrl {

    static final String HTTPS_URL = "must be an https URL";

    /** The user-info part of a URL, which may hold a password: never echoed. */
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", Pattern.DOTALL);

    /** The query of a URL, which may hold an API key ({@code ?apikey=...}): never echoed. */
    private static final Pattern QUERY = Pattern.compile("\\?[^#]*", Pattern.DOTALL);

    private HttpsUrl() {}

    /**
     * An https URL with a host, no user info, query or fragment; without a path unless
     * {@code pathAllowed}. Returned without trailing slashes. Null if absent or invalid.
     */
    static URI read(YamlSection s, String key, boolean pathAllowed, String credentialsHint) {
        String text = s.scalar(key, HTTPS_URL);
        if (text == null) {
            return null;
        }
        boolean hasUserInfo = USER_INFO.matcher(text).find();
        String shown =
                QUERY.matcher(USER_INFO.matcher(text).replaceFirst("$1***@")).replaceFirst("?***");
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            s.problem(key, HTTPS_URL + Problems.got(shown));
            return null;
        }
        if (uri.getRawUserInfo() != null || hasUserInfo) {
            s.problem(key, "must not contain a user name or password; " + credentialsHint + Problems.got(shown));
            return null;
        }
        if (!"https".equalsIgnoreCase(uri.getScheme())
                || uri.getHost() == null
                || uri.getPort() == 0
                || uri.getPort() > 65535) {
            s.problem(key, HTTPS_URL + Problems.got(shown));
            return null;
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            s.problem(key, "must not have a query or fragment" + Problems.got(shown));
            return null;
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!pathAllowed && !path.isEmpty() && !path.equals("/")) {
            s.problem(key, "must have no path, only https://host or https://host:port" + Problems.got(shown));
            return null;
        }
        return URI.create("https://" + uri.getRawAuthority() + path.replaceAll("/+$", ""));
    }
}
