package kubelmagent.cli;

import com.google.gson.GsonBuilder;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import kubelmagent.model.DesiredService;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Problem;
import kubelmagent.model.RealServer;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.plan.Change;
import kubelmagent.plan.Planner;
import kubelmagent.sync.Reconciler;

/**
 * {@code kube-lm-agent status}: for each bound Service, each Virtual Service it is bound to, what Kubernetes wants and what
 * the LoadMaster holds, what the next pass would change, and any problem; as a table for a person at a
 * terminal, or as JSON for scripts ({@code --output json}). Changes nothing, takes no lock.
 */
final class Status {

    /** The kinds of change in {@link Row#nextPass()}, in the order they are listed. */
    static final List<String> CHANGE_KINDS = List.of("add", "enable", "disable", "remove", "held");

    private Status() {}

    /**
     * One Service and its VS, or a VS the ledger still holds Real Servers of for a Service no longer bound
     * to it, or a Service skipped before its VS was known (then everything but {@code service} and
     * {@code problem} is null).
     *
     * @param service        {@code namespace/name}
     * @param noLongerBound  the row is a VS the agent added Real Servers to for this Service, which no longer
     *                       names it
     * @param vs             the Virtual Service, or null
     * @param ready          ready endpoints of the Service port that serves the VS; null when unknown
     * @param draining       terminating but serving endpoints; null when unknown
     * @param loadMaster     {@code read}, {@code no such VS} or {@code unreadable}; null when not looked at
     * @param realServers    Real Servers the VS holds; null when not read
     * @param enabled        of those, enabled; null when not read
     * @param agents         of those, the agent's (the ledger says it added them); null for a skipped Service
     * @param disabledByHand of the agent's, disabled by a person (the agent leaves them so); null likewise
     * @param otherAgents    Real Servers that another agent on this host added (its ledger says so), by that agent's
     *                       instance name; null when not read
     * @param handMade       Real Servers no agent on this host added; null when not read
     * @param nextPass       what the next pass would do, by kind ({@link #CHANGE_KINDS}); null for a skipped
     *                       Service
     * @param problem        why the Service or VS needs attention, or null
     */
    record Row(
            String service,
            boolean noLongerBound,
            VirtualServiceId vs,
            Integer ready,
            Integer draining,
            String loadMaster,
            Integer realServers,
            Integer enabled,
            Integer agents,
            Integer disabledByHand,
            Map<String, Integer> otherAgents,
            Integer handMade,
            Map<String, Integer> nextPass,
            String problem) {

        boolean inStep() {
            return problem == null
                    && nextPass != null
                    && nextPass.values().stream().allMatch(n -> n == 0);
        }
    }

    /** What {@code status} shows: the rows, what is not about one Service, and the verdict. */
    record Report(List<Row> rows, List<String> messages, boolean kubernetesReadComplete, boolean inStep) {}

    /**
     * @param others the ledgers of the other agents on this host ({@code kube-lm-agent@NAME} beside this one), by
     *               instance name: their Real Servers are shown as theirs rather than as hand-made
     */
    static Report report(Reconciler.Inspection in, Map<String, Ledger> others) {
        List<String> messages = new ArrayList<>();
        if (!in.desired().complete()) {
            messages.add("Kubernetes could not be read completely: "
                    + in.desired().problems().stream()
                            .filter(p -> p.service() == null)
                            .map(Problem::message)
                            .collect(Collectors.joining("; ")));
        }
        in.plan().problems().stream().filter(p -> p.service() == null).forEach(p -> messages.add(p.message()));
        boolean inStep = in.desired().complete()
                && in.plan().changes().isEmpty()
                && in.plan().held().isEmpty()
                && in.desired().problems().isEmpty()
                && in.plan().problems().isEmpty();
        return new Report(rows(in, others), messages, in.desired().complete(), inStep);
    }

    /**
     * With {@code ha}: the Lease, who holds it, and this host's agent's identity.
     *
     * @param name     {@code Lease kube-lm-agent/kube-lm-agent}
     * @param holder   {@code node-a (renewed 2026-11-30T12:00:01.000000Z)}, or {@code nobody}
     * @param identity this host's agent's {@code ha.lease.identity}
     */
    record Lease(String name, String holder, String identity) {}

    /** Prints the table; returns true when everything is in step and nothing needs attention. */
    static boolean print(Reconciler.Inspection in, Map<String, Ledger> others, PrintStream out) {
        return print(in, others, null, out);
    }

