package kubelmagent.kube;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import kubelmagent.log.Text;
import kubelmagent.secret.Secret;
import kubelmagent.tls.Pem;
import kubelmagent.tls.TlsSettings;
import kubelmagent.yaml.YamlSection;

/**
 * Reads a kubeconfig file into a {@link KubernetesConnection}: the chosen context's cluster
 * ({@code server}, its CA, {@code insecure-skip-tls-verify}) and user ({@code token}, {@code tokenFile},
 * or a client certificate and key). Relative paths are relative to the kubeconfig's directory, as
 * kubectl has them. Credential plugins ({@code exec}, {@code auth-provider}) are not supported.
 */
public final class Kubeconfig {

    /** The alias of the client certificate in {@link TlsSettings#clientKeyStore()}. */
    static final String CLIENT_ALIAS = "client";

    private final KubeconfigDocument doc;
    private final Path dir;

    /**
     * @param file    the kubeconfig
     * @param context the context to use, or null for {@code current-context}
     * @param timeout request timeout for the resulting connection
     * @throws IOException with an operator-facing message naming the file and what is wrong
     */
    public static KubernetesConnection read(Path file, String context, Duration timeout) throws IOException {
        return new Kubeconfig(
                        KubeconfigDocument.load(file), file.toAbsolutePath().getParent())
                .connection(context, timeout);
    }

    /** @param dir where relative paths in the kubeconfig start, as kubectl has them */
    private Kubeconfig(KubeconfigDocument doc, Path dir) {
        this.doc = doc;
        this.dir = dir;
    }

    private KubernetesConnection connection(String context, Duration timeout) throws IOException {
        YamlSection root = doc.root();

        String contextName = context != null && !context.isBlank()
                ? context
                : doc.string(root, "current-context")
                        .orElseThrow(() -> doc.error(
                                root,
                                "has no current-context; set one (kubectl config use-context NAME)"
                                        + " or name the context to use"));
        YamlSection contextNode = doc.named("contexts", contextName, "context");
        YamlSection cluster = doc.named("clusters", doc.requiredString(contextNode, "cluster"), "cluster");
        Optional<String> userName = doc.string(contextNode, "user");

        URI server = server(cluster);
        TlsSettings tls;
        Secret token = null;
        Path tokenFile = null;
        if (userName.isEmpty()) {
            tls = new TlsSettings(certificateAuthorities(cluster), null, insecure(cluster));
        } else {
            YamlSection user = doc.named("users", userName.get(), "user");
            rejectUnsupported(user);
            token = doc.string(user, "token").map(Secret::of).orElse(null);
            tokenFile = doc.string(user, "tokenFile")
                    .map(dir::resolve)
                    .map(Path::normalize)
                    .orElse(null);
            KeyStore clientKeyStore = clientKeyStore(user);
            if (token == null && tokenFile == null && clientKeyStore == null) {
                throw doc.error(user, "has no token, tokenFile or client certificate");
            }
            tls = new TlsSettings(certificateAuthorities(cluster), clientKeyStore, insecure(cluster));
        }
        return new KubernetesConnection(server, tls, tokenFile, token, timeout);
    }

