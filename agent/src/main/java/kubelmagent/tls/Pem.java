package kubelmagent.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reads PEM certificate bundles. */
public final class Pem {

    private Pem() {}

    /**
     * Reads every certificate in a PEM bundle.
     *
     * @throws IOException if the file cannot be read or holds no valid certificate; the message says
     *                     which and names the file
     */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return parseCertificates(bytes);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses every certificate in PEM text (or DER bytes). */
    public static List<X509Certificate> parseCertificates(byte[] pem) throws IOException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        if (text.contains("-----BEGIN") && !text.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IOException("no PEM certificate found (a \"-----BEGIN CERTIFICATE-----\" block is expected)");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certificates = new ArrayList<>();
            for (var certificate : factory.generateCertificates(new ByteArrayInputStream(pem))) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new IOException("no certificate found (expected PEM \"-----BEGIN CERTIFICATE-----\" blocks)");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new IOException("not a valid PEM certificate: " + e.getMessage(), e);
        }
    }
}
