package kubelmagent.loadmaster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads the fixtures under {@code src/test/resources/loadmaster/} as bytes. */
final class Fixtures {

    private Fixtures() {}

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/loadmaster/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
