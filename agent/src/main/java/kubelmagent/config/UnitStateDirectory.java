package kubelmagent.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import kubelmagent.yaml.Problems;

/**
 * The state directory systemd made for the service ({@code StateDirectory=}), which it names in
 * {@code $STATE_DIRECTORY}: {@code /var/lib/kube-lm-agent} for {@code kube-lm-agent.service},
 * {@code /var/lib/kube-lm-agent/NAME} for the instance {@code kube-lm-agent@NAME}. Under systemd,
 * {@code sync.stateDir} must be that directory: it is the one directory the unit lets the agent write,
 * and, for instances, what keeps their ownership ledgers apart (two instances sharing a ledger would
 * each take the other's Real Servers for their own). Without {@code $STATE_DIRECTORY} (a manual run,
 * or a unit of one's own without {@code StateDirectory=}) any directory is accepted.
 */
final class UnitStateDirectory {

    static final String STATE_DIRECTORY = "STATE_DIRECTORY";

    /** Not under systemd: every {@code sync.stateDir} is accepted. */
    static final UnitStateDirectory NONE = new UnitStateDirectory(Map.of());

    /** The directories of {@code $STATE_DIRECTORY}, normalized; empty if it is not set. */
    private final List<Path> directories;

    /**
     * @param environment the process environment, for {@code STATE_DIRECTORY}: one absolute path, or
     *                    several separated by {@code :} when the unit names several directories
     */
    UnitStateDirectory(Map<String, String> environment) {
        String value = environment.get(STATE_DIRECTORY);
        List<Path> paths = new ArrayList<>();
        if (value != null) {
            for (String part : value.split(":")) {
                try {
                    Path path = Path.of(part);
                    if (!part.isEmpty() && path.isAbsolute()) {
                        paths.add(path.normalize());
                    }
                } catch (InvalidPathException e) {
                    // not a path systemd would set; ignored like an unset variable
                }
            }
        }
        this.directories = List.copyOf(paths);
    }

    /** This process's environment. */
    static UnitStateDirectory ofThisProcess() {
        return new UnitStateDirectory(System.getenv());
    }

    /**
     * What is wrong with {@code stateDir} under this unit; empty if it is the unit's state directory, or
     * if there is none.
     *
     * @param given whether {@code sync.stateDir} is written in the file ({@code false}: {@code stateDir} is
     *              the default)
     */
    Optional<String> problem(Path stateDir, boolean given) {
        Path normalized = stateDir.normalize();
        if (directories.isEmpty() || directories.contains(normalized)) {
            return Optional.empty();
        }
        String mustBe = directories.size() == 1
                ? directories.get(0).toString()
                : "one of " + directories.stream().map(Path::toString).collect(Collectors.joining(", "));
        String got = given
                ? Problems.got(stateDir.toString())
                : " (got nothing, so the default " + Problems.quote(stateDir.toString()) + ")";
        return Optional.of("must be " + mustBe + ", the unit's StateDirectory" + got
                + ": each instance keeps its own ledger there, the one directory the unit lets it write");
    }
}
