package kubelmagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import kubelmagent.secret.SecretFile;

/**
 * Where the credential files named in {@code agent.yaml} are, and whether other users can read them.
 *
 * <p>Under systemd, {@code LoadCredential=token:/etc/kube-lm-agent/token} hands the service a copy of
 * the file in the directory named by {@code $CREDENTIALS_DIRECTORY}; there, a credential key whose value
 * is a bare file name ({@code tokenFile: token}) names that copy.
 */
final class CredentialFiles {

    static final String CREDENTIALS_DIRECTORY = "CREDENTIALS_DIRECTORY";

    private final Path credentialsDirectory;
    private final Integer agentGroup;

    /**
     * @param environment the process environment, for {@code CREDENTIALS_DIRECTORY}
     * @param agentGroup  the numeric id of the agent process's group; null if unknown (then only
     *                    world-readable files are reported)
     */
    CredentialFiles(Map<String, String> environment, Integer agentGroup) {
        String directory = environment.get(CREDENTIALS_DIRECTORY);
        this.credentialsDirectory = directory == null || directory.isBlank() ? null : Path.of(directory);
        this.agentGroup = agentGroup;
    }

    /** This process's environment and group. */
    static CredentialFiles ofThisProcess() {
        return new CredentialFiles(System.getenv(), groupOfThisProcess());
    }

    /** The file a bare file name stands for in {@code $CREDENTIALS_DIRECTORY}; empty if not set or not a bare name. */
    Optional<Path> inCredentialsDirectory(String value) {
        if (credentialsDirectory == null || value.isEmpty() || value.contains("/")) {
            return Optional.empty();
        }
        return Optional.of(credentialsDirectory.resolve(value));
    }

    /** What to tell an operator whose bare credential file name is not in {@code $CREDENTIALS_DIRECTORY}. */
    static String notInCredentialsDirectory(String value) {
        return "; a bare file name is looked up in $" + CREDENTIALS_DIRECTORY + " (systemd's LoadCredential=):"
                + " add LoadCredential=" + value + ":/etc/kube-lm-agent/" + value + " to the unit, or write ./"
                + value + " for the file next to agent.yaml";
    }

    /**
     * Why {@code file}'s permissions let other users read {@code what} (e.g. "the token"): it is readable
     * by everyone, or by a group other than the agent's, as {@link SecretFile#exposure} judges it.
     */
    Optional<String> exposure(Path file, String what) {
        return SecretFile.exposure(file, what, agentGroup);
    }

    /** The group of this process, as the owner of {@code /proc/self}; null where there is no such file. */
    private static Integer groupOfThisProcess() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }
}
