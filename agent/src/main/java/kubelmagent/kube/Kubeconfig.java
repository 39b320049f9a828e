package kubelmagent.kube;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
import java.util.Map;
import java.util.Optional;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import kubelmagent.http.Pem;
import kubelmagent.http.TlsSettings;
import kubelmagent.log.Text;
import kubelmagent.secret.Secret;

/**
 * Reads a kubeconfig file into a {@link KubernetesConnection}: the chosen context's cluster
 * ({@code server}, its CA, {@code insecure-skip-tls-verify}) and user ({@code token}, {@code tokenFile},
 * or a client certificate and key). Relative paths are relative to the kubeconfig's directory, as
 * kubectl has them. Credential plugins ({@code exec}, {@code auth-provider}) are not supported.
 */
public final class Kubeconfig {

    /** The alias of the client certificate in {@link TlsSettings#clientKeyStore()}. */
    static final String CLIENT_ALIAS = "client";

    private Kubeconfig() {}

    /**
     * @param file    the kubeconfig
     * @param context the context to use, or null for {@code current-context}
     * @param timeout request timeout for the resulting connection
     * @throws IOException with an operator-facing message naming the file and what is wrong
     */
    public static KubernetesConnection read(Path file, String context, Duration timeout) throws IOException {
        YamlNode root = load(file);
        Path dir = file.toAbsolutePath().getParent();

        String contextName = context != null && !context.isBlank() ? context : root.string("current-context")
                .orElseThrow(() -> root.error("has no current-context; set one (kubectl config use-context NAME)"
                        + " or name the context to use"));
        YamlNode contextNode = root.named("contexts", contextName, "context");
        YamlNode cluster = root.named("clusters", contextNode.requiredString("cluster"), "cluster");
        Optional<String> userName = contextNode.string("user");

        URI server = server(cluster);
        TlsSettings tls;
        Secret token = null;
        Path tokenFile = null;
        if (userName.isEmpty()) {
            tls = new TlsSettings(certificateAuthorities(cluster, dir), null, insecure(cluster));
        } else {
            YamlNode user = root.named("users", userName.get(), "user");
            rejectUnsupported(user);
            token = user.string("token").map(Secret::of).orElse(null);
            tokenFile = user.string("tokenFile").map(dir::resolve).map(Path::normalize).orElse(null);
            KeyStore clientKeyStore = clientKeyStore(user, dir);
            if (token == null && tokenFile == null && clientKeyStore == null) {
                throw user.error("has no token, tokenFile or client certificate");
            }
            tls = new TlsSettings(certificateAuthorities(cluster, dir), clientKeyStore, insecure(cluster));
        }
        return new KubernetesConnection(server, tls, tokenFile, token, timeout);
    }

