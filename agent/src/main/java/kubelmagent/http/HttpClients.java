package kubelmagent.http;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import kubelmagent.tls.TlsSettings;
import kubelmagent.version.Version;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.ssl.TLS;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Builds the HTTP clients towards the Kubernetes API and the LoadMaster: verified TLS unless told
 * otherwise, bounded timeouts, and none of the behaviour that could surprise an operator
 * (no automatic retries of non-idempotent calls, no redirects that could carry credentials
 * elsewhere, no cookies, no proxy settings picked up from the environment).
 */
public final class HttpClients {

    private HttpClients() {}

    /** Connections a client keeps open to its server at most, unless it needs more at once. */
    static final int CONNECTIONS = 4;

    public static CloseableHttpClient create(TlsSettings tls, Duration timeout) {
        return create(tls, timeout, CONNECTIONS);
    }

    /**
     * @param maxConnections how many requests may be under way at once; a request that finds them all busy waits
     *                    for one, at most {@code timeout}
     */
    public static CloseableHttpClient create(TlsSettings tls, Duration timeout, int maxConnections) {
        SSLContext sslContext = sslContext(tls);
        DefaultClientTlsStrategy tlsStrategy = tls.insecureSkipTlsVerify()
                ? new DefaultClientTlsStrategy(
                        sslContext,
                        new String[] {TLS.V_1_3.id, TLS.V_1_2.id},
                        null,
                        null,
                        HostnameVerificationPolicy.CLIENT,
                        NoopHostnameVerifier.INSTANCE)
                : new DefaultClientTlsStrategy(
                        sslContext,
                        new String[] {TLS.V_1_3.id, TLS.V_1_2.id},
                        null,
                        null,
                        HostnameVerificationPolicy.BOTH,
                        null);
        Timeout t = Timeout.of(timeout);
        var connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(tlsStrategy)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(t)
                        .setSocketTimeout(t)
                        // A pooled connection the server closed while idle would fail the next call,
                        // and writes are never retried: check connections idle for over a second.
                        .setValidateAfterInactivity(TimeValue.ofSeconds(1))
                        .build())
                .setDefaultSocketConfig(SocketConfig.custom()
                        .setTcpNoDelay(true)
                        .setSoTimeout(t)
                        .build())
                .setMaxConnTotal(maxConnections)
                .setMaxConnPerRoute(maxConnections)
                .build();
        return HttpClientBuilder.create()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(requestConfig(timeout, timeout))
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("kube-lm-agent/" + Version.current())
                .build();
    }

    /**
     * What every request of a client made here is sent with: at most {@code timeout} to get a connection of the
     * pool, at most {@code answerWithin} without a byte of the answer, no redirects. A request that needs a shorter
     * wait for its answer carries its own.
     */
    public static RequestConfig requestConfig(Duration timeout, Duration answerWithin) {
        return RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.of(timeout))
                .setResponseTimeout(Timeout.of(answerWithin))
                .setRedirectsEnabled(false)
                .build();
    }

    /** The TLS context for these settings: also what the tests' own clients use to trust a stand-in. */
    public static SSLContext sslContext(TlsSettings tls) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            var keyManagers = tls.clientKeyStore() == null ? null : keyManagers(tls.clientKeyStore());
            TrustManager[] trustManagers;
            if (tls.insecureSkipTlsVerify()) {
                trustManagers = new TrustManager[] {new TrustEverything()};
            } else if (tls.trustedCas().isEmpty()) {
                trustManagers = null; // the JVM's default trust store
            } else {
                KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
                trustStore.load(null, null);
                int i = 0;
                for (X509Certificate ca : tls.trustedCas()) {
                    trustStore.setCertificateEntry("ca-" + i++, ca);
                }
                TrustManagerFactory factory =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(trustStore);
                trustManagers = factory.getTrustManagers();
            }
            context.init(keyManagers, trustManagers, null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static javax.net.ssl.KeyManager[] keyManagers(KeyStore keyStore) throws GeneralSecurityException {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keyStore, new char[0]);
        return factory.getKeyManagers();
    }

    /** Used only when the operator set {@code insecureSkipTlsVerify: true}; the agent warns at every start. */
    private static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // accept
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // accept: insecureSkipTlsVerify is set
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
