package kubelmagent.simulator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import kubelmagent.log.JournalLogging;
import kubelmagent.log.Log;
import kubelmagent.log.LogFormat;
import kubelmagent.log.Text;
import kubelmagent.secret.Secret;

/**
 * The simulator as a program:
 *
 * <pre>
 * java -cp kube-lm-agent.jar kubelmagent.simulator.LoadMasterSimulator [options]
 * </pre>
 *
 * with the options {@link #USAGE_TEXT} lists ({@code --help} prints it).
 *
 * When ready it prints one line to standard output,
 * {@code LoadMaster simulator ready: url=https://127.0.0.1:8443 caFile=/path/server.crt} ({@code caFile=-}
 * for HTTP), then runs until SIGTERM or SIGINT, and writes the state file on the way out. Log lines go to
 * standard error. Exit status: 0 after a signal (and for {@code --help}), 1 if it cannot start, 64 for wrong
 * options (with the usage).
 */
public final class SimulatorCli {

    static final int OK = 0;
    static final int FAILED = 1;
    /** sysexits.h EX_USAGE, as the agent uses. */
    static final int USAGE = 64;

    static final String USAGE_TEXT = String.join(
            "\n",
            "usage: java -cp kube-lm-agent.jar kubelmagent.simulator.LoadMasterSimulator [options]",
            "",
            "A LoadMaster simulator (APIv1 /access/<cmd>, APIv2 /accessv2) for trying the agent without an",
            "appliance. When it listens it prints 'LoadMaster simulator ready: url=... caFile=...' and runs",
            "until SIGTERM or SIGINT.",
            "",
            "  --port N              port to listen on (default 8443; 0 picks a free one)",
            "  --bind ADDR           address to listen on (default 127.0.0.1)",
            "  --http                plain HTTP instead of HTTPS",
            "  --state FILE          load the state from FILE if it exists; write it there on exit",
            "  --nonlocalrs on|off   start with \"Enable Non-Local Real Servers\" on or off, whatever the",
            "                        state file says (default: the state file's, else off as on a new",
            "                        appliance); pods outside the /24 of their VS need it on",
            "  --apikey-file F       require the API key in F",
            "  --user U              require HTTP Basic (or APIv2 apiuser/apipass) user U ...",
            "  --password-file F     ... with the password in F",
            "  --ca-out FILE         copy the self-signed certificate (PEM) to FILE, for the agent's caFile",
            "  --work-dir DIR        where to make the certificate (default: a temporary directory)",
            "  --debug               log every request",
            "  --log-format F        journal (<N> priority prefixes) or text (time and level word);",
            "                        default: text on a terminal outside systemd, else journal",
            "  --help                print this and exit",
            "",
            "Exit status: 0 after a signal, 1 if it cannot start, 64 for wrong options.",
            "");

    private SimulatorCli() {}

    /** Parsed command line; {@code logFormat} null: guess; {@code help}: print the usage and exit. */
    record Arguments(
            LoadMasterSimulator.Options options, Path caOut, boolean debug, LogFormat logFormat, boolean help) {}

    /** Thrown for a wrong command line; the message says what is wrong. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** Starts the simulator and waits for a signal; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Arguments arguments;
        try {
            arguments = parse(args);
        } catch (UsageException e) {
            err.println("LoadMasterSimulator: " + e.getMessage());
            err.println();
            err.print(USAGE_TEXT);
            err.flush();
            return USAGE;
        }
        if (arguments.help()) {
            out.print(USAGE_TEXT);
            out.flush();
            return OK;
        }
        boolean terminal = LogFormat.onTerminal();
        LogFormat format =
                arguments.logFormat() != null ? arguments.logFormat() : LogFormat.guess(terminal, System.getenv());
        JournalLogging.install(err, arguments.debug(), format.formatter(LogFormat.colour(terminal, System.getenv())));
        Log log = Log.get(SimulatorCli.class);
        LoadMasterSimulator simulator;
        try {
            simulator = LoadMasterSimulator.start(arguments.options());
        } catch (IOException | RuntimeException e) {
            log.err("LoadMaster simulator cannot start: " + e.getMessage());
            return FAILED;
        }
        Path ca = simulator.caFile();
        if (ca != null && arguments.caOut() != null) {
            try {
                Path target = arguments.caOut().toAbsolutePath();
                Files.createDirectories(target.getParent());
                Files.copy(ca, target, StandardCopyOption.REPLACE_EXISTING);
                ca = target;
            } catch (IOException e) {
                log.err("LoadMaster simulator cannot write " + arguments.caOut() + ": " + Text.ioReason(e));
                simulator.close();
                return FAILED;
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            simulator.close();
                            stopped.countDown();
                        },
                        "lm-simulator-shutdown"));
        out.println("LoadMaster simulator ready: url=" + simulator.url() + " caFile=" + (ca == null ? "-" : ca));
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    static Arguments parse(String[] args) throws UsageException {
        LoadMasterSimulator.Options options =
                LoadMasterSimulator.Options.defaults().port(8443);
        Path caOut = null;
        boolean debug = false;
        String user = null;
        Path passwordFile = null;
        LogFormat logFormat = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    return new Arguments(options, null, false, null, true);
                }
                case "--log-format" -> {
                    try {
                        logFormat = LogFormat.parse(value(args, ++i, a));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--http" -> options.https(false);
                case "--debug" -> debug = true;
                case "--port" -> {
                    String v = value(args, ++i, a);
                    try {
                        options.port(Integer.parseInt(v));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--port needs a number 0..65535 (got " + Text.quote(v, 20) + ")");
                    }
                }
                case "--bind" -> options.bindAddress(value(args, ++i, a));
                case "--state" -> options.stateFile(Path.of(value(args, ++i, a)));
                case "--nonlocalrs" -> {
                    String v = value(args, ++i, a);
                    Boolean on = Values.flag(v);
                    if (on == null) {
                        throw new UsageException("--nonlocalrs needs on or off (got " + Text.quote(v, 20) + ")");
                    }
                    options.nonLocalRs(on);
                }
                case "--apikey-file" -> options.apiKey(secret(Path.of(value(args, ++i, a))));
                case "--user" -> user = value(args, ++i, a);
                case "--password-file" -> passwordFile = Path.of(value(args, ++i, a));
                case "--ca-out" -> caOut = Path.of(value(args, ++i, a));
                case "--work-dir" -> options.workDir(Path.of(value(args, ++i, a)));
                default -> throw new UsageException("unknown option " + Text.quote(a, 40));
            }
        }
        if ((user == null) != (passwordFile == null)) {
            throw new UsageException("--user and --password-file go together");
        }
        if (user != null) {
            options.credentials(user, secret(passwordFile));
        }
        return new Arguments(options, caOut, debug, logFormat, false);
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static String secret(Path file) throws UsageException {
        try {
            Secret s = Secret.of(Files.readString(file, StandardCharsets.UTF_8));
            if (s.isEmpty()) {
                throw new UsageException(file + " is empty");
            }
            return s.reveal();
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + Text.ioReason(e));
        }
    }
}
