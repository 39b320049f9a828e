package kubelmagent.kube;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** The throwaway test PKI in {@code src/test/resources/kube/pki} (see its README). */
final class Pki {

    static final String CA = "ca.crt";
    static final String RSA_CERT = "client-rsa.crt";
    static final String RSA_PKCS8_KEY = "client-rsa-pkcs8.key";
    static final String RSA_PKCS1_KEY = "client-rsa-pkcs1.key";
    static final String EC_CERT = "client-ec.crt";
    static final String EC_SEC1_KEY = "client-ec-sec1.key";
    static final String EC_PKCS8_KEY = "client-ec-pkcs8.key";
    static final String SERVER_P12 = "server.p12";
    static final char[] SERVER_P12_PASSWORD = "changeit".toCharArray();

    private Pki() {}

    static byte[] bytes(String name) {
        try (InputStream in = Pki.class.getResourceAsStream("/pki/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test PKI file " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String base64(String name) {
        return Base64.getEncoder().encodeToString(bytes(name));
    }

    /** Copies a PKI file into {@code dir} and returns where it went. */
    static Path copy(String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(name);
        Files.write(target, bytes(name));
        return target;
    }
}
