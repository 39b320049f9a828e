package kubelmagent.kube;

import java.io.IOException;
import java.time.Duration;
import kubelmagent.demo.StandInKubernetesApi;
import kubelmagent.secret.Secret;
import kubelmagent.tls.Pem;
import kubelmagent.tls.TlsSettings;

/** How a test's agent reaches the stand-in API server: its URL, trusting its certificate, with a token. */
public final class StandInConnection {

    private StandInConnection() {}

    public static KubernetesConnection to(StandInKubernetesApi api, String token, Duration timeout) throws IOException {
        return new KubernetesConnection(
                api.url(), TlsSettings.trusting(Pem.readCertificates(api.caFile())), null, Secret.of(token), timeout);
    }
}
