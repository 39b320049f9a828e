package kubelmagent.kube;

import java.nio.file.Path;
import kubelmagent.model.Problem;
import kubelmagent.secret.Secret;
import kubelmagent.secret.SecretFile;

/**
 * The bearer token for one pass. A token file is read again every time, because projected
 * service-account tokens are rotated by the kubelet; a static token is used as it is.
 */
final class BearerToken {

    static final String SUBJECT = "Kubernetes token";

    private BearerToken() {}

    /** @return the token, or null when none is configured (client-certificate authentication) */
    static Secret current(KubernetesConnection connection) throws TokenException {
        if (connection.tokenFile() != null) {
            return read(connection.tokenFile());
        }
        Secret token = connection.staticToken();
        return token == null || token.isEmpty() ? null : token;
    }

    private static Secret read(Path file) throws TokenException {
        try {
            return SecretFile.read(file, "token", SecretFile.Form.TOKEN);
        } catch (SecretFile.UnusableException e) {
            throw new TokenException(file, e.reason());
        }
    }

    /** The token file could not be used; {@link #problem()} says why without showing its content. */
    static final class TokenException extends Exception {

        private static final long serialVersionUID = 1L;

        TokenException(Path file, String what) {
            super("Kubernetes token file " + file + " " + what + "; write a service-account token into it"
                    + " (kubectl create token <service-account> -n <namespace>) or fix tokenFile in the configuration");
        }

        Problem problem() {
            return new Problem(SUBJECT, getMessage());
        }
    }
}