    private static YamlNode load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read kubeconfig " + file + " (" + Text.ioReason(e) + ")", e);
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object document;
        try {
            document = new Yaml(new SafeConstructor(options)).load(text);
        } catch (MarkedYAMLException e) {
            // Not e.getMessage(): it quotes the offending line, which may hold a token or key.
            String where = e.getProblemMark() == null ? ""
                    : " at line " + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1);
            throw new IOException(file + ": is not valid YAML" + where + ": " + e.getProblem());
        } catch (YAMLException e) {
            throw new IOException(file + ": is not valid YAML (" + e.getClass().getSimpleName() + ")");
        }
        YamlNode root = new YamlNode(file, "", document);
        if (!(document instanceof Map)) {
            throw root.error("is not a kubeconfig (expected a YAML mapping with clusters, contexts and users)");
        }
        return root;
    }

    private static URI server(YamlNode cluster) throws IOException {
        String text = cluster.requiredString("server");
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw cluster.error("server", "\"" + text + "\" is not an https URL such as https://10.0.0.10:6443");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // not quoted: a user-info part may hold a password
            throw cluster.error("server", "must be a plain https URL such as https://10.0.0.10:6443, without a user"
                    + " name, password, query or fragment");
        }
        return uri;
    }

    private static boolean insecure(YamlNode cluster) throws IOException {
        for (String unsupported : List.of("tls-server-name", "proxy-url")) {
            if (cluster.has(unsupported)) {
                throw cluster.error(unsupported, "is not supported; remove it (use a server URL whose host the"
                        + " API server's certificate names, reachable without a proxy)");
            }
        }
        boolean insecure = cluster.bool("insecure-skip-tls-verify");
        if (insecure && (cluster.has("certificate-authority-data") || cluster.has("certificate-authority"))) {
            throw cluster.error("insecure-skip-tls-verify", "cannot be true while a certificate authority is set;"
                    + " remove one of them");
        }
        return insecure;
    }

    private static List<X509Certificate> certificateAuthorities(YamlNode cluster, Path dir) throws IOException {
        Optional<Loaded> pem = bytes(cluster, "certificate-authority-data", "certificate-authority", dir);
        if (pem.isEmpty()) {
            return List.of(); // the system trust store
        }
        try {
            return Pem.parseCertificates(pem.get().bytes());
        } catch (IOException e) {
            throw pem.get().error(e.getMessage());
        }
    }

    private static void rejectUnsupported(YamlNode user) throws IOException {
        if (user.has("exec")) {
            throw user.error("uses an exec credential plugin, which the agent does not support; use a service-account"
                    + " token instead (token or tokenFile)");
        }
        if (user.has("auth-provider")) {
            throw user.error("uses an auth-provider, which the agent does not support; use a service-account token"
                    + " instead (token or tokenFile)");
        }
        if (user.has("username") || user.has("password")) {
            throw user.error("uses basic authentication, which Kubernetes no longer supports; use a service-account"
                    + " token instead (token or tokenFile)");
        }
    }

    /** The client certificate and key as a key store for {@link TlsSettings}; null if the user has none. */
    private static KeyStore clientKeyStore(YamlNode user, Path dir) throws IOException {
        Optional<Loaded> certificatePem = bytes(user, "client-certificate-data", "client-certificate", dir);
        Optional<Loaded> keyPem = bytes(user, "client-key-data", "client-key", dir);
        if (certificatePem.isEmpty() && keyPem.isEmpty()) {
            return null;
        }
        if (keyPem.isEmpty()) {
            throw user.error("has a client certificate but no client-key-data or client-key");
        }
        if (certificatePem.isEmpty()) {
            throw user.error("has a client key but no client-certificate-data or client-certificate");
        }
        List<X509Certificate> chain;
        try {
            chain = Pem.parseCertificates(certificatePem.get().bytes());
        } catch (IOException e) {
            throw certificatePem.get().error(e.getMessage());
        }
        PrivateKey key;
        try {
            key = PemPrivateKeys.parse(keyPem.get().bytes());
        } catch (IOException e) {
            throw keyPem.get().error(e.getMessage());
        }
        if (!belongTogether(key, chain.get(0).getPublicKey())) {
            throw user.error("the key in " + keyPem.get().key() + " does not belong to the certificate in "
                    + certificatePem.get().key());
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(CLIENT_ALIAS, key, new char[0], chain.toArray(new X509Certificate[0]));
            return store;
        } catch (GeneralSecurityException e) {
            throw user.error("the client certificate and key cannot be used (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Signs with the key and verifies with the certificate's public key. */
    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        try {
            Signature signature = Signature.getInstance("RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA");
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
    private static Optional<Loaded> bytes(YamlNode node, String dataKey, String fileKey, Path dir) throws IOException {
        Optional<String> data = node.string(dataKey);
        if (data.isPresent()) {
            try {
                byte[] bytes = Base64.getDecoder().decode(data.get().replaceAll("\\s", ""));
                return Optional.of(new Loaded(node, dataKey, bytes));
            } catch (IllegalArgumentException e) {
                throw node.error(dataKey, "is not valid base64");
            }
        }
        Optional<String> name = node.string(fileKey);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Path path = dir.resolve(name.get()).normalize();
        try {
            return Optional.of(new Loaded(node, fileKey, Files.readAllBytes(path)));
        } catch (IOException e) {
            throw node.error(fileKey, "cannot read " + path + " (" + Text.ioReason(e) + ")");
        }
    }

    /** Bytes read from {@code key} of {@code parent}, for error messages that say where they came from. */
    private record Loaded(YamlNode parent, String key, byte[] bytes) {

        IOException error(String what) {
            return parent.error(key, what);
        }
    }
}
