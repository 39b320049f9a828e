package kubelmagent.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of the agent as its own JVM ({@code kubelmagent.cli.Main --config FILE ...}), on the test
 * classpath, with its stdout and stderr drained into {@link #lines()} by a daemon thread.
 */
final class AgentProcess {

    /** The counts of a pass summary line, as {@code sync.Reconciler#report} writes it. */
    record PassSummary(int applied, int failed) {

        boolean changedNothing() {
            return applied == 0 && failed == 0;
        }
    }

    private static final Pattern SUMMARY = Pattern.compile(
            "pass #\\d+ \\(once\\) done in \\d+ ms(?: \\(apply \\d+ ms\\))?: .*?(\\d+) change\\(s\\) applied,"
                    + " (\\d+) failed");

    private final Process process;
    private final Thread drain;
    private final List<String> lines = new ArrayList<>();

    private AgentProcess(Process process) {
        this.process = process;
        this.drain = new Thread(this::drainOutput, "agent-output-" + process.pid());
        this.drain.setDaemon(true);
        this.drain.start();
    }

    /** Starts {@code java JVM-OPTIONS -cp <test classpath> kubelmagent.cli.Main --config FILE AGENT-ARGS}. */
    static AgentProcess start(Path config, List<String> jvmOptions, String... agentArgs) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath(), Main.class.getName(), "--config", config.toString()));
        command.addAll(List.of(agentArgs));
        try {
            return new AgentProcess(
                    new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /**
     * This JVM's class path: the test classpath under Surefire and Failsafe; under {@code exec:java}, which runs
     * benchmarks inside Maven's own JVM, only the class loader knows the project's.
     */
    private static String classPath() {
        if (AgentProcess.class.getClassLoader() instanceof URLClassLoader loader) {
            List<String> entries = new ArrayList<>();
            for (URL url : loader.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }
            return String.join(File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }

    private void drainOutput() {
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // The process was killed while we read; what was read is kept.
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGTERM, as systemd stops the service; waits for the process to end. */
    int stop(int seconds) throws InterruptedException {
        process.destroy();
        return awaitExit(seconds);
    }

    /** SIGKILL, as {@code kill -9}: no shutdown hook runs, nothing is flushed or closed. */
    void kill() {
        process.destroyForcibly();
    }

    /**
     * Waits for the process to end and its output to be read; answers its exit status.
     *
     * @throws IllegalStateException if it does not end within {@code seconds} (it is killed then)
     */
    int awaitExit(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the agent did not end within " + seconds + " s; its output: " + lines());
        }
        drain.join(TimeUnit.SECONDS.toMillis(seconds));
        return process.exitValue();
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The pass summary, if the run got as far as printing it. */
    Optional<PassSummary> summary() {
        return summary(lines());
    }

    /** The pass summary among the agent's output {@code lines}, if there is one. */
    static Optional<PassSummary> summary(List<String> lines) {
        for (String line : lines) {
            Matcher m = SUMMARY.matcher(line);
            if (m.find()) {
                return Optional.of(new PassSummary(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
            }
        }
        return Optional.empty();
    }
}