    private URI server(YamlSection cluster) throws IOException {
        String text = doc.requiredString(cluster, "server");
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw doc.error(cluster, "server", "\"" + text + "\" is not an https URL such as https://10.0.0.10:6443");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // not quoted: a user-info part may hold a password
            throw doc.error(
                    cluster,
                    "server",
                    "must be a plain https URL such as https://10.0.0.10:6443, without a"
                            + " user"
                            + " name, password, query or fragment");
        }
        return uri;
    }

    private boolean insecure(YamlSection cluster) throws IOException {
        for (String unsupported : List.of("tls-server-name", "proxy-url")) {
            if (cluster.has(unsupported)) {
                throw doc.error(
                        cluster,
                        unsupported,
                        "is not supported; remove it (use a server URL whose host the"
                                + " API server's certificate names, reachable without a proxy)");
            }
        }
        boolean insecure = doc.bool(cluster, "insecure-skip-tls-verify");
        if (insecure && (cluster.has("certificate-authority-data") || cluster.has("certificate-authority"))) {
            throw doc.error(
                    cluster,
                    "insecure-skip-tls-verify",
                    "cannot be true while a certificate authority is set;" + " remove one of them");
        }
        return insecure;
    }

    private List<X509Certificate> certificateAuthorities(YamlSection cluster) throws IOException {
        Optional<Loaded> pem = bytes(cluster, "certificate-authority-data", "certificate-authority");
        if (pem.isEmpty()) {
            return List.of(); // the system trust store
        }
        try {
            return Pem.parseCertificates(pem.get().bytes());
        } catch (IOException e) {
            throw error(pem.get(), e.getMessage());
        }
    }

    private void rejectUnsupported(YamlSection user) throws IOException {
        if (user.has("exec")) {
            throw doc.error(
                    user,
                    "uses an exec credential plugin, which the agent does not support; use a"
                            + " service-account"
                            + " token instead (token or tokenFile)");
        }
        if (user.has("auth-provider")) {
            throw doc.error(
                    user,
                    "uses an auth-provider, which the agent does not support; use a service-account token"
                            + " instead (token or tokenFile)");
        }
        if (user.has("username") || user.has("password")) {
            throw doc.error(
                    user,
                    "uses basic authentication, which Kubernetes no longer supports; use a"
                            + " service-account"
                            + " token instead (token or tokenFile)");
        }
    }

    /** The client certificate and key as a key store for {@link TlsSettings}; null if the user has none. */
    private KeyStore clientKeyStore(YamlSection user) throws IOException {
        Optional<Loaded> certificatePem = bytes(user, "client-certificate-data", "client-certificate");
        Optional<Loaded> keyPem = bytes(user, "client-key-data", "client-key");
        if (certificatePem.isEmpty() && keyPem.isEmpty()) {
            return null;
        }
        if (keyPem.isEmpty()) {
            throw doc.error(user, "has a client certificate but no client-key-data or client-key");
        }
        if (certificatePem.isEmpty()) {
            throw doc.error(user, "has a client key but no client-certificate-data or client-certificate");
        }
        List<X509Certificate> chain;
        try {
            chain = Pem.parseCertificates(certificatePem.get().bytes());
        } catch (IOException e) {
            throw error(certificatePem.get(), e.getMessage());
        }
        PrivateKey key;
        try {
            key = PemPrivateKeys.parse(keyPem.get().bytes());
        } catch (IOException e) {
            throw error(keyPem.get(), e.getMessage());
        }
        if (!belongTogether(key, chain.get(0).getPublicKey())) {
            throw doc.error(
                    user,
                    "the key in " + keyPem.get().key() + " does not belong to the certificate in "
                            + certificatePem.get().key());
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(CLIENT_ALIAS, key, new char[0], chain.toArray(new X509Certificate[0]));
            return store;
        } catch (GeneralSecurityException e) {
            throw doc.error(
                    user,
                    "the client certificate and key cannot be used ("
                            + e.getClass().getSimpleName() + ")");
        }
    }

    /** Signs with the key and verifies with the certificate's public key. */
    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        try {
            Signature signature =
                    Signature.getInstance("RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA");
            byte[] probe = "kube-lm-agent".getBytes(StandardCharsets.US_ASCII);
            signature.initSign(key);
            signature.update(probe);
            byte[] signed = signature.sign();
            signature.initVerify(publicKey);
            signature.update(probe);
            return signature.verify(signed);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The content of {@code dataKey} (base64, inline) or else of the file named by {@code fileKey}
     * (relative to {@code dir}); empty if neither is set.
     */
    private Optional<Loaded> bytes(YamlSection node, String dataKey, String fileKey) throws IOException {
        Optional<String> data = doc.string(node, dataKey);
        if (data.isPresent()) {
            try {
                byte[] bytes = Base64.getDecoder().decode(data.get().replaceAll("\\s", ""));
                return Optional.of(new Loaded(node, dataKey, bytes));
            } catch (IllegalArgumentException e) {
                throw doc.error(node, dataKey, "is not valid base64");
            }
        }
        Optional<String> name = doc.string(node, fileKey);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Path path = dir.resolve(name.get()).normalize();
        try {
            return Optional.of(new Loaded(node, fileKey, Files.readAllBytes(path)));
        } catch (IOException e) {
            throw doc.error(node, fileKey, "cannot read " + path + " (" + Text.ioReason(e) + ")");
        }
    }

    /** Bytes read from {@code key} of {@code parent}, for error messages that say where they came from. */
    private record Loaded(YamlSection parent, String key, byte[] bytes) {}

    private IOException error(Loaded loaded, String what) {
        return doc.error(loaded.parent(), loaded.key(), what);
    }
}
