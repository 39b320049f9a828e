package kubelmagent.config;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import kubelmagent.config.ConfigFiles.Credential;
import kubelmagent.loadmaster.LoadMasterConnection;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/**
 * The {@code loadmaster} section: the LoadMaster's URL, its API key or user name and password, how
 * to trust its certificate, whether Real Servers may be non-local, and how many writes may be under way at once.
 */
final class LoadMasterSection {

    static final List<String> KEYS = List.of(
            "url",
            "apiKeyFile",
            "username",
            "passwordFile",
            "caFile",
            "insecureSkipTlsVerify",
            "nonLocal",
            "timeout",
            "maxInFlight");

    private LoadMasterSection() {}

    static LoadMasterConnection read(YamlSection s, ConfigFiles files) {
        URI url = HttpsUrl.read(s, "url", false, "set apiKeyFile, or username and passwordFile, instead");
        Credential apiKey = files.credential(s, "apiKeyFile", "API key");
        String username = username(s);
        Credential password = files.credential(s, "passwordFile", "password");
        List<X509Certificate> cas = files.caFile(s);
        Boolean insecure = s.bool("insecureSkipTlsVerify");
        Boolean nonLocal = s.bool("nonLocal");
        Duration timeout = Connections.timeout(s);
        Integer maxInFlight = s.integer("maxInFlight", 1, LoadMasterConnection.MAX_IN_FLIGHT);

        if (!s.has("url")) {
            s.missing("url", "is required");
        }
        boolean hasKey = s.has("apiKeyFile");
        boolean hasUser = s.has("username");
        boolean hasPassword = s.has("passwordFile");
        if (hasKey && (hasUser || hasPassword)) {
            s.sectionProblem("set apiKeyFile, or username and passwordFile, not both");
        } else if (!hasKey && !hasUser && !hasPassword) {
            s.sectionProblem("set apiKeyFile, or username and passwordFile");
        } else if (hasUser && !hasPassword) {
            s.missing("passwordFile", "is required with username");
        } else if (hasPassword && !hasUser) {
            s.missing("username", "is required with passwordFile");
        }
        if (Boolean.TRUE.equals(insecure) && s.has("caFile")) {
            s.sectionProblem("set caFile or insecureSkipTlsVerify: true, not both");
        }
        return Connections.loadMaster(
                url,
                cas,
                insecure,
                apiKey,
                username,
                password,
                nonLocal,
                timeout,
                maxInFlight != null ? maxInFlight : 1);
    }

    private static String username(YamlSection s) {
        String mustBe = "must be a user name without spaces, ':' or control characters";
        String username = s.scalar("username", mustBe);
        if (username == null) {
            return null;
        }
        boolean valid = !username.isEmpty()
                && username.chars().noneMatch(c -> c == ':' || Character.isWhitespace(c) || Character.isISOControl(c));
        if (!valid) {
            s.problem("username", mustBe + Problems.got(username));
            return null;
        }
        return username;
    }
}
