package kubelmagent.config;

import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import kubelmagent.plan.RemovalPolicy;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/**
 * The {@code sync} section: when passes run, where the ledger lives, and how cautiously Real Servers
 * are taken out.
 *
 * @param passGap the time between two passes (for a cron schedule: between its next two firings)
 * @param watch   whether a change seen by a watch on the Kubernetes API starts a pass too ({@code sync.watch})
 */
record SyncSection(Schedule schedule, Path stateDir, RemovalPolicy removals, Duration passGap, boolean watch) {

    static final List<String> KEYS = List.of(
            "interval",
            "cron",
            "watch",
            "stateDir",
            "drainTimeout",
            "removalConfirmations",
            "maxRemovalFraction",
            "maxRemovalMinimum",
            "removalWindow");

    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    static final Duration MAX_INTERVAL = Duration.ofHours(24);
    static final Duration MIN_REMOVAL_WINDOW = Duration.ofSeconds(1);
    static final Duration MAX_REMOVAL_WINDOW = Duration.ofDays(7);

    static final String REMOVAL_FRACTION = "must be a fraction above 0 and at most 1, e.g. 0.5 for half";

    /** A plain decimal fraction such as 0.5 or .25 (no exponent, so no huge numbers to parse). */
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{0,12})?|\\.[0-9]{1,12}");

    /**
     * @param unit the state directory systemd made for the service, which {@code stateDir} must name
     *             ({@link UnitStateDirectory#NONE} when not run by systemd)
     */
    static SyncSection read(YamlSection s, UnitStateDirectory unit) {
        Duration interval = Durations.read(s, "interval", MIN_INTERVAL, MAX_INTERVAL);
        Schedule.Cron cron = cron(s);
        Boolean watch = s.bool("watch");
        Path stateDir = stateDir(s, unit);
        Duration drainTimeout = Durations.read(s, "drainTimeout");
        Integer confirmations = s.integer("removalConfirmations", 1);
        Double maxFraction = removalFraction(s);
        Integer maxMinimum = s.integer("maxRemovalMinimum", 0);
        Duration window = Durations.read(s, "removalWindow", MIN_REMOVAL_WINDOW, MAX_REMOVAL_WINDOW);
        if (s.has("interval") && s.has("cron")) {
            s.sectionProblem("set either interval or cron, not both");
        }
        Schedule schedule = cron != null
                ? Schedule.cron(cron.expression())
                : Schedule.every(orDefault(interval, ConfigLoader.DEFAULT_INTERVAL));
        Duration passGap = cron != null ? cron.gap() : schedule.interval();
        // The window must see a drop spread over passes: at least two pass gaps.
        Duration shortestWindow = passGap.multipliedBy(2);
        if (window != null && window.compareTo(shortestWindow) < 0) {
            s.problem(
                    "removalWindow",
                    "must be at least two pass intervals (" + Durations.format(shortestWindow)
                            + "), or a take-out spread over passes would not be seen"
                            + Problems.got(Durations.format(window)));
        }
        Duration defaultWindow = RemovalPolicy.DEFAULT_WINDOW.compareTo(passGap.multipliedBy(3)) >= 0
                ? RemovalPolicy.DEFAULT_WINDOW
                : passGap.multipliedBy(3);
        RemovalPolicy removals = new RemovalPolicy(
                orDefault(drainTimeout, RemovalPolicy.defaultDrainTimeout(passGap)),
                confirmations != null ? confirmations : RemovalPolicy.DEFAULT_CONFIRMATIONS,
                passGap,
                maxFraction != null ? maxFraction : RemovalPolicy.DEFAULT_MAX_FRACTION,
                maxMinimum != null ? maxMinimum : RemovalPolicy.DEFAULT_MAX_MINIMUM,
                window != null && window.compareTo(shortestWindow) >= 0 ? window : defaultWindow);
        return new SyncSection(
                schedule,
                stateDir != null ? stateDir : ConfigLoader.DEFAULT_STATE_DIR,
                removals,
                passGap,
                watch == null || watch);
    }

    private static Schedule.Cron cron(YamlSection s) {
        String cron = s.scalar("cron", "must be a Quartz cron expression");
        if (cron == null) {
            return null;
        }
        try {
            return Schedule.parseCron(cron);
        } catch (IllegalArgumentException e) {
            s.problem("cron", e.getMessage() + Problems.got(cron));
            return null;
        }
    }

    private static Double removalFraction(YamlSection s) {
        String text = s.scalar("maxRemovalFraction", REMOVAL_FRACTION);
        if (text == null) {
            return null;
        }
        String number = text.strip();
        if (DECIMAL.matcher(number).matches()) {
            BigDecimal fraction = new BigDecimal(number);
            if (fraction.signum() > 0 && fraction.compareTo(BigDecimal.ONE) <= 0) {
                return fraction.doubleValue();
            }
        }
        s.problem("maxRemovalFraction", REMOVAL_FRACTION + Problems.got(text));
        return null;
    }

    /** The {@code stateDir} given; null if absent or not usable (a problem is reported). */
    private static Path stateDir(YamlSection s, UnitStateDirectory unit) {
        String mustBe = "must be an absolute path";
        String text = s.scalar("stateDir", mustBe);
        if (text == null) {
            if (!s.has("stateDir")) {
                unit.problem(ConfigLoader.DEFAULT_STATE_DIR, false).ifPresent(p -> s.missing("stateDir", p));
            }
            return null;
        }
        try {
            Path path = Path.of(text);
            if (!text.isEmpty() && path.isAbsolute()) {
                unit.problem(path, true).ifPresent(p -> s.problem("stateDir", p));
                return path.normalize();
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        s.problem("stateDir", mustBe + Problems.got(text));
        return null;
    }

    private static Duration orDefault(Duration value, Duration fallback) {
        return value != null ? value : fallback;
    }
}
