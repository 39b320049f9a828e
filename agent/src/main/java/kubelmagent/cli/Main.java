package kubelmagent.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

import org.quartz.SchedulerException;

import kubelmagent.config.AgentConfig;
import kubelmagent.config.ConfigException;
import kubelmagent.config.ConfigLoader;
import kubelmagent.http.Version;
import kubelmagent.log.JournalLogManager;
import kubelmagent.log.JournalLogging;
import kubelmagent.log.Log;
import kubelmagent.sync.AgentScheduler;
import kubelmagent.sync.PassResult;
import kubelmagent.sync.Reconciler;
import kubelmagent.sync.Trigger;

/** Entry point: parses the command line, loads the configuration, wires the parts, and runs. */
public final class Main {

    /** Exit codes, after sysexits.h where one fits. */
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 64;
    static final int CONFIG = 78;

    static {
        // Before the first logger exists (the field below): keep log lines flowing during shutdown.
        System.setProperty("java.util.logging.manager", JournalLogManager.class.getName());
    }

    private static final Log LOG = Log.get(Main.class);

    private Main() {}

    public static void main(String[] args) {
        // UTF-8 whatever the locale: under systemd the locale is often POSIX, which would turn every
        // non-ASCII character of a message (a Service name, a dash) into '?'.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        int code = run(Arrays.asList(args), out);
        if (code != OK) {
            System.exit(code);
        }
    }

    static int run(java.util.List<String> argv, PrintStream out) {
        Arguments args;
        try {
            args = Arguments.parse(argv);
        } catch (IllegalArgumentException e) {
            out.print("kube-lm-agent: " + e.getMessage() + "\n\n" + Arguments.USAGE);
            out.flush();
            return USAGE;
        }
        if (args.help()) {
            out.print(Arguments.USAGE);
            return OK;
        }
        if (args.version()) {
            out.println("kube-lm-agent " + Version.current());
            return OK;
        }
        JournalLogging.install(out, args.debug());
        if (args.demo()) {
            return Demo.run(args.once(), args.dryRun());
        }
        AgentConfig config;
        try {
            config = ConfigLoader.load(args.config());
        } catch (ConfigException e) {
            LOG.err(args.config() + ": the configuration has " + e.problems().size() + " problem(s); fix them and"
                    + " run kube-lm-agent --config " + args.config() + " --check-config");
            for (String problem : e.problems()) {
                LOG.err(args.config() + ": " + problem);
            }
            return CONFIG;
        }
        if (args.checkConfig()) {
            LOG.info(args.config() + ": configuration is valid: " + Describe.config(config));
            return OK;
        }
        return runAgent(args.config(), config, args.once(), args.dryRun());
    }

    private static int runAgent(Path file, AgentConfig config, boolean once, boolean dryRun) {
        LOG.info("kube-lm-agent " + Version.current() + " starting with " + file
                + (dryRun ? " (dry run: nothing is changed)" : "")
                + ": " + Describe.config(config));
        Describe.warnAboutInsecureSettings(config);
        Agent agent;
        try {
            agent = Agent.open(config, dryRun);
        } catch (IOException e) {
            LOG.err("cannot use the state directory: " + e.getMessage());
            return FAILED;
        }
        try (agent) {
            if (once) {
                PassResult result = agent.reconciler.runOnce(Trigger.ONCE);
                return result.converged() ? OK : FAILED;
            }
            return runScheduled(agent.reconciler, config);
        } catch (IOException e) {
            LOG.err("shutting down: " + e.getMessage());
            return FAILED;
        }
    }

    private static int runScheduled(Reconciler reconciler, AgentConfig config) {
        AgentScheduler scheduler;
        try {
            scheduler = AgentScheduler.start(reconciler, config.schedule());
        } catch (SchedulerException e) {
            LOG.err("cannot start the schedule (" + config.schedule().describe() + "): " + e.getMessage());
            return FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping: waiting for a running pass to finish");
            try {
                scheduler.close();
            } catch (SchedulerException e) {
                LOG.warning("the schedule did not stop cleanly: " + e.getMessage());
            }
            LOG.info("stopped");
            stopped.countDown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }
}
