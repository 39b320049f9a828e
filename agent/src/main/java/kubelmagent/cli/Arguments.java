package kubelmagent.cli;

import java.nio.file.Path;
import java.util.List;

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
 */
record Arguments(Path config, boolean once, boolean dryRun, boolean checkConfig, boolean version, boolean demo,
        boolean debug, boolean help, boolean forceRemovals, boolean adopt, boolean status) {

    static final String USAGE = String.join("\n",
            "usage: kube-lm-agent --config FILE [--once] [--dry-run] [--force-removals] [--adopt] [--debug]",
            "       kube-lm-agent --config FILE --check-config",
            "       kube-lm-agent status --config FILE",
            "       kube-lm-agent --demo [--once] [--dry-run]",
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
            "  --demo           run against a built-in demo cluster and in-memory LoadMaster",
            "  --debug          also log debug lines (priority 7)",
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
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--config" -> {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        throw new IllegalArgumentException("--config needs a file name");
                    }
                    config = Path.of(args.get(++i));
                }
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
                default -> {
                    if (a.startsWith("--config=")) {
                        config = Path.of(a.substring("--config=".length()));
                    } else {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
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
                throw new IllegalArgumentException("status takes only --config");
            }
            if (demo && (forceRemovals || adopt)) {
                throw new IllegalArgumentException("--force-removals and --adopt need --config");
            }
        }
        return new Arguments(config, once, dryRun, checkConfig, version, demo, debug, help, forceRemovals, adopt, status);
    }
}
