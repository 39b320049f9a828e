package kubelmagent.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import kubelmagent.model.DesiredService;
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
 * {@code kube-lm-agent status}: a read-only table, for a person at a terminal, of each bound Service,
 * its Virtual Service, what Kubernetes wants and what the LoadMaster holds, what the next pass would
 * change, and any problem. Changes nothing, takes no lock.
 */
final class Status {

    private Status() {}

    record Row(String service, String vs, String ready, String draining, String onLoadMaster, String agents,
            String handMade, String drift, String problem) {}

    /** Prints the table; returns true when everything is in step and nothing needs attention. */
    static boolean print(Reconciler.Inspection in, PrintStream out) {
        List<Row> rows = rows(in);
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"SERVICE", "VS", "READY", "DRAINING", "ON LM (ENABLED)", "AGENT'S", "HAND-MADE",
            "NEXT PASS", "PROBLEM"});
        for (Row r : rows) {
            cells.add(new String[] {r.service(), r.vs(), r.ready(), r.draining(), r.onLoadMaster(), r.agents(),
                r.handMade(), r.drift(), r.problem()});
        }
        int[] width = new int[9];
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
        boolean inStep = in.desired().complete() && in.plan().changes().isEmpty() && in.plan().held().isEmpty()
                && in.desired().problems().isEmpty() && in.plan().problems().isEmpty();
        if (!in.desired().complete()) {
            out.println("Kubernetes could not be read completely: " + in.desired().problems().stream()
                    .filter(p -> p.service() == null).map(Problem::message).collect(Collectors.joining("; ")));
        }
        in.plan().problems().stream().filter(p -> p.service() == null)
                .forEach(p -> out.println(p.message()));
        out.println(rows.isEmpty() ? "no Service is bound to a Virtual Service"
                : inStep ? "everything is in step" : "the next pass would change or report something (see NEXT PASS, PROBLEM)");
        return inStep;
    }

    static List<Row> rows(Reconciler.Inspection in) {
        Map<String, Row> rows = new TreeMap<>();
        Map<ServiceRef, String> problems = new TreeMap<>();
        for (Problem p : in.desired().problems()) {
            if (p.service() != null) {
                problems.putIfAbsent(p.service(), p.message());
            }
        }
        for (Problem p : in.plan().problems()) {
            if (p.service() != null) {
                problems.putIfAbsent(p.service(), p.message());
            }
        }
        for (DesiredService s : in.desired().services()) {
            VirtualService vs = in.current().virtualServices().get(s.vs());
            ServicePort port = Planner.servingPort(s, vs);
            rows.put(s.service().toString(), row(s.service().toString(), s.vs(),
                    port == null ? "?" : String.valueOf(port.members().size()),
                    port == null ? "?" : String.valueOf(port.draining().size()), vs, in, problems.get(s.service())));
            problems.remove(s.service());
        }
        problems.forEach((ref, message) -> rows.put(ref.toString(),
                new Row(ref.toString(), "-", "-", "-", "-", "-", "-", "-", message)));
        for (var owned : in.ledger().owned().entrySet()) {
            boolean bound = in.desired().services().stream().anyMatch(s -> s.vs().equals(owned.getKey()));
            if (!bound) {
                String name = owned.getValue().service() + " (no longer bound)";
                rows.put(name, row(name, owned.getKey(), "0", "0", in.current().virtualServices().get(owned.getKey()),
                        in, null));
            }
        }
        return new ArrayList<>(rows.values());
    }

    private static Row row(String service, VirtualServiceId id, String ready, String draining, VirtualService vs,
            Reconciler.Inspection in, String problem) {
        Ownership owned = in.ledger().get(id);
        Set<Member> mine = owned.members();
        String onLm = "-";
        String agents = String.valueOf(mine.size());
        String handMade = "-";
        if (vs != null) {
            long enabled = vs.realServers().stream().filter(RealServer::enabled).count();
            onLm = vs.realServers().size() + " (" + enabled + ")";
            handMade = String.valueOf(vs.realServers().stream().filter(rs -> !mine.contains(rs.member())).count());
            long offByHand = vs.realServers().stream().filter(rs -> !rs.enabled() && mine.contains(rs.member())
                    && !disabledByAgent(owned, rs.member())).count();
            if (offByHand > 0) {
                agents += " (" + offByHand + " disabled by hand)";
            }
        } else if (in.current().missing().contains(id)) {
            onLm = "no such VS";
        } else if (in.current().unreadable().containsKey(id)) {
            onLm = "unreadable";
        }
        return new Row(service, id.toString(), ready, draining, onLm, agents, handMade, drift(id, in), problem == null ? "" : problem);
    }

    private static boolean disabledByAgent(Ownership owned, Member m) {
        Retiring r = owned.retiring().get(m);
        return r != null && r.disabledByAgent();
    }

    /** What the next pass would do to this VS: {@code in step}, or counts such as {@code +2 -1 disable 1}. */
    private static String drift(VirtualServiceId id, Reconciler.Inspection in) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Change c : in.plan().changes()) {
            if (c.vs().equals(id)) {
                counts.merge(kind(c), 1, Integer::sum);
            }
        }
        long held = in.plan().held().stream().filter(c -> c.vs().equals(id)).count();
        if (held > 0) {
            counts.put("held", (int) held);
        }
        if (counts.isEmpty()) {
            return "in step";
        }
        return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String kind(Change c) {
        if (c instanceof Change.AddRealServer) {
            return "add";
        }
        if (c instanceof Change.RemoveRealServer) {
            return "remove";
        }
        return c instanceof Change.DisableRealServer ? "disable" : "enable";
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
