package kubelmagent.kube;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Reads an unencrypted PEM private key as kubeconfig files carry them: {@code PRIVATE KEY} (PKCS#8,
 * RSA or EC), {@code RSA PRIVATE KEY} (PKCS#1) or {@code EC PRIVATE KEY} (SEC1, as {@code openssl
 * ecparam -genkey} writes it, possibly after an {@code EC PARAMETERS} block). Bouncy Castle reads the
 * PEM and the ASN.1; the JDK makes the key. Error messages never contain key material.
 */
final class PemPrivateKeys {

    private PemPrivateKeys() {}

    static PrivateKey parse(byte[] pem) throws IOException {
        try (PemReader reader = new PemReader(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            for (PemObject block = next(reader); block != null; block = next(reader)) {
                String type = block.getType();
                switch (type) {
                    case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
                        if (legacyEncrypted(block)) {
                            throw encrypted();
                        }
                        return toPrivateKey(privateKeyInfo(type, block.getContent()));
                    case "ENCRYPTED PRIVATE KEY":
                        throw encrypted();
                    default:
                    // EC PARAMETERS, CERTIFICATE, ...: look further
                }
            }
        }
        throw new IOException(
                "no PEM private key found (expected a \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\""
                        + " or \"EC PRIVATE KEY\" block)");
    }

    private static PemObject next(PemReader reader) throws IOException {
        try {
            return reader.readPemObject();
        } catch (RuntimeException e) { // Bouncy Castle's DecoderException; its message may quote the text
            throw new IOException("a PEM block is not valid base64");
        }
    }

    /** OpenSSL's legacy encryption: {@code Proc-Type} and {@code DEK-Info} headers in the block. */
    private static boolean legacyEncrypted(PemObject block) {
        for (Object header : block.getHeaders()) {
            String name = ((PemHeader) header).getName();
            if ("Proc-Type".equalsIgnoreCase(name) || "DEK-Info".equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static IOException encrypted() {
        return new IOException("the private key is encrypted, which is not supported; store it unencrypted"
                + " (openssl pkey -in key.pem -out key-plain.pem) and protect the file instead");
    }

    /** The key as PKCS#8 {@code PrivateKeyInfo}: as it is, or a PKCS#1 or SEC1 key wrapped with its algorithm. */
    private static PrivateKeyInfo privateKeyInfo(String type, byte[] der) throws IOException {
        try {
            switch (type) {
                case "RSA PRIVATE KEY":
                    return new PrivateKeyInfo(
                            new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                            RSAPrivateKey.getInstance(der));
                case "EC PRIVATE KEY":
                    ECPrivateKey sec1 = ECPrivateKey.getInstance(der);
                    ASN1Encodable curve = sec1.getParametersObject();
                    if (curve == null) {
                        throw new IOException("the \"EC PRIVATE KEY\" does not name its curve; convert it to PKCS#8"
                                + " (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
                    }
                    return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve), sec1);
                default:
                    return PrivateKeyInfo.getInstance(der);
            }
        } catch (IllegalArgumentException | IllegalStateException | ClassCastException e) {
            // Bouncy Castle's messages about malformed ASN.1 are not shown: they may quote the bytes
            throw new IOException(
                    "PRIVATE KEY".equals(type)
                            ? "the private key is not valid PKCS#8"
                            : "the \"" + type + "\" block is not a valid private key");
        }
    }

    private static PrivateKey toPrivateKey(PrivateKeyInfo info) throws IOException {
        String algorithm;
        if (PKCSObjectIdentifiers.rsaEncryption.equals(
                info.getPrivateKeyAlgorithm().getAlgorithm())) {
            algorithm = "RSA";
        } else if (X9ObjectIdentifiers.id_ecPublicKey.equals(
                info.getPrivateKeyAlgorithm().getAlgorithm())) {
            algorithm = "EC";
        } else {
            throw new IOException("the private key is neither RSA nor EC; only those are supported");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (PEMException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("the " + algorithm + " private key cannot be read ("
                    + cause.getClass().getSimpleName() + ")");
        }
    }
}
