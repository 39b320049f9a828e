package kubelmagent.kube;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import kubelmagent.model.Problem;
import kubelmagent.secret.Secret;

/**
 * The bearer token for one pass. A token file is read again every time, because projected
 * service-account tokens are rotated by the kubelet; a static token is used as it is.
 */
final class BearerToken {

    static final String SUBJECT = "Kubernetes token";

    /** Far more than any JWT; guards against a tokenFile pointing at something that is not one. */
    private static final int MAX_BYTES = 64 * 1024;

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
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new TokenException(file, "does not exist");
        } catch (AccessDeniedException e) {
            throw new TokenException(file, "cannot be read by the agent's user (permission denied)");
        } catch (IOException e) {
            throw new TokenException(file, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length > MAX_BYTES) {
            throw new TokenException(file, "is larger than " + MAX_BYTES + " bytes, so it is not a token");
        }
        Secret token = Secret.of(new String(bytes, StandardCharsets.UTF_8));
        if (token.isEmpty()) {
            throw new TokenException(file, "is empty");
        }
        if (!token.reveal().chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new TokenException(file, "holds more than one token: it has spaces, line breaks or non-ASCII"
                    + " characters inside");
        }
        return token;
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
