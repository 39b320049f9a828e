package kubelmagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import kubelmagent.log.Text;
import kubelmagent.secret.Secret;
import kubelmagent.secret.SecretFile;
import kubelmagent.tls.Pem;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/**
 * The files {@code agent.yaml} names, read while it is loaded: relative paths are taken relative to
 * its directory, every file is read with a size limit, and credentials are looked up in one place
 * ({@link #credential}). Problems go to the section that names the file; credential files that other
 * users can read are collected as {@link #warnings()}.
 */
final class ConfigFiles {

    static final String FILE_PATH = "must be a file path";

    private static final int MAX_FILE_BYTES = 4 << 20;

    private final Path baseDir;
    private final CredentialFiles credentials;
    private final List<String> warnings = new ArrayList<>();

    ConfigFiles(Path baseDir, CredentialFiles credentials) {
        this.baseDir = baseDir.toAbsolutePath().normalize();
        this.credentials = credentials;
    }

    /** What is risky but allowed, each naming the key: credential files other users can read. */
    List<String> warnings() {
        return warnings;
    }

    record FileContent(Path path, byte[] bytes) {}

    /** A credential and the file it came from. */
    record Credential(Path path, Secret secret) {}

    /** A file given under {@code key}, read whole; null if absent or unreadable (a problem is reported). */
    FileContent read(YamlSection s, String key) {
        String text = s.scalar(key, FILE_PATH);
        if (text == null) {
            return null;
        }
        Path path = resolve(s, key, text);
        if (path == null) {
            return null;
        }
        try {
            return new FileContent(path, readBytes(path, MAX_FILE_BYTES));
        } catch (FileProblem e) {
            s.problem(key, e.getMessage());
            return null;
        }
    }

    /**
     * A credential file, read by {@link SecretFile}: one non-empty line. A bare file name is looked up in
     * {@code $CREDENTIALS_DIRECTORY} when systemd set it. Its content never goes into a problem; its
     * permissions are checked (a warning if other users can read it). Null if absent or unusable (a
     * problem is reported).
     */
    Credential credential(YamlSection s, String key, String what) {
        String text = s.scalar(key, FILE_PATH);
        if (text == null) {
            return null;
        }
        Optional<Path> credential = credentials.inCredentialsDirectory(text);
        Path path = credential.isPresent() ? credential.get() : resolve(s, key, text);
        if (path == null) {
            return null;
        }
        Secret secret;
        try {
            secret = SecretFile.read(path, what, SecretFile.Form.LINE);
        } catch (SecretFile.UnusableException e) {
            s.problem(
                    key,
                    e.getMessage()
                            + (credential.isPresent() && Files.notExists(path)
                                    ? CredentialFiles.notInCredentialsDirectory(text)
                                    : ""));
            return null;
        }
        warnIfExposed(s, key, path, "the " + what);
        return new Credential(path, secret);
    }

    /** A warning, under {@code key}, if other users can read the credential {@code what} in {@code file}. */
    void warnIfExposed(YamlSection s, String key, Path file, String what) {
        credentials.exposure(file, what).ifPresent(exposure -> warnings.add(s.path(key) + ": " + exposure));
    }

    /** The certificates of the PEM bundle under {@code caFile}; null if absent or invalid. */
    List<X509Certificate> caFile(YamlSection s) {
        FileContent file = read(s, "caFile");
        if (file == null) {
            return null;
        }
        if (file.bytes().length == 0) {
            s.problem("caFile", file.path() + " is empty");
            return null;
        }
        try {
            return Pem.readCertificates(file.path());
        } catch (IOException e) {
            s.problem("caFile", e.getMessage());
            return null;
        }
    }

    private Path resolve(YamlSection s, String key, String text) {
        if (text.startsWith("~")) {
            s.problem(
                    key,
                    "must be an absolute path or one relative to this file's directory; ~ is not expanded"
                            + Problems.got(text));
            return null;
        }
        try {
            if (!text.isEmpty()) {
                return baseDir.resolve(Path.of(text)).normalize();
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        s.problem(key, FILE_PATH + Problems.got(text));
        return null;
    }

    /** Why a file named in the configuration cannot be used; the message names the file. */
    static final class FileProblem extends Exception {
        private static final long serialVersionUID = 1L;

        FileProblem(String message) {
            super(message);
        }
    }

    /** A regular file of at most {@code maxBytes}, read whole. */
    static byte[] readBytes(Path file, int maxBytes) throws FileProblem {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new FileProblem("cannot read " + file + ": " + Text.ioReason(e));
        }
        if (attributes.isDirectory()) {
            throw new FileProblem("cannot read " + file + ": Is a directory");
        }
        if (!attributes.isRegularFile()) {
            throw new FileProblem("cannot read " + file + ": not a regular file");
        }
        if (attributes.size() > maxBytes) {
            throw new FileProblem(file + " is larger than " + (maxBytes >> 10) + " KiB; is it the right file?");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FileProblem("cannot read " + file + ": " + Text.ioReason(e));
        }
    }
}
