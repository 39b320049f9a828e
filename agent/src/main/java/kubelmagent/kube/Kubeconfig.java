package kubelmagent.kube;

import java.io.IOException;
import java.io.StringReader;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import kubelmagent.http.Pem;
import kubelmagent.http.TlsSettings;
import kubelmagent.log.Text;
import kubelmagent.secret.Secret;
import kubelmagent.yaml.Problems;
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

    /** YAML 1.1's words for true, lowercased; anything else with the boolean tag is false. */
    private static final Set<String> TRUE = Set.of("true", "yes", "on");

    private final Path file;
    private final Path dir;

    /**
     * @param file    the kubeconfig
     * @param context the context to use, or null for {@code current-context}
     * @param timeout request timeout for the resulting connection
     * @throws IOException with an operator-facing message naming the file and what is wrong
     */
    public static KubernetesConnection read(Path file, String context, Duration timeout) throws IOException {
        return new Kubeconfig(file).connection(context, timeout);
    }

    private Kubeconfig(Path file) {
        this.file = file;
        this.dir = file.toAbsolutePath().getParent();
    }

    private KubernetesConnection connection(String context, Duration timeout) throws IOException {
        YamlSection root = load();

        String contextName = context != null && !context.isBlank() ? context : string(root, "current-context")
                .orElseThrow(() -> error(root, "has no current-context; set one (kubectl config use-context NAME)"
                        + " or name the context to use"));
        YamlSection contextNode = named(root, "contexts", contextName, "context");
        YamlSection cluster = named(root, "clusters", requiredString(contextNode, "cluster"), "cluster");
        Optional<String> userName = string(contextNode, "user");

        URI server = server(cluster);
        TlsSettings tls;
        Secret token = null;
        Path tokenFile = null;
        if (userName.isEmpty()) {
            tls = new TlsSettings(certificateAuthorities(cluster), null, insecure(cluster));
        } else {
            YamlSection user = named(root, "users", userName.get(), "user");
            rejectUnsupported(user);
            token = string(user, "token").map(Secret::of).orElse(null);
            tokenFile = string(user, "tokenFile").map(dir::resolve).map(Path::normalize).orElse(null);
            KeyStore clientKeyStore = clientKeyStore(user);
            if (token == null && tokenFile == null && clientKeyStore == null) {
                throw error(user, "has no token, tokenFile or client certificate");
            }
            tls = new TlsSettings(certificateAuthorities(cluster), clientKeyStore, insecure(cluster));
        }
        return new KubernetesConnection(server, tls, tokenFile, token, timeout);
    }

    /**
     * The document's root mapping. load() rejects, in SnakeYAML's words, what is not a valid document
     * (syntax, duplicate keys, unknown tags), as it always did; compose() then gives the nodes, which
     * keep their text as written and their lines, for the agent's one YAML walker, {@link YamlSection}.
     */
    private YamlSection load() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read kubeconfig " + file + " (" + Text.ioReason(e) + ")", e);
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        Node document;
        try {
            yaml.load(text);
            document = yaml.compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            // Not e.getMessage(): it quotes the offending line, which may hold a token or key.
            String where = e.getProblemMark() == null ? ""
                    : " at line " + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1);
            throw new IOException(file + ": is not valid YAML" + where + ": " + e.getProblem());
        } catch (YAMLException e) {
            throw new IOException(file + ": is not valid YAML (" + e.getClass().getSimpleName() + ")");
        }
        if (!(document instanceof MappingNode mapping)) {
            throw new IOException(file + ": is not a kubeconfig (expected a YAML mapping with clusters, contexts"
                    + " and users)");
        }
        // Its keys are kubectl's: any is taken, and what the walker would report on its own (a key
        // that is not a name, say) is no concern of the agent's, which looks up only the keys it needs.
        return YamlSection.root(mapping, YamlSection.ANY_KEY, new Problems());
    }

    private URI server(YamlSection cluster) throws IOException {
        String text = requiredString(cluster, "server");
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw error(cluster, "server", "\"" + text + "\" is not an https URL such as https://10.0.0.10:6443");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // not quoted: a user-info part may hold a password
            throw error(cluster, "server", "must be a plain https URL such as https://10.0.0.10:6443, without a user"
                    + " name, password, query or fragment");
        }
        return uri;
    }

    private boolean insecure(YamlSection cluster) throws IOException {
        for (String unsupported : List.of("tls-server-name", "proxy-url")) {
            if (cluster.has(unsupported)) {
                throw error(cluster, unsupported, "is not supported; remove it (use a server URL whose host the"
                        + " API server's certificate names, reachable without a proxy)");
            }
        }
        boolean insecure = bool(cluster, "insecure-skip-tls-verify");
        if (insecure && (cluster.has("certificate-authority-data") || cluster.has("certificate-authority"))) {
            throw error(cluster, "insecure-skip-tls-verify", "cannot be true while a certificate authority is set;"
                    + " remove one of them");
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
            throw error(user, "uses an exec credential plugin, which the agent does not support; use a service-account"
                    + " token instead (token or tokenFile)");
        }
        if (user.has("auth-provider")) {
            throw error(user, "uses an auth-provider, which the agent does not support; use a service-account token"
                    + " instead (token or tokenFile)");
        }
        if (user.has("username") || user.has("password")) {
            throw error(user, "uses basic authentication, which Kubernetes no longer supports; use a service-account"
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
            throw error(user, "has a client certificate but no client-key-data or client-key");
        }
        if (certificatePem.isEmpty()) {
            throw error(user, "has a client key but no client-certificate-data or client-certificate");
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
            throw error(user, "the key in " + keyPem.get().key() + " does not belong to the certificate in "
                    + certificatePem.get().key());
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(CLIENT_ALIAS, key, new char[0], chain.toArray(new X509Certificate[0]));
            return store;
        } catch (GeneralSecurityException e) {
            throw error(user, "the client certificate and key cannot be used (" + e.getClass().getSimpleName() + ")");
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
    private Optional<Loaded> bytes(YamlSection node, String dataKey, String fileKey) throws IOException {
        Optional<String> data = string(node, dataKey);
        if (data.isPresent()) {
            try {
                byte[] bytes = Base64.getDecoder().decode(data.get().replaceAll("\\s", ""));
                return Optional.of(new Loaded(node, dataKey, bytes));
            } catch (IllegalArgumentException e) {
                throw error(node, dataKey, "is not valid base64");
            }
        }
        Optional<String> name = string(node, fileKey);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Path path = dir.resolve(name.get()).normalize();
        try {
            return Optional.of(new Loaded(node, fileKey, Files.readAllBytes(path)));
        } catch (IOException e) {
            throw error(node, fileKey, "cannot read " + path + " (" + Text.ioReason(e) + ")");
        }
    }

    /** Bytes read from {@code key} of {@code parent}, for error messages that say where they came from. */
    private record Loaded(YamlSection parent, String key, byte[] bytes) {}

    // ---- the kubeconfig's reading of the walker's values ---------------------------------------

    /** An error about a mapping: {@code /etc/k.yaml: users[admin].user: <what>} ({@code /etc/k.yaml: <what>} for the root). */
    private IOException error(YamlSection s, String what) {
        return new IOException(file + ": " + (s.path().isEmpty() ? "" : s.path() + ": ") + what);
    }

    /** An error about one of a mapping's keys: {@code /etc/k.yaml: users[admin].user.token: <what>}. */
    private IOException error(YamlSection s, String key, String what) {
        return new IOException(file + ": " + s.path(key) + ": " + what);
    }

    private IOException error(Loaded loaded, String what) {
        return error(loaded.parent(), loaded.key(), what);
    }

    /** The mapping below {@code key}; an error if it is absent or not a mapping. */
    private YamlSection mapping(YamlSection s, String key) throws IOException {
        Node value = s.value(key);
        if (value == null) {
            throw error(s, "has no " + key);
        }
        if (!(value instanceof MappingNode)) {
            throw error(s, key, "must be a mapping");
        }
        return s.section(key, YamlSection.ANY_KEY);
    }

    /** A scalar below {@code key}, as written but without surrounding whitespace; empty if absent or blank. */
    private Optional<String> string(YamlSection s, String key) throws IOException {
        Node value = s.value(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof ScalarNode scalar)) {
            throw error(s, key, "must be a single value");
        }
        String text = scalar.getValue().strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** A scalar below {@code key} that must be there. */
    private String requiredString(YamlSection s, String key) throws IOException {
        Optional<String> text = string(s, key);
        if (text.isEmpty()) {
            throw error(s, "has no " + key);
        }
        return text.get();
    }

    /**
     * A YAML boolean below {@code key}; false if absent. YAML 1.1's words count, as they did when the
     * kubeconfig was loaded into Java objects: true, yes and on, in any of their three spellings.
     */
    private boolean bool(YamlSection s, String key) throws IOException {
        Node value = s.value(key);
        if (value == null) {
            return false;
        }
        if (value instanceof ScalarNode scalar && Tag.BOOL.equals(value.getTag())) {
            return TRUE.contains(scalar.getValue().toLowerCase(Locale.ROOT));
        }
        throw error(s, key, "must be true or false");
    }

    /**
     * In a kubeconfig list such as {@code users: [{name: admin, user: {...}}]}, the {@code field} of
     * the entry named {@code name}: {@code users[admin].user}.
     */
    private YamlSection named(YamlSection root, String list, String name, String field) throws IOException {
        List<String> names = new ArrayList<>();
        for (Node entry : list(root, list)) {
            if (!(entry instanceof MappingNode)) {
                continue;
            }
            YamlSection candidate = root.mappingAt(entry, list + "[" + name + "]", YamlSection.ANY_KEY);
            if (candidate.value("name") instanceof ScalarNode entryName) {
                if (entryName.getValue().equals(name)) {
                    return mapping(candidate, field);
                }
                names.add(entryName.getValue());
            }
        }
        throw error(root, list, "has no entry named \"" + name + "\""
                + (names.isEmpty() ? "" : " (it has: " + String.join(", ", names) + ")"));
    }

    private List<Node> list(YamlSection s, String key) throws IOException {
        Node value = s.value(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        throw error(s, key, "must be a list");
    }
}
