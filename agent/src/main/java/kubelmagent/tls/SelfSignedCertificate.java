package kubelmagent.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed server certificate for the programs that stand in for a LoadMaster or a Kubernetes
 * API server on this host (the simulator, the demo). Bouncy Castle issues it (the JDK has no public API
 * for that): an EC P-256 key, SHA256withECDSA, valid for ten years, naming {@code localhost},
 * {@code 127.0.0.1} and {@code ::1}, and marked as a CA. The agent trusts it through its {@code caFile}:
 * the certificate is its own CA.
 *
 * @param keyStore  PKCS#12 file with the key and certificate (alias {@code server})
 * @param password  the key store's password
 * @param pem       the certificate as PEM, to give the agent as {@code caFile}
 */
public record SelfSignedCertificate(Path keyStore, char[] password, Path pem) {

    private static final Duration VALIDITY = Duration.ofDays(3650);

    /**
     * Generates a key pair and certificate into {@code dir} ({@code server.p12} and {@code server.crt}).
     *
     * @throws IOException if the files cannot be written or the JDK lacks EC P-256 or SHA256withECDSA
     */
    public static SelfSignedCertificate generate(Path dir, String commonName) throws IOException {
        Files.createDirectories(dir);
        Path keyStore = dir.resolve("server.p12");
        Path pem = dir.resolve("server.crt");
        Files.deleteIfExists(keyStore);
        SecureRandom random = new SecureRandom();
        char[] password = HexFormat.of().formatHex(random.generateSeed(12)).toCharArray();
        X509Certificate certificate;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair keys = generator.generateKeyPair();
            certificate = issue(keys, new X500Name("CN=" + commonName), random);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", keys.getPrivate(), password, new X509Certificate[] {certificate});
            try (OutputStream out = Files.newOutputStream(keyStore)) {
                store.store(out, password);
            }
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
        try {
            String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded());
            Files.writeString(
                    pem,
                    "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n",
                    StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encode the certificate: " + e.getMessage(), e);
        }
        return new SelfSignedCertificate(keyStore, password, pem);
    }

    /** The certificate of {@code keys}, issued by themselves to {@code name}. */
    private static X509Certificate issue(KeyPair keys, X500Name name, SecureRandom random)
            throws GeneralSecurityException, OperatorCreationException, CertIOException {
        Instant now = Instant.now();
        BigInteger serial = new BigInteger(63, random).add(BigInteger.ONE);
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                        name, serial, Date.from(now), Date.from(now.plus(VALIDITY)), name, keys.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")
                }))
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(
                        Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
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

    private KeyStore load() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password);
        }
        return store;
    }
}
