package kubelmagent.kube;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an unencrypted PEM private key as kubeconfig files carry them: {@code PRIVATE KEY} (PKCS#8,
 * RSA or EC), {@code RSA PRIVATE KEY} (PKCS#1) or {@code EC PRIVATE KEY} (SEC1, as {@code openssl
 * ecparam -genkey} writes it, possibly after an {@code EC PARAMETERS} block). Error messages never
 * contain key material.
 */
final class PemPrivateKeys {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    /** 1.2.840.113549.1.1.1 */
    private static final byte[] RSA_ENCRYPTION = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    /** 1.2.840.10045.2.1 */
    private static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemPrivateKeys() {}

    static PrivateKey parse(byte[] pem) throws IOException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        Matcher block = BLOCK.matcher(text);
        while (block.find()) {
            String type = block.group(1);
            switch (type) {
                case "PRIVATE KEY":
                    return fromPkcs8(decode(block.group(2), type));
                case "RSA PRIVATE KEY":
                    return fromPkcs8(rsaToPkcs8(decode(block.group(2), type)));
                case "EC PRIVATE KEY":
                    return fromPkcs8(ecToPkcs8(decode(block.group(2), type)));
                case "ENCRYPTED PRIVATE KEY":
                    throw encrypted();
                default:
                    // EC PARAMETERS, CERTIFICATE, ...: look further
            }
        }
        throw new IOException("no PEM private key found (expected a \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\""
                + " or \"EC PRIVATE KEY\" block)");
    }

    private static byte[] decode(String body, String type) throws IOException {
        if (body.contains("Proc-Type:") || body.contains("DEK-Info:")) {
            throw encrypted();
        }
        try {
            return Base64.getMimeDecoder().decode(body.strip());
        } catch (IllegalArgumentException e) {
            throw new IOException("the \"" + type + "\" block is not valid base64");
        }
    }

    private static IOException encrypted() {
        return new IOException("the private key is encrypted, which is not supported; store it unencrypted"
                + " (openssl pkey -in key.pem -out key-plain.pem) and protect the file instead");
    }

    /** PKCS#1 {@code RSAPrivateKey} inside a PKCS#8 {@code PrivateKeyInfo}. */
    private static byte[] rsaToPkcs8(byte[] pkcs1) {
        byte[] algorithm = Der.encode(Der.SEQUENCE,
                Der.encode(Der.OBJECT_IDENTIFIER, RSA_ENCRYPTION),
                Der.encode(Der.NULL));
        return Der.encode(Der.SEQUENCE, Der.integer(0), algorithm, Der.encode(Der.OCTET_STRING, pkcs1));
    }

    /** SEC1 {@code ECPrivateKey} inside a PKCS#8 {@code PrivateKeyInfo}, with the curve from its {@code [0]}. */
    private static byte[] ecToPkcs8(byte[] sec1) throws IOException {
        Der.Element curve = null;
        for (Der.Element field : Der.parse(sec1).children()) {
            if (field.tag() == Der.CONTEXT_0) {
                List<Der.Element> parameters = field.children();
                if (parameters.size() == 1 && parameters.get(0).tag() == Der.OBJECT_IDENTIFIER) {
                    curve = parameters.get(0);
                }
            }
        }
        if (curve == null) {
            throw new IOException("the \"EC PRIVATE KEY\" does not name its curve; convert it to PKCS#8"
                    + " (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
        }
        byte[] algorithm = Der.encode(Der.SEQUENCE, Der.encode(Der.OBJECT_IDENTIFIER, EC_PUBLIC_KEY), curve.encoded());
        return Der.encode(Der.SEQUENCE, Der.integer(0), algorithm, Der.encode(Der.OCTET_STRING, sec1));
    }

    private static PrivateKey fromPkcs8(byte[] der) throws IOException {
        String algorithm = algorithm(der);
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException("the " + algorithm + " private key cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** {@code PrivateKeyInfo ::= SEQUENCE { version, SEQUENCE { algorithm OID, parameters }, privateKey }}. */
    private static String algorithm(byte[] pkcs8) throws IOException {
        List<Der.Element> fields = Der.parse(pkcs8).children();
        if (fields.size() < 3 || fields.get(1).tag() != Der.SEQUENCE) {
            throw new IOException("the private key is not valid PKCS#8");
        }
        List<Der.Element> algorithm = fields.get(1).children();
        if (algorithm.isEmpty() || algorithm.get(0).tag() != Der.OBJECT_IDENTIFIER) {
            throw new IOException("the private key is not valid PKCS#8");
        }
        byte[] oid = algorithm.get(0).content();
        if (Arrays.equals(oid, RSA_ENCRYPTION)) {
            return "RSA";
        }
        if (Arrays.equals(oid, EC_PUBLIC_KEY)) {
            return "EC";
        }
        throw new IOException("the private key is neither RSA nor EC; only those are supported");
    }
}
