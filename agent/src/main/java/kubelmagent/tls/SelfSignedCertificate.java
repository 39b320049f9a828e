package kubelmagent.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed server certificate for the programs that stand in for a LoadMaster or a Kubernetes
 * API server on this host (the simulator, the demo). It is made with the JDK's own {@code keytool},
 * since the JDK has no public API to issue certificates, and it names {@code localhost} and
 * {@code 127.0.0.1}. The agent trusts it through its {@code caFile}: the certificate is its own CA.
 *
 * @param keyStore  PKCS#12 file with the key and certificate (alias {@code server})
 * @param password  the key store's password
 * @param pem       the certificate as PEM, to give the agent as {@code caFile}
 */
public record SelfSignedCertificate(Path keyStore, char[] password, Path pem) {

    /**
     * Generates a key pair and certificate into {@code dir} ({@code server.p12} and {@code server.crt}).
     *
     * @throws IOException if keytool is missing or fails; the message carries keytool's own output
     */
    public static SelfSignedCertificate generate(Path dir, String commonName) throws IOException {
        Files.createDirectories(dir);
        Path keyStore = dir.resolve("server.p12");
        Path pem = dir.resolve("server.crt");
        Files.deleteIfExists(keyStore);
        char[] password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12)).toCharArray();
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-noprompt",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-validity", "3650", "-dname", "CN=" + commonName,
                "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1",
                "-ext", "BC:c=ca:true",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", new String(password), "-keypass", new String(password))
                .redirectErrorStream(true)
                .start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("keytool could not make a self-signed certificate: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool made a certificate", e);
        }
        SelfSignedCertificate cert = new SelfSignedCertificate(keyStore, password, pem);
        X509Certificate x509 = cert.certificate();
        try {
            String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(x509.getEncoded());
            Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n",
                    StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encode the certificate: " + e.getMessage(), e);
        }
        return cert;
    }

    /** The certificate, as read back from the key store. */
    public X509Certificate certificate() throws IOException {
        try {
            return (X509Certificate) load().getCertificate("server");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + keyStore + ": " + e.getMessage(), e);
        }
    }

    /** A server-side TLS context presenting this certificate. */
    public SSLContext serverContext() throws IOException {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(), password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + keyStore + ": " + e.getMessage(), e);
        }
    }

    /** How an agent trusts it: this certificate as the only CA. */
    public TlsSettings trustedBy() throws IOException {
        return TlsSettings.trusting(List.of(certificate()));
    }

    private KeyStore load() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password);
        }
        return store;
    }
}
