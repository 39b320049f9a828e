package kubelmagent.tls;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * How to verify (and, optionally, present) certificates towards one API.
 *
 * @param trustedCas            the CA certificates to trust; empty means the JVM's system trust store
 * @param clientKeyStore        a key store holding one client certificate and its key (alias
 *                              {@code client}, empty password), or null
 * @param insecureSkipTlsVerify accept any certificate and host name; for labs only
 */
public record TlsSettings(List<X509Certificate> trustedCas, KeyStore clientKeyStore, boolean insecureSkipTlsVerify) {

    public TlsSettings {
        trustedCas = List.copyOf(trustedCas);
    }

    public static TlsSettings systemTrust() {
        return new TlsSettings(List.of(), null, false);
    }

    public static TlsSettings trusting(List<X509Certificate> cas) {
        return new TlsSettings(cas, null, false);
    }
}
