package kubelmagent.secret;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;
import kubelmagent.secret.SecretFile.Form;
import kubelmagent.secret.SecretFile.UnusableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The rules of the one reader of secret files, tested once; its callers only word the result. */
class SecretFileTest {

    private static final String SECRET = "s3cr3t-value";

    @TempDir
    Path dir;

    @Test
    void dropsTheTrailingNewlineAndSurroundingWhitespace() throws Exception {
        Path file = Files.writeString(dir.resolve("key"), "  " + SECRET + "\r\n");
        assertEquals(SECRET, SecretFile.read(file, "API key", Form.LINE).reveal());
        assertEquals(SECRET, SecretFile.read(file, "token", Form.TOKEN).reveal());
    }

    @Test
    void keepsSpacesAndNonAsciiLettersInsideALine() throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "p@ss w\u00f6rd\n");
        assertEquals(
                "p@ss w\u00f6rd", SecretFile.read(file, "password", Form.LINE).reveal());
    }

    @Test
    void acceptsAFileOfExactlyTheLargestSize() throws Exception {
        Path file = Files.writeString(dir.resolve("key"), "x".repeat(SecretFile.MAX_BYTES));
        assertEquals(
                SecretFile.MAX_BYTES,
                SecretFile.read(file, "API key", Form.LINE).reveal().length());
    }

    static Stream<Arguments> unusableContents() {
        return Stream.of(
                Arguments.of("", Form.LINE, "{file} is empty", "is empty"),
                Arguments.of(" \n\t\n", Form.TOKEN, "{file} is empty", "is empty"),
                Arguments.of(
                        SECRET + "\n" + SECRET + "\n",
                        Form.LINE,
                        "{file} has more than one line; it must hold only the API key",
                        "has more than one line; it must hold only the API key"),
                Arguments.of(
                        SECRET + "\rsecond",
                        Form.LINE,
                        "{file} has more than one line; it must hold only the API key",
                        "has more than one line; it must hold only the API key"),
                Arguments.of(
                        SECRET + "\n" + SECRET,
                        Form.TOKEN,
                        "{file} holds more than one token: it has spaces, line breaks or non-ASCII characters inside",
                        "holds more than one token: it has spaces, line breaks or non-ASCII characters inside"),
                Arguments.of(
                        SECRET + " " + SECRET,
                        Form.TOKEN,
                        "{file} holds more than one token: it has spaces, line breaks or non-ASCII characters inside",
                        "holds more than one token: it has spaces, line breaks or non-ASCII characters inside"),
                Arguments.of(
                        SECRET + "\u00e9",
                        Form.TOKEN,
                        "{file} holds more than one token: it has spaces, line breaks or non-ASCII characters inside",
                        "holds more than one token: it has spaces, line breaks or non-ASCII characters inside"),
                Arguments.of(
                        "x".repeat(SecretFile.MAX_BYTES + 1),
                        Form.LINE,
                        "{file} is larger than 64 KiB; is it the right file?",
                        "is larger than 65536 bytes, so it does not hold only the API key"));
    }

    @ParameterizedTest(name = "{1}: {3}")
    @MethodSource("unusableContents")
    void refusesAFileThatDoesNotHoldOneSecretInEitherWording(String content, Form form, String sentence, String reason)
            throws Exception {
        Path file = Files.writeString(dir.resolve("key"), content);
        UnusableException e = assertThrows(UnusableException.class, () -> SecretFile.read(file, "API key", form));
        assertEquals(sentence.replace("{file}", file.toString()), e.getMessage());
        assertEquals(reason, e.reason());
        assertFalse(e.getMessage().contains(SECRET), "the content is never shown");
        assertFalse(e.reason().contains(SECRET), "the content is never shown");
    }

    @Test
    void saysAFileThatIsNotThereDoesNotExist() {
        Path missing = dir.resolve("missing");
        UnusableException e =
                assertThrows(UnusableException.class, () -> SecretFile.read(missing, "token", Form.TOKEN));
        assertEquals("cannot read " + missing + ": No such file or directory", e.getMessage());
        assertEquals("does not exist", e.reason());
    }

    @Test
    void refusesADirectory() {
        UnusableException e = assertThrows(UnusableException.class, () -> SecretFile.read(dir, "token", Form.TOKEN));
        assertEquals("cannot read " + dir + ": Is a directory", e.getMessage());
        assertEquals("is a directory, not a file", e.reason());
    }

    @Test
    void refusesSomethingThatIsNotARegularFileWithoutReadingIt() {
        Path device = Path.of("/dev/zero");
        UnusableException e = assertThrows(UnusableException.class, () -> SecretFile.read(device, "token", Form.TOKEN));
        assertEquals("cannot read /dev/zero: not a regular file", e.getMessage());
        assertEquals("is not a regular file", e.reason());
    }

    @Test
    void saysWhenTheAgentsUserMayNotReadTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("key"), SECRET);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("-w-------"));
        if (Files.isReadable(file)) {
            return; // running as root, which reads anything
        }
        UnusableException e = assertThrows(UnusableException.class, () -> SecretFile.read(file, "API key", Form.LINE));
        assertEquals("cannot read " + file + ": Permission denied", e.getMessage());
        assertEquals("cannot be read by the agent's user (permission denied)", e.reason());
    }

    @Test
    void saysWhoElseCanReadTheFileAndHowToStopIt() throws IOException {
        Path file = Files.writeString(dir.resolve("key"), SECRET);
        int group = (Integer) Files.getAttribute(file, "unix:gid");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Optional<String> everyone = SecretFile.exposure(file, "the API key", group);
        assertEquals(
                Optional.of(file + " has mode 0644, which lets every user on this host read the API key;"
                        + " run: chmod 0600 " + file),
                everyone);

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(Optional.empty(), SecretFile.exposure(file, "the API key", group), "the agent's own group");
        assertEquals(Optional.empty(), SecretFile.exposure(file, "the API key", null), "the agent's group unknown");
        Optional<String> otherGroup = SecretFile.exposure(file, "the API key", group + 1);
        assertTrue(otherGroup.orElseThrow().contains(" has mode 0640 and group "), otherGroup::toString);
        assertFalse(otherGroup.orElseThrow().contains(SECRET), otherGroup::toString);

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals(Optional.empty(), SecretFile.exposure(file, "the API key", group + 1));
    }
}
