package kubelmagent.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import kubelmagent.config.ConfigFiles.Credential;
import kubelmagent.kube.Kubeconfig;
import kubelmagent.kube.KubernetesConnection;
import kubelmagent.loadmaster.LoadMasterConnection;
import kubelmagent.tls.TlsSettings;
import kubelmagent.yaml.YamlSection;

/**
 * How the validated values of {@code kubernetes} and {@code loadmaster} become connections, in one
 * place: the TLS settings from {@code caFile} and {@code insecureSkipTlsVerify}, and a kubeconfig's
 * connection with {@code agent.yaml}'s overrides.
 */
final class Connections {

    static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    private Connections() {}

    /** {@code timeout} of the section: the time one request may take. */
    static Duration timeout(YamlSection s) {
        Duration timeout = Durations.read(s, "timeout", MIN_TIMEOUT, MAX_TIMEOUT);
        return timeout != null ? timeout : ConfigLoader.DEFAULT_TIMEOUT;
    }

    /** Trust {@code cas}, or the system's trust store if there are none; no client certificate. */
    static TlsSettings tls(List<X509Certificate> cas, Boolean insecure) {
        return new TlsSettings(cas != null ? cas : List.of(), null, Boolean.TRUE.equals(insecure));
    }

    /** {@code kubernetes.server} with {@code tokenFile}. */
    static KubernetesConnection kubernetes(
            URI server, List<X509Certificate> cas, Boolean insecure, Credential tokenFile, Duration timeout) {
        return new KubernetesConnection(
                server, tls(cas, insecure), tokenFile != null ? tokenFile.path() : null, null, timeout);
    }

    /**
     * The connection a kubeconfig describes, with agent.yaml's overrides: {@code tokenFile} replaces
     * the kubeconfig user's credentials (token or client certificate); {@code caFile} and
     * {@code insecureSkipTlsVerify}, when either is given, replace the cluster's trust settings.
     * Null if the kubeconfig is unusable (a problem is reported under {@code kubeconfig}).
     */
    static KubernetesConnection fromKubeconfig(
            YamlSection s,
            ConfigFiles files,
            Path file,
            String context,
            Credential tokenFile,
            List<X509Certificate> cas,
            Boolean insecure,
            Duration timeout) {
        KubernetesConnection base;
        try {
            base = Kubeconfig.read(file, context, timeout);
        } catch (IOException e) {
            s.problem("kubeconfig", e.getMessage() != null ? e.getMessage() : e.toString());
            return null;
        }
        if (base.staticToken() != null || (base.tls() != null && base.tls().clientKeyStore() != null)) {
            files.warnIfExposed(s, "kubeconfig", file, "the kubeconfig's credentials");
        }
        TlsSettings tls = base.tls() != null ? base.tls() : TlsSettings.systemTrust();
        if (s.has("caFile") || s.has("insecureSkipTlsVerify")) {
            tls = new TlsSettings(cas != null ? cas : List.of(), tls.clientKeyStore(), Boolean.TRUE.equals(insecure));
        }
        if (tokenFile != null) {
            TlsSettings withoutClientCertificate = new TlsSettings(tls.trustedCas(), null, tls.insecureSkipTlsVerify());
            return new KubernetesConnection(base.server(), withoutClientCertificate, tokenFile.path(), null, timeout);
        }
        if (base.tokenFile() != null) {
            files.warnIfExposed(s, "kubeconfig", base.tokenFile(), "the token");
        }
        return new KubernetesConnection(base.server(), tls, base.tokenFile(), base.staticToken(), timeout);
    }

    /** {@code loadmaster}: the API key, or the user name and password. */
    static LoadMasterConnection loadMaster(
            URI url,
            List<X509Certificate> cas,
            Boolean insecure,
            Credential apiKey,
            String username,
            Credential password,
            Boolean nonLocal,
            Duration timeout,
            int maxInFlight) {
        return new LoadMasterConnection(
                url,
                tls(cas, insecure),
                apiKey != null ? apiKey.secret() : null,
                apiKey != null ? apiKey.path() : null,
                username,
                password != null ? password.secret() : null,
                password != null ? password.path() : null,
                !Boolean.FALSE.equals(nonLocal),
                timeout,
                maxInFlight);
    }
}
