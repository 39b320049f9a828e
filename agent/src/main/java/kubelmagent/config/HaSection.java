package kubelmagent.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import kubelmagent.ha.HaSettings;
import kubelmagent.yaml.Problems;
import kubelmagent.yaml.YamlSection;

/**
 * The {@code ha} section: two agents beside one LoadMaster, one active. Absent: this agent is on its own, reads
 * the cluster only and keeps its ledger in {@code sync.stateDir}.
 */
final class HaSection {

    static final List<String> KEYS = List.of("lease", "ledger");
    static final List<String> LEASE_KEYS =
            List.of("namespace", "name", "identity", "leaseDuration", "renewDeadline", "retryPeriod");
    static final List<String> LEDGER_KEYS = List.of("configMap");

    static final Duration MIN_LEASE = Duration.ofSeconds(2);
    static final Duration MAX_LEASE = Duration.ofMinutes(10);
    static final Duration MIN_RETRY = Duration.ofMillis(500);
    /** The least a LoadMaster write may wait for its answer, leaseDuration - renewDeadline. */
    static final Duration MIN_WRITE_WAIT = Duration.ofSeconds(2);

    static final String NAME = "must be a Kubernetes object name (lowercase letters, digits, '-' and '.')";
    static final String IDENTITY = "must be a name for this agent, unique among the agents sharing the Lease";

    /** Where Linux keeps the host name: no DNS lookup needed. */
    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    private HaSection() {}

    /** The settings, or null when the file has no {@code ha} section (or it has problems, then reported). */
    static HaSettings read(YamlSection top) {
        if (!top.has("ha")) {
            return null;
        }
        YamlSection ha = top.section("ha", KEYS);
        YamlSection lease = ha.section("lease", LEASE_KEYS);
        YamlSection ledger = ha.section("ledger", LEDGER_KEYS);
        String namespace = name(lease, "namespace", true);
        String leaseName = name(lease, "name", false);
        String identity = identity(lease);
        Duration duration = Durations.read(lease, "leaseDuration", MIN_LEASE, MAX_LEASE);
        Duration renew = Durations.read(lease, "renewDeadline", MIN_LEASE.dividedBy(2), MAX_LEASE);
        Duration retry = Durations.read(lease, "retryPeriod", MIN_RETRY, MAX_LEASE);
        String ledgerName = name(ledger, "configMap", false);
        if (duration != null && duration.toMillis() % 1000 != 0) {
            lease.problem(
                    "leaseDuration",
                    "must be whole seconds: the Lease stores it in seconds" + Problems.got(Durations.format(duration)));
        }
        duration = duration != null ? duration : HaSettings.DEFAULT_LEASE_DURATION;
        renew = renew != null ? renew : HaSettings.DEFAULT_RENEW_DEADLINE;
        retry = retry != null ? retry : HaSettings.DEFAULT_RETRY_PERIOD;
        if (renew.compareTo(duration) >= 0) {
            lease.problem(
                    "renewDeadline",
                    "must be shorter than leaseDuration (" + Durations.format(duration) + "), so"
                            + " that a holder that cannot renew has stopped writing before the other agent may take over"
                            + Problems.got(Durations.format(renew)));
        } else if (duration.minus(renew).compareTo(MIN_WRITE_WAIT) < 0) {
            lease.problem(
                    "renewDeadline",
                    "must be at least " + Durations.format(MIN_WRITE_WAIT) + " shorter than leaseDuration ("
                            + Durations.format(duration) + "): a LoadMaster write waits for its answer at most"
                            + " leaseDuration - renewDeadline, and less would time writes out"
                            + Problems.got(Durations.format(renew)));
        } else if (retry.multipliedBy(6).compareTo(renew.multipliedBy(5)) >= 0) {
            lease.problem(
                    "retryPeriod",
                    "must be below renewDeadline / 1.2 (" + Durations.format(renew) + " / 1.2), so"
                            + " that the holder tries to renew more than once before its deadline"
                            + Problems.got(Durations.format(retry)));
        }
        if (namespace == null || identity == null) {
            return null;
        }
        String lease0 = leaseName != null ? leaseName : HaSettings.DEFAULT_NAME;
        return new HaSettings(
                namespace,
                lease0,
                identity,
                duration,
                renew,
                retry,
                ledgerName != null ? ledgerName : HaSettings.defaultLedgerName(lease0));
    }

    private static String name(YamlSection s, String key, boolean required) {
        if (!s.has(key)) {
            if (required) {
                s.missing(
                        key,
                        "the namespace of the Lease and the ledger's ConfigMaps: the agent's own, e.g."
                                + " kube-lm-agent (see conf/rbac-ha.yaml)");
            }
            return null;
        }
        String value = s.scalar(key, NAME);
        if (value == null) {
            return null;
        }
        boolean namespace = key.equals("namespace");
        if (namespace ? !KubeNames.isNamespaceName(value) : !KubeNames.isObjectName(value)) {
            s.problem(key, (namespace ? KubernetesSection.NAMESPACE_NAME : NAME) + Problems.got(value));
            return null;
        }
        return value;
    }

    private static String identity(YamlSection s) {
        if (s.has("identity")) {
            String value = s.scalar("identity", IDENTITY);
            if (value != null && (value.isBlank() || value.length() > 128)) {
                s.problem("identity", IDENTITY + ", 1 to 128 characters" + Problems.got(value));
                return null;
            }
            return value == null ? null : value.strip();
        }
        String host = hostName();
        if (host == null) {
            s.missing("identity", "this host's name could not be found; " + IDENTITY);
        }
        return host;
    }

    /** This host's name, or null. */
    static String hostName() {
        try {
            String name = Files.readString(HOSTNAME).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException e) {
            // not Linux, or no /proc: ask the JDK
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return null;
        }
    }
}
