package kubelmagent.kube;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import kubelmagent.secret.Secret;
import kubelmagent.tls.TlsSettings;

/**
 * How to reach and authenticate to the Kubernetes API server.
 *
 * @param server      the API server's base URL, e.g. {@code https://10.0.0.10:6443}
 * @param tls         CA to trust and, for client-certificate users, the client key store
 * @param tokenFile   a bearer token file, read again on every pass (bound tokens rotate); or null
 * @param staticToken a bearer token taken from a kubeconfig; or null
 * @param timeout     connect and read timeout for each request
 */
public record KubernetesConnection(URI server, TlsSettings tls, Path tokenFile, Secret staticToken, Duration timeout) {}
