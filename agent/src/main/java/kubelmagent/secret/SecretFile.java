package kubelmagent.secret;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import kubelmagent.log.Text;

/**
 * The one reader of a file that holds one secret (a Kubernetes token, a LoadMaster API key or
 * password), used when the configuration is loaded and whenever a file is read again (a rotated
 * token, a key changed after a 401). One set of rules, in this order:
 *
 * <ol>
 * <li>the file must exist, be readable by the agent's user and be a regular file (a FIFO or a device
 *     would block or never end);</li>
 * <li>it must hold at most {@link #MAX_BYTES}, checked before and while reading, so a path pointing at
 *     the wrong, large file is refused without being read;</li>
 * <li>surrounding whitespace, such as the trailing newline of {@code echo}, is dropped;</li>
 * <li>what is left must not be empty;</li>
 * <li>it must be one line, or for a {@link Form#TOKEN} one word of printable ASCII.</li>
 * </ol>
 *
 * <p>Permissions that let other users read the file are not refused (an operator may have reasons),
 * but {@link #exposure} says so, for a warning. No message ever contains the file's content.
 */
public final class SecretFile {

    /** Far more than any JWT, API key or password; guards against a path that points at something else. */
    public static final int MAX_BYTES = 64 * 1024;

    /** What the content must look like. */
    public enum Form {
        /** One line: API keys and passwords, which may hold spaces and non-ASCII letters. */
        LINE,
        /** One word of printable ASCII: a bearer token, which goes into an HTTP header as it is. */
        TOKEN
    }

    private SecretFile() {}

    /**
     * @param what what the file holds, for messages: {@code token}, {@code API key} or {@code password}
     * @throws UnusableException saying what is wrong with the file, never what it holds
     */
    public static Secret read(Path file, String what, Form form) throws UnusableException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        if (attributes.isDirectory()) {
            throw new UnusableException("cannot read " + file + ": Is a directory", "is a directory, not a file");
        }
        if (!attributes.isRegularFile()) {
            throw new UnusableException("cannot read " + file + ": not a regular file", "is not a regular file");
        }
        byte[] bytes;
        if (attributes.size() > MAX_BYTES) {
            throw tooLarge(file, what);
        }
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        if (bytes.length > MAX_BYTES) {
            throw tooLarge(file, what); // it grew since its size was looked at
        }
        Secret secret = Secret.of(new String(bytes, StandardCharsets.UTF_8));
        if (secret.isEmpty()) {
            throw new UnusableException(file + " is empty", "is empty");
        }
        String value = secret.reveal();
        if (form == Form.TOKEN && !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            String reason = "holds more than one token: it has spaces, line breaks or non-ASCII characters inside";
            throw new UnusableException(file + " " + reason, reason);
        }
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            String reason = "has more than one line; it must hold only the " + what;
            throw new UnusableException(file + " " + reason, reason);
        }
        return secret;
    }

    private static UnusableException unreadable(Path file, IOException e) {
        String reason;
        if (e instanceof NoSuchFileException) {
            reason = "does not exist";
        } else if (e instanceof AccessDeniedException) {
            reason = "cannot be read by the agent's user (permission denied)";
        } else {
            reason = "cannot be read (" + Text.ioReason(e) + ")";
        }
        return new UnusableException("cannot read " + file + ": " + Text.ioReason(e), reason);
    }

    private static UnusableException tooLarge(Path file, String what) {
        return new UnusableException(
                file + " is larger than " + (MAX_BYTES >> 10) + " KiB; is it the right file?",
                "is larger than " + MAX_BYTES + " bytes, so it does not hold only the " + what);
    }

    /**
     * Why {@code file}'s permissions let other users read {@code what} (e.g. "the token"): it is readable
     * by everyone, or by a group other than the agent's. Empty when it is not, or when the file system
     * has no POSIX permissions.
     *
     * @param agentGroup the numeric id of the agent process's group; null if unknown (then only
     *                   world-readable files are reported)
     */
    public static Optional<String> exposure(Path file, String what, Integer agentGroup) {
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
        if (permissions.contains(PosixFilePermission.GROUP_READ)
                && agentGroup != null
                && !agentGroup.equals(fileGroup)) {
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

    /**
     * The file cannot be used. It says what is wrong in two forms that differ only in words, because
     * the configuration's problems and the messages of a file read again were written (and are pinned
     * by tests) differently: {@link #getMessage()} is a sentence that names the file
     * ({@code cannot read /etc/x: No such file or directory}, {@code /etc/x is empty}) and
     * {@link #reason()} follows a caller's own {@code "the API key file /etc/x "} ({@code does not exist}).
     * Neither holds the file's content.
     */
    public static final class UnusableException extends Exception {

        private static final long serialVersionUID = 1L;

        private final String reason;

        UnusableException(String sentence, String reason) {
            super(sentence);
            this.reason = reason;
        }

        /** What is wrong, to follow the file's name: {@code does not exist}, {@code is empty}. */
        public String reason() {
            return reason;
        }
    }
}
