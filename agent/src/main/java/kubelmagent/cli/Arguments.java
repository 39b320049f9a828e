package kubelmagent.cli;

import java.nio.file.Path;
import java.util.List;
import kubelmagent.log.LogFormat;

/**
 * The command line.
 *
 * @param config      {@code --config FILE}
 * @param once        {@code --once}: one pass, then exit
 * @param dryRun      {@code --dry-run}: print the plan, change nothing
 * @param checkConfig {@code --check-config}: validate and exit
 * @param version     {@code --version}
 * @param demo        {@code --demo}: run against the built-in demo instead of a config file
 * @param debug       {@code --debug}: show priority-7 lines
 * @param help        {@code --help}
 * @param forceRemovals {@code --force-removals}: the first pass ignores the capacity guard
 * @param adopt       {@code --adopt}: the first pass accepts the LoadMaster as it is and takes over Real
 *                    Servers that match ready endpoints inside {@code kubernetes.podCidrs}
 * @param status      {@code status}: print the read-only status table and exit
 * @param logFormat   {@code --log-format journal|text}; null: text on a terminal outside systemd, else journal
 * @param json        {@code status --output json}: print the status as JSON instead of a table
 * @param moveLedger  {@code --move-ledger-to-cluster} or {@code --move-ledger-to-file}: move the ledger when
 *                    {@code ha} is switched on or off, then exit; null otherwise
 */
record Arguments(
        Path config,
        boolean once,
        boolean dryRun,
        boolean checkConfig,
        boolean version,
        boolean demo,
        boolean debug,
        boolean help,
        boolean forceRemovals,
        boolean adopt,
        boolean status,
        LogFormat logFormat,
        boolean json,
        LedgerMove.Direction moveLedger) {

    static final String USAGE = String.join(
            "\n",
            "usage: kube-lm-agent --config FILE [--once] [--dry-run] [--force-removals] [--adopt] [--debug]",
            "       kube-lm-agent --config FILE --check-config",
            "       kube-lm-agent status --config FILE [--output table|json]",
            "       kube-lm-agent --config FILE --move-ledger-to-cluster | --move-ledger-to-file",
            "       kube-lm-agent --demo [--once] [--dry-run]",
            "       (each also takes --log-format journal|text)",
            "       kube-lm-agent --version | --help",
            "",
            "  --config FILE    agent.yaml to use (see /etc/kube-lm-agent/agent.yaml)",
            "  --once           run one pass and exit: 0 = every bound Service converged,",
            "                   1 = a change or a read failed, or a Service needs attention",
            "  --dry-run        print the plan and change nothing on the LoadMaster",
            "  --force-removals let the first pass make the take-outs the capacity guard holds",
            "                   (sync.maxRemovalFraction); what is left becomes its new reference;",
            "                   use with --once, service stopped",
            "  --adopt          let the first pass accept the LoadMaster and its VSs as they are",
            "                   now (after loadmaster.url changed, or a VS was re-addressed) and",
            "                   take into the ledger the Real Servers of bound VSs that match",
            "                   ready endpoints inside kubernetes.podCidrs",
            "  --check-config   validate the configuration and exit (0 = valid, 78 = invalid)",
            "  status           print each bound Service, its VS, desired and current Real",
            "                   Servers and what the next pass would do; changes nothing",
            "                   (0 = everything in step, 1 = something to change or fix)",
            "  --output json    status as JSON, for scripts (default: a table)",
            "  --move-ledger-to-cluster  with ha switched on and every agent stopped: move the",
            "                   ledger of sync.stateDir into the ha ConfigMaps (into an empty one)",
            "  --move-ledger-to-file     the other way, before switching ha off",
            "  --demo           run against built-in stand-ins on loopback: the LoadMaster",
            "                   simulator and a stand-in Kubernetes API (no cluster, no appliance)",
            "  --debug          also log debug lines (priority 7)",
            "  --log-format F   journal: <N> priority prefixes, as journald reads them; text: local",
            "                   time and a level word, for a terminal (default: text on a terminal",
            "                   outside systemd, else journal)",
            "  --version        print the version and exit",
            "");

    /** @throws IllegalArgumentException with a one-line reason when the command line is wrong */
    static Arguments parse(List<String> args) {
        Path config = null;
        boolean once = false;
        boolean dryRun = false;
        boolean checkConfig = false;
        boolean version = false;
        boolean demo = false;
        boolean debug = false;
        boolean help = false;
        boolean forceRemovals = false;
        boolean adopt = false;
        boolean status = false;
        LogFormat logFormat = null;
        String output = null;
        LedgerMove.Direction moveLedger = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--config" -> config = Path.of(value(args, ++i, a, "a file name"));
                case "--log-format" -> logFormat = LogFormat.parse(value(args, ++i, a, "journal or text"));
                case "--output" -> output = value(args, ++i, a, "table or json");
                case "--once" -> once = true;
                case "--dry-run" -> dryRun = true;
                case "--check-config" -> checkConfig = true;
                case "--version" -> version = true;
                case "--demo" -> demo = true;
                case "--debug" -> debug = true;
                case "--help", "-h" -> help = true;
                case "--force-removals" -> forceRemovals = true;
                case "--adopt" -> adopt = true;
                case "status" -> status = true;
                case "--move-ledger-to-cluster" -> moveLedger = LedgerMove.Direction.TO_CLUSTER;
                case "--move-ledger-to-file" -> moveLedger = LedgerMove.Direction.TO_FILE;
                default -> {
                    if (a.startsWith("--config=")) {
                        config = Path.of(a.substring("--config=".length()));
                    } else if (a.startsWith("--log-format=")) {
                        logFormat = LogFormat.parse(a.substring("--log-format=".length()));
                    } else if (a.startsWith("--output=")) {
                        output = a.substring("--output=".length());
                    } else {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
        }
        if (output != null && !output.equals("table") && !output.equals("json")) {
            throw new IllegalArgumentException("--output takes table or json");
        }
        if (output != null && !status) {
            throw new IllegalArgumentException("--output goes with status");
        }
        if (!version && !help) {
            if (demo && config != null) {
                throw new IllegalArgumentException("--demo and --config exclude each other");
            }
            if (!demo && config == null) {
                throw new IllegalArgumentException("--config FILE is required");
            }
            if (checkConfig && (once || dryRun || demo || forceRemovals || adopt)) {
                throw new IllegalArgumentException("--check-config takes only --config");
            }
            if (status && (once || dryRun || checkConfig || demo || forceRemovals || adopt)) {
                throw new IllegalArgumentException("status takes only --config and --output");
            }
            if (demo && (forceRemovals || adopt)) {
                throw new IllegalArgumentException("--force-removals and --adopt need --config");
            }
            if (moveLedger != null && (once || dryRun || checkConfig || demo || forceRemovals || adopt || status)) {
                throw new IllegalArgumentException(
                        "--move-ledger-to-cluster and --move-ledger-to-file take only" + " --config");
            }
        }
        return new Arguments(
                config,
                once,
                dryRun,
                checkConfig,
                version,
                demo,
                debug,
                help,
                forceRemovals,
                adopt,
                status,
                logFormat,
                "json".equals(output),
                moveLedger);
    }

    /** The value after option {@code a}, at {@code i}. */
    private static String value(List<String> args, int i, String a, String what) {
        if (i >= args.size() || args.get(i).startsWith("--")) {
            throw new IllegalArgumentException(a + " needs " + what);
        }
        return args.get(i);
    }
}
