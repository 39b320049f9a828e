package kubelmagent.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import kubelmagent.config.AgentConfig;
import kubelmagent.config.ConfigException;
import kubelmagent.config.ConfigLoader;
import kubelmagent.config.InstanceFiles;
import kubelmagent.log.JournalLogManager;
import kubelmagent.log.JournalLogging;
import kubelmagent.log.Log;
import kubelmagent.log.LogFormat;
import kubelmagent.metrics.MetricsServer;
import kubelmagent.model.Ledger;
import kubelmagent.model.PassResult;
import kubelmagent.ownership.FileOwnershipLedger;
import kubelmagent.sync.AgentScheduler;
import kubelmagent.sync.Reconciler;
import kubelmagent.sync.StartedBy;
import kubelmagent.version.Version;
import org.quartz.SchedulerException;

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
        // status prints its table on stdout; its log lines (a read that failed, say) go to stderr.
        boolean terminal = LogFormat.onTerminal();
        LogFormat format = args.logFormat() != null ? args.logFormat() : LogFormat.guess(terminal, System.getenv());
        PrintStream logs = args.status()
                ? new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8)
                : out;
        JournalLogging.install(logs, args.debug(), format.formatter(LogFormat.colour(terminal, System.getenv())));
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
            Describe.warnAboutRiskySettings(config);
            LOG.info(args.config() + ": configuration is valid: " + Describe.config(config));
            return OK;
        }
        if (args.status()) {
            return status(args.config(), config, args.json(), out);
        }
        if (args.moveLedger() != null) {
            return LedgerMove.run(args.config(), config, args.moveLedger());
        }
        if (args.adopt()
                && config.networks().pods().isEmpty()
                && config.networks().nodes().isEmpty()) {
            LOG.err(args.config() + ": --adopt needs kubernetes.podCidrs (the pod networks, e.g. [10.244.0.0/16]),"
                    + " or kubernetes.nodeCidrs for Services in NodePort mode: only Real Servers inside them that"
                    + " match a ready endpoint (or an eligible node) are adopted; add it and run again");
            return CONFIG;
        }
        return runAgent(
                args.config(),
                config,
                args.once(),
                new Reconciler.Options(
                        config.policy(),
                        config.removals(),
                        config.networks(),
                        config.loadMaster().nonLocal(),
                        args.dryRun(),
                        args.forceRemovals(),
                        args.adopt(),
                        config.loadMaster().maxInFlight()));
    }

    private static int runAgent(Path file, AgentConfig config, boolean once, Reconciler.Options options) {
        LOG.info("kube-lm-agent " + Version.current() + " starting with " + file
                + (options.dryRun() ? " (dry run: nothing is changed)" : "")
                + (options.forceRemovals() ? " (--force-removals: the first pass ignores the capacity guard)" : "")
                + (options.adopt()
                        ? " (--adopt: the first pass accepts the LoadMaster as it is and adopts the Real"
                                + " Servers that match ready endpoints inside the networks: "
                                + Describe.networks(options.networks()) + ")"
                        : "")
                + ": " + Describe.config(config));
        Describe.warnAboutRiskySettings(config);
        if (config.ha() != null && !options.dryRun() && !LedgerMove.localLedgerEmpty(file, config)) {
            return FAILED;
        }
        Agent agent;
        try {
            agent = Agent.open(config, options);
        } catch (IOException e) {
            LOG.err("cannot use the state directory: " + e.getMessage());
            return FAILED;
        }
        try (agent) {
            if (once) {
                if (!options.dryRun() && !agent.leadOnce()) {
                    LOG.warning("this agent does not hold the " + config.ha().describeLease() + " (held by "
                            + agent.leaseHolder() + "), so this pass writes nothing; to preview, add --dry-run; to make"
                            + " the changes, run it where the Lease is held, or stop the agents first");
                }
                PassResult result = agent.reconciler.runOnce(StartedBy.ONCE);
                return result.converged() ? OK : FAILED;
            }
            MetricsServer metrics;
            try {
                metrics = config.metricsListen() == null
                        ? null
                        : MetricsServer.start(
                                config.metricsListen(), agent.metrics, config.readyWithin(), Clock.systemUTC());
            } catch (IOException e) {
                LOG.err(e.getMessage());
                return FAILED;
            }
            try (metrics) {
                if (metrics != null) {
                    LOG.info("serving /metrics, /healthz and /readyz on http://" + hostPort(metrics.address()));
                }
                return runScheduled(agent, config);
            }
        } catch (IOException e) {
            LOG.err("shutting down: " + e.getMessage());
            return FAILED;
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static int status(Path file, AgentConfig config, boolean json, PrintStream out) {
        Map<String, Ledger> others = otherLedgers(file);
        try (Agent agent = Agent.open(config, true)) {
            Reconciler.Inspection inspection = agent.reconciler.inspect();
            Status.Lease lease = agent.lease();
            return (json
                            ? Status.printJson(inspection, others, lease, out)
                            : Status.print(inspection, others, lease, out))
                    ? OK
                    : FAILED;
        } catch (IOException e) {
            LOG.err("cannot read the state directory: " + e.getMessage());
            return FAILED;
        }
    }

    /**
     * The ledgers of the other agents whose configuration files sit beside {@code file} ({@code kube-lm-agent@NAME}),
     * by instance name, where this user can read them: the Real Servers they added are theirs, not hand-made.
     */
    private static Map<String, Ledger> otherLedgers(Path file) {
        Map<String, Ledger> others = new TreeMap<>();
        for (InstanceFiles.Instance other : InstanceFiles.others(file)) {
            try {
                others.put(
                        other.name(),
                        FileOwnershipLedger.readOnly(other.stateDir()).snapshot());
            } catch (IOException e) {
                LOG.debug("the ledger of instance " + other.name() + " in " + other.stateDir() + " cannot be read ("
                        + e.getMessage() + "); its Real Servers are shown as hand-made");
            }
        }
        return others;
    }

    private static int runScheduled(Agent agent, AgentConfig config) {
        agent.leadOnce(); // with ha, the first pass knows who holds the Lease
        AgentScheduler scheduler;
        try {
            scheduler = AgentScheduler.start(agent.reconciler, config.schedule());
        } catch (SchedulerException e) {
            LOG.err("cannot start the schedule (" + config.schedule().describe() + "): " + e.getMessage());
            return FAILED;
        }
        if (config.watch()) {
            agent.watchChanges(scheduler::ring);
        }
        agent.lead(scheduler::ring);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LOG.info("stopping: waiting for a running pass to finish");
                            try {
                                scheduler.close();
                            } catch (SchedulerException e) {
                                LOG.warning("the schedule did not stop cleanly: " + e.getMessage());
                            }
                            agent.stopLeading();
                            LOG.info("stopped");
                            stopped.countDown();
                        },
                        "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }
}