    /** @param lease with {@code ha}: the Lease and who holds it, for a line above the table; else null */
    static boolean print(Reconciler.Inspection in, Map<String, Ledger> others, Lease lease, PrintStream out) {
        Report report = report(in, others);
        if (lease != null) {
            out.println("the " + lease.name() + " is held by " + lease.holder() + "; this host's agent is "
                    + lease.identity());
        }
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {
            "SERVICE",
            "VS",
            "READY",
            "DRAINING",
            "ON LM (ENABLED)",
            "AGENT'S",
            "OTHER AGENTS'",
            "HAND-MADE",
            "NEXT PASS",
            "PROBLEM"
        });
        for (Row r : report.rows()) {
            cells.add(cells(r));
        }
        int[] width = new int[10];
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                width[i] = Math.max(width[i], c[i].length());
            }
        }
        for (String[] c : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < c.length; i++) {
                line.append(i == c.length - 1 ? c[i] : pad(c[i], width[i] + 2));
            }
            out.println(line.toString().stripTrailing());
        }
        report.messages().forEach(out::println);
        out.println(
                report.rows().isEmpty()
                        ? "no Service is bound to a Virtual Service"
                        : report.inStep()
                                ? "everything is in step"
                                : "the next pass would change or report something (see NEXT PASS, PROBLEM)");
        return report.inStep();
    }

    /** Prints the same facts as JSON (keys documented in the README); returns what {@link #print} returns. */
    static boolean printJson(Reconciler.Inspection in, Map<String, Ledger> others, PrintStream out) {
        return printJson(in, others, null, out);
    }

    static boolean printJson(Reconciler.Inspection in, Map<String, Ledger> others, Lease lease, PrintStream out) {
        Report report = report(in, others);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("inStep", report.inStep());
        if (lease != null) {
            json.put("lease", Map.of("name", lease.name(), "holder", lease.holder(), "identity", lease.identity()));
        }
        json.put("kubernetesReadComplete", report.kubernetesReadComplete());
        json.put("messages", report.messages());
        List<Map<String, Object>> services = new ArrayList<>();
        for (Row r : report.rows()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("service", r.service());
            row.put("noLongerBound", r.noLongerBound());
            row.put("virtualService", r.vs() == null ? null : r.vs().index());
            row.put("ready", r.ready());
            row.put("draining", r.draining());
            row.put("loadMaster", r.loadMaster());
            row.put("realServers", r.realServers());
            row.put("enabled", r.enabled());
            row.put("agents", r.agents());
            row.put("agentsDisabledByHand", r.disabledByHand());
            row.put("otherAgents", r.otherAgents());
            row.put("handMade", r.handMade());
            row.put("nextPass", r.nextPass());
            row.put("inStep", r.inStep());
            row.put("problem", r.problem());
            services.add(row);
        }
        json.put("services", services);
        out.println(new GsonBuilder()
                .serializeNulls()
                .setPrettyPrinting()
                .disableHtmlEscaping()
                .create()
                .toJson(json));
        return report.inStep();
    }

    /**
     * One row per Service and Virtual Service it is bound to (a Service with {@code kube-lm-agent/vsids} has one
     * per VS); one per skipped Service or binding, with its VS where the problem names one; one per VS the ledger
     * holds Real Servers of for a Service no longer bound to it. Sorted by Service, then VS.
     */
    static List<Row> rows(Reconciler.Inspection in, Map<String, Ledger> others) {
        List<Row> rows = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        in.desired().problems().stream().filter(p -> p.service() != null).forEach(problems::add);
        in.plan().problems().stream().filter(p -> p.service() != null).forEach(problems::add);
        Set<VirtualServiceId> shown = new HashSet<>();
        for (DesiredService s : in.desired().services()) {
            VirtualService vs = in.current().virtualServices().get(s.vs());
            ServicePort port = Planner.servingPort(s, vs);
            shown.add(s.vs());
            rows.add(row(
                    s.service().toString(),
                    false,
                    s.vs(),
                    port == null ? null : port.members().size(),
                    port == null ? null : port.draining().size(),
                    vs,
                    in,
                    others,
                    take(problems, s.service(), s.vs())));
        }
        Map<String, Problem> skipped = new LinkedHashMap<>();
        problems.forEach(p -> skipped.putIfAbsent(p.service() + " " + p.vs(), p));
        for (Problem p : skipped.values()) {
            String name = p.service().toString();
            if (p.vs() == null) {
                rows.add(new Row(
                        name, false, null, null, null, null, null, null, null, null, null, null, null, p.message()));
            } else {
                shown.add(p.vs());
                rows.add(row(
                        name,
                        false,
                        p.vs(),
                        null,
                        null,
                        in.current().virtualServices().get(p.vs()),
                        in,
                        others,
                        p.message()));
            }
        }
        for (var owned : in.ledger().owned().entrySet()) {
            if (!shown.contains(owned.getKey())) {
                rows.add(row(
                        owned.getValue().service().toString(),
                        true,
                        owned.getKey(),
                        0,
                        0,
                        in.current().virtualServices().get(owned.getKey()),
                        in,
                        others,
                        null));
            }
        }
        rows.sort(Comparator.comparing(Row::service)
                .thenComparing(Row::noLongerBound)
                .thenComparing(Row::vs, Comparator.nullsFirst(Comparator.naturalOrder())));
        return rows;
    }

    /** The first problem of the Service about this VS, or about the Service as a whole; taken out of the list. */
    private static String take(List<Problem> problems, ServiceRef service, VirtualServiceId vs) {
        for (var it = problems.iterator(); it.hasNext(); ) {
            Problem p = it.next();
            if (p.service().equals(service) && (p.vs() == null || p.vs().equals(vs))) {
                it.remove();
                return p.message();
            }
        }
        return null;
    }

    private static Row row(
            String service,
            boolean noLongerBound,
            VirtualServiceId id,
            Integer ready,
            Integer draining,
            VirtualService vs,
            Reconciler.Inspection in,
            Map<String, Ledger> others,
            String problem) {
        Ownership owned = in.ledger().get(id);
        Set<Member> mine = owned.members();
        String loadMaster = null;
        Integer realServers = null;
        Integer enabled = null;
        Map<String, Integer> otherAgents = null;
        Integer handMade = null;
        int disabledByHand = 0;
        if (vs != null) {
            loadMaster = "read";
            realServers = vs.realServers().size();
            enabled =
                    (int) vs.realServers().stream().filter(RealServer::enabled).count();
            otherAgents = new TreeMap<>();
            int notMine = 0;
            for (RealServer rs : vs.realServers()) {
                if (mine.contains(rs.member())) {
                    continue;
                }
                String agent = addedBy(others, in.current().loadMaster(), id, rs.member());
                if (agent == null) {
                    notMine++;
                } else {
                    otherAgents.merge(agent, 1, Integer::sum);
                }
            }
            handMade = notMine;
            disabledByHand = (int) vs.realServers().stream()
                    .filter(rs -> !rs.enabled() && mine.contains(rs.member()) && !disabledByAgent(owned, rs.member()))
                    .count();
        } else if (in.current().missing().contains(id)) {
            loadMaster = "no such VS";
        } else if (in.current().unreadable().containsKey(id)) {
            loadMaster = "unreadable";
        }
        return new Row(
                service,
                noLongerBound,
                id,
                ready,
                draining,
                loadMaster,
                realServers,
                enabled,
                mine.size(),
                disabledByHand,
                otherAgents,
                handMade,
                nextPass(id, in),
                problem);
    }

    /**
     * The other agent on this host whose ledger says it added the Real Server to this VS of this LoadMaster, or
     * null: then no agent here added it.
     */
    private static String addedBy(Map<String, Ledger> others, String loadMaster, VirtualServiceId id, Member m) {
        for (var other : others.entrySet()) {
            Ledger ledger = other.getValue();
            if (Objects.equals(ledger.loadMaster(), loadMaster)
                    && ledger.get(id).members().contains(m)) {
                return other.getKey();
            }
        }
        return null;
    }

    private static boolean disabledByAgent(Ownership owned, Member m) {
        Retiring r = owned.retiring().get(m);
        return r != null && r.disabledByAgent();
    }

    /** What the next pass would do to this VS, by kind. */
    private static Map<String, Integer> nextPass(VirtualServiceId id, Reconciler.Inspection in) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        CHANGE_KINDS.forEach(kind -> counts.put(kind, 0));
        for (Change c : in.plan().changes()) {
            if (c.vs().equals(id)) {
                counts.merge(c.kind().label(), 1, Integer::sum);
            }
        }
        counts.put("held", (int)
                in.plan().held().stream().filter(c -> c.vs().equals(id)).count());
        return counts;
    }

    /** The table's cells of one row. */
    private static String[] cells(Row r) {
        if (r.vs() == null) {
            return new String[] {r.service(), "-", "-", "-", "-", "-", "-", "-", "-", orEmpty(r.problem())};
        }
        String onLm = r.realServers() != null
                ? r.realServers() + " (" + r.enabled() + ")"
                : r.loadMaster() != null ? r.loadMaster() : "-";
        String agents = r.agents() + (r.disabledByHand() > 0 ? " (" + r.disabledByHand() + " disabled by hand)" : "");
        String drift = r.nextPass().entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        return new String[] {
            r.service() + (r.noLongerBound() ? " (no longer bound)" : ""),
            r.vs().toString(),
            r.ready() == null ? "?" : r.ready().toString(),
            r.draining() == null ? "?" : r.draining().toString(),
            onLm,
            agents,
            r.otherAgents() == null || r.otherAgents().isEmpty()
                    ? "-"
                    : r.otherAgents().entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue())
                            .collect(Collectors.joining(", ")),
            r.handMade() == null ? "-" : r.handMade().toString(),
            drift.isEmpty() ? "in step" : drift,
            orEmpty(r.problem())
        };
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
