package kubelmagent.e2e;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;

/**
 * The agent as systemd runs it: the shaded jar in its own JVM, {@code --config} and nothing else,
 * passes on its own schedule. Its journal lines are kept for the test to read.
 */
final class AgentProcess implements AutoCloseable {

    private static final Pattern PASS_DONE = Pattern.compile("^<\\d>\\[pass #(\\d+)] pass #\\d+ \\(timer\\) done");

    private final Process process;
    private final String label;
    private final List<String> lines = new ArrayList<>();
    private int passesDone;

    private AgentProcess(Process process, String label) {
        this.process = process;
        this.label = label;
        Thread reader = new Thread(this::read, "e2e-" + label.replace(' ', '-') + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    static AgentProcess start(Path config) throws IOException {
        return start(config, "agent");
    }

    /** Starts the agent; its lines are echoed as {@code [LABEL] line}, e.g. {@code [agent blue]}. */
    static AgentProcess start(Path config, String label) throws IOException {
        return new AgentProcess(
                new ProcessBuilder(command("--config", config.toString()))
                        .redirectErrorStream(true)
                        .start(),
                label);
    }

    /** How a command run to its end ({@link #runToEnd}) ended. */
    record Ended(int exitCode, String stdout, String stderr) {}

    /**
     * Runs the agent jar with these arguments to its end, e.g. {@code status --config FILE --output json}, as a
     * person at a terminal would; its standard output and error are kept apart.
     */
    static Ended runToEnd(Duration timeout, String... args) throws IOException, InterruptedException {
        Path stderr = Files.createTempFile("e2e-agent-", ".stderr");
        try {
            Process process = new ProcessBuilder(command(args))
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String stdout;
            try (InputStream out = process.getInputStream()) {
                stdout = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                Assertions.fail("kube-lm-agent " + String.join(" ", args) + " did not end within " + timeout.toSeconds()
                        + " s; its output: " + stdout);
            }
            return new Ended(process.exitValue(), stdout, Files.readString(stderr));
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    /** {@code java -jar kube-lm-agent.jar ARGS...}, with the JVM running the tests. */
    private static List<String> command(String... args) {
        Path jar = Path.of(System.getProperty("agent.jar", "target/kube-lm-agent.jar"))
                .toAbsolutePath();
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private void read() {
        try (BufferedReader out = process.inputReader(StandardCharsets.UTF_8)) {
            String line;
            while ((line = out.readLine()) != null) {
                System.out.println("[" + label + "] " + line);
                synchronized (this) {
                    lines.add(line);
                    Matcher done = PASS_DONE.matcher(line);
                    if (done.find()) {
                        passesDone = Integer.parseInt(done.group(1));
                    }
                    notifyAll();
                }
            }
        } catch (IOException e) {
            System.out.println("[" + label + "] output ended: " + e);
        }
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** The lines logged from now on, for a look at one phase of a test. */
    synchronized int mark() {
        return lines.size();
    }

    synchronized List<String> linesSince(int mark) {
        return List.copyOf(lines.subList(mark, lines.size()));
    }

    /** Waits until {@code count} more passes have finished. */
    synchronized void awaitPasses(int count, Duration timeout) throws InterruptedException {
        int target = passesDone + count;
        Instant deadline = Instant.now().plus(timeout);
        while (passesDone < target) {
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0 || !process.isAlive()) {
                Assertions.fail("the agent finished " + passesDone + " passes, not " + target + " (alive: "
                        + process.isAlive() + "); its last lines: " + tail());
            }
            wait(Math.min(left, 500));
        }
    }

    /** The number of the last pass the agent said it finished (its "pass #N (timer) done" line); 0 before. */
    synchronized int passesDone() {
        return passesDone;
    }

    /** Waits until the condition holds, checking it after each line the agent logs and every 200 ms. */
    void await(Supplier<String> what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                Assertions.fail("timed out after " + timeout.toSeconds() + " s waiting for " + what.get()
                        + "; the agent's last lines: " + tail());
            }
            synchronized (this) {
                wait(200);
            }
        }
    }

    synchronized String tail() {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** {@code kill -9}: SIGKILL, as {@link Process#destroyForcibly()} sends on Linux; waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            Assertions.fail("the agent (" + label + ") did not end on SIGKILL");
        }
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with {@code kill -SIG PID}. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.waitFor() != 0) {
            Assertions.fail("kill -" + name + " " + process.pid() + " failed: " + out);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    int exitValue() {
        return process.exitValue();
    }
}
