package kubelmagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
     * by everyone, or by a group other than the agent's. Empty when it is not, or when the file system
     * has no POSIX permissions.
     */
    Optional<String> exposure(Path file, String what) {
        PosixFileAttributes attributes;
        Integer fileGroup;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class);
            fileGroup = (Integer) Files.getAttribute(file, "unix:gid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
        Set<PosixFilePermission> permissions = attributes.permissions();
        String mode = mode(permissions);
        if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
            return Optional.of(file + " has mode " + mode + ", which lets every user on this host read " + what
                    + "; run: chmod 0600 " + file);
        }
        if (permissions.contains(PosixFilePermission.GROUP_READ) && agentGroup != null && !agentGroup.equals(fileGroup)) {
            String group = attributes.group().getName();
            return Optional.of(file + " has mode " + mode + " and group " + group + ", which lets the members of "
                    + group + " read " + what + "; run: chmod 0600 " + file);
        }
        return Optional.empty();
    }

    /** {@code 0644}: the permission bits in octal. */
    private static String mode(Set<PosixFilePermission> permissions) {
        int bits = 0;
        for (PosixFilePermission permission : permissions) {
            bits |= 1 << (8 - permission.ordinal());
        }
        return String.format("0%03o", bits);
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
