package kubelmagent.loadmaster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import kubelmagent.secret.Secret;

/**
 * Reads a LoadMaster credential file (the API key or the password) again, as the configuration
 * loader reads it at start: one non-empty line, surrounding whitespace ignored. Its content never
 * appears in a message.
 */
final class CredentialFile {

    /** Far more than any API key or password; guards against a path that points at something else. */
    static final int MAX_BYTES = 64 * 1024;

    private CredentialFile() {}

    /**
     * @param what what the file holds, for messages: {@code API key} or {@code password}
     * @throws UnusableException saying why the file cannot be used, e.g. {@code does not exist}
     */
    static Secret read(Path file, String what) throws UnusableException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new UnusableException("does not exist");
        } catch (AccessDeniedException e) {
            throw new UnusableException("cannot be read by the agent's user (permission denied)");
        } catch (IOException e) {
            throw new UnusableException("cannot be read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + LoadMasterXml.oneLine(e.getMessage())) + ")");
        }
        if (bytes.length > MAX_BYTES) {
            throw new UnusableException("is larger than " + MAX_BYTES + " bytes, so it does not hold only the " + what);
        }
        Secret secret = Secret.of(new String(bytes, StandardCharsets.UTF_8));
        if (secret.isEmpty()) {
            throw new UnusableException("is empty");
        }
        if (secret.reveal().indexOf('\n') >= 0 || secret.reveal().indexOf('\r') >= 0) {
            throw new UnusableException("has more than one line; it must hold only the " + what);
        }
        return secret;
    }

    /** The file cannot be used; the message is the reason, without the file's content. */
    static final class UnusableException extends Exception {

        private static final long serialVersionUID = 1L;

        UnusableException(String reason) {
            super(reason);
        }
    }
}
