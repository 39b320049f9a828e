package kubelmagent.simulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories of the local stand-ins and the demo (certificates, state, agent.yaml). */
public final class ScratchDirectory {

    private ScratchDirectory() {}

    /** Deletes {@code dir} and everything below it, as far as it can; null is ignored. */
    public static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a temporary directory
                }
            });
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
