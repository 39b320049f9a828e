package kubelmagent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Keeps {@code packaging/monitoring/} (the Prometheus alert rules, their promtool unit tests and the Grafana
 * dashboard that the package installs) in step with the metrics the agent exports: every {@code kube_lm_agent_*}
 * name in an expression must be a series of a real scrape, and every label that an expression selects on or
 * groups by must be on that series (or be a target label Prometheus adds). Renaming a metric or a label without
 * updating these files fails here. (CI also runs {@code promtool check rules} and {@code promtool test rules}.)
 */
class MonitoringFilesTest {

    /** Tests run in {@code agent/}; the files ship from the top of the repository. */
    private static final Path DIR = Path.of("../packaging/monitoring");

    private static final Path ALERTS = DIR.resolve("kube-lm-agent-alerts.yml");
    private static final Path ALERT_TESTS = DIR.resolve("kube-lm-agent-alerts.test.yml");
    private static final Path DASHBOARD = DIR.resolve("kube-lm-agent-dashboard.json");

    /** Labels Prometheus puts on every series it scrapes (the scrape job, the target's host:port). */
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance");

    private static final Pattern METRIC = Pattern.compile("\\bkube_lm_agent_[a-z_]+\\b");
    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHER = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(");
    private static final Pattern LABEL_VALUES =
            Pattern.compile("label_values\\(\\s*(kube_lm_agent_[a-z_]+)\\s*(?:\\{[^}]*\\})?\\s*,\\s*(\\w+)\\s*\\)");

    // ---- the dashboard --------------------------------------------------------------------------------------

    @Test
    void theDashboardIsAGrafanaDashboardModelWithADataSourceAndInstanceVariables() throws IOException {
        JsonObject dashboard = dashboard();

        assertEquals("kube-lm-agent", dashboard.get("uid").getAsString());
        assertFalse(dashboard.get("title").getAsString().isBlank());
        assertTrue(dashboard.get("schemaVersion").getAsInt() >= 36, "schemaVersion");
        assertTrue(dashboard.has("time") && dashboard.has("annotations"), "time, annotations");

        Map<String, JsonObject> variables = new LinkedHashMap<>();
        for (JsonElement v : dashboard.getAsJsonObject("templating").getAsJsonArray("list")) {
            variables.put(v.getAsJsonObject().get("name").getAsString(), v.getAsJsonObject());
        }
        assertEquals(List.of("datasource", "job", "instance", "agent"), List.copyOf(variables.keySet()));
        assertEquals("datasource", variables.get("datasource").get("type").getAsString());
        assertEquals("prometheus", variables.get("datasource").get("query").getAsString());
        for (String name : List.of("job", "instance", "agent")) {
            JsonObject v = variables.get(name);
            assertEquals("query", v.get("type").getAsString(), name);
            assertTrue(v.get("multi").getAsBoolean() && v.get("includeAll").getAsBoolean(), name);
            assertEquals("${datasource}", datasourceUid(v), name);
        }

        List<JsonObject> panels = panels(dashboard);
        assertTrue(panels.size() >= 10, "panels: " + panels.size());
        Set<Integer> ids = new HashSet<>();
        for (JsonObject panel : panels) {
            String title = panel.get("title").getAsString();
            assertTrue(ids.add(panel.get("id").getAsInt()), "duplicate panel id: " + title);
            assertTrue(panel.has("gridPos") && panel.has("type"), title);
            if (panel.get("type").getAsString().equals("row")) {
                continue;
            }
            assertEquals("${datasource}", datasourceUid(panel), title);
            JsonArray targets = panel.getAsJsonArray("targets");
            assertFalse(targets == null || targets.isEmpty(), title + ": no targets");
            for (JsonElement target : targets) {
                assertFalse(target.getAsJsonObject().get("expr").getAsString().isBlank(), title);
                assertEquals("${datasource}", datasourceUid(target.getAsJsonObject()), title);
            }
        }
    }

    @Test
    void theDashboardUsesOnlyExportedMetricsAndTheirLabelsAndShowsEveryMetric() throws IOException {
        Map<String, Set<String>> exported = exported();
        List<String> problems = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        JsonObject dashboard = dashboard();
        for (JsonObject panel : panels(dashboard)) {
            JsonArray targets = panel.getAsJsonArray("targets");
            if (targets == null) {
                continue;
            }
            for (JsonElement target : targets) {
                String expr = target.getAsJsonObject().get("expr").getAsString();
                used.addAll(check("panel \"" + panel.get("title").getAsString() + "\"", expr, exported, problems));
            }
        }
        for (JsonElement v : dashboard.getAsJsonObject("templating").getAsJsonArray("list")) {
            JsonObject variable = v.getAsJsonObject();
            if (variable.get("type").getAsString().equals("query")) {
                String query = variable.getAsJsonObject("query").get("query").getAsString();
                assertEquals(query, variable.get("definition").getAsString());
                used.addAll(check("variable $" + variable.get("name").getAsString(), query, exported, problems));
            }
        }
        assertEquals(List.of(), problems);

        Set<String> notShown = new TreeSet<>(families());
        notShown.removeIf(
                family -> used.stream().anyMatch(name -> name.equals(family) || name.startsWith(family + "_")));
        assertEquals(Set.of(), notShown, "metrics without a panel on the dashboard");
    }

    // ---- the alert rules ------------------------------------------------------------------------------------

    @Test
    void everyAlertHasASeverityASummaryAndADescription() throws IOException {
        List<Map<String, Object>> rules = alertRules();
        assertTrue(rules.size() >= 8, "rules: " + rules.size());
        Set<String> names = new HashSet<>();
        for (Map<String, Object> rule : rules) {
            String alert = (String) rule.get("alert");
            assertTrue(alert != null && alert.matches("KubeLmAgent[A-Z][A-Za-z]+"), "alert name: " + alert);
            assertTrue(names.add(alert), "duplicate alert " + alert);
            assertTrue(rule.get("expr") instanceof String, alert + ": expr");
            Map<String, Object> labels = map(rule.get("labels"));
            assertTrue(Set.of("critical", "warning", "info").contains(labels.get("severity")), alert + ": severity");
            Map<String, Object> annotations = map(rule.get("annotations"));
            for (String key : List.of("summary", "description")) {
                assertTrue(annotations.get(key) instanceof String s && !s.isBlank(), alert + ": annotation " + key);
            }
        }
    }

    @Test
    void theAlertRulesUseOnlyExportedMetricsAndTheirLabels() throws IOException {
        Map<String, Set<String>> exported = exported();
        List<String> problems = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        for (Map<String, Object> rule : alertRules()) {
            used.addAll(check("alert " + rule.get("alert"), (String) rule.get("expr"), exported, problems));
        }
        assertEquals(List.of(), problems);
        assertTrue(used.contains("kube_lm_agent_last_successful_pass_timestamp_seconds"), used::toString);
        assertTrue(used.contains("kube_lm_agent_errors_total"), used::toString);
    }

    @Test
    void theAlertUnitTestsFeedOnlyExportedSeriesWithTheirLabels() throws IOException {
        Map<String, Set<String>> exported = exported();
        List<String> problems = new ArrayList<>();
        Map<String, Object> doc = map(yaml().load(Files.readString(ALERT_TESTS, StandardCharsets.UTF_8)));
        assertEquals(List.of(ALERTS.getFileName().toString()), doc.get("rule_files"));
        int series = 0;
        for (Object test : list(doc.get("tests"))) {
            for (Object input : list(map(test).get("input_series"))) {
                String selector = (String) map(input).get("series");
                check("alert test series " + selector, selector, exported, problems);
                series++;
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(series > 10, "input series: " + series);
    }

    // ---- the checker itself ---------------------------------------------------------------------------------

    @Test
    void theCheckerFindsRenamedMetricsAndLabelsThatAreNotOnTheMetric() {
        Map<String, Set<String>> exported = exported();
        List<String> problems = new ArrayList<>();

        check(
                "ok",
                "sum by (agent, result) (rate(kube_lm_agent_passes_total{result=~\"failed\"}[5m]))",
                exported,
                problems);
        check(
                "ok",
                "histogram_quantile(0.9, sum by (le, agent) (rate(kube_lm_agent_pass_duration_seconds_bucket[5m])))",
                exported,
                problems);
        check("ok", "max(kube_lm_agent_errors_total) by (cause, job, instance)", exported, problems);
        check("ok", "label_values(kube_lm_agent_build_info{agent=\"x\"}, version)", exported, problems);
        assertEquals(List.of(), problems);

        check("renamed", "rate(kube_lm_agent_passes{result=\"failed\"}[5m])", exported, problems);
        check("base name of a histogram", "rate(kube_lm_agent_pass_duration_seconds[5m])", exported, problems);
        check("matcher", "kube_lm_agent_passes_total{cause=\"ledger\"}", exported, problems);
        check("by", "sum by (agent, cause) (rate(kube_lm_agent_passes_total[5m]))", exported, problems);
        check("by after", "sum(rate(kube_lm_agent_held_removals[5m])) by (vs)", exported, problems);
        check("le", "sum by (le) (rate(kube_lm_agent_pass_duration_seconds_count[5m]))", exported, problems);
        check("on", "kube_lm_agent_errors_total / on (cause) kube_lm_agent_passes_total", exported, problems);
        check("label_values", "label_values(kube_lm_agent_build_info, cluster)", exported, problems);
        assertEquals(8, problems.size(), problems::toString);
        assertTrue(
                problems.get(0).startsWith("renamed: kube_lm_agent_passes is not a series the agent exports"),
                problems.get(0));
        assertTrue(
                problems.get(2).startsWith("matcher: kube_lm_agent_passes_total has no label cause"), problems.get(2));
    }

    // ---- what the agent exports -----------------------------------------------------------------------------

    /**
     * Series name (with {@code _total}, {@code _bucket}, {@code _count}, {@code _sum}) to its label names, from
     * the text exposition of an agent whose every metric has a series.
     */
    static Map<String, Set<String>> exported() {
        String text = Scrape.text(AgentMetricsTest.exercised(new AgentMetrics("1.0", "test")));
        Map<String, Set<String>> series = new TreeMap<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            Set<String> labels = series.computeIfAbsent(name, n -> new TreeSet<>());
            if (brace >= 0 && brace < space) {
                Matcher m = MATCHER.matcher(QUOTED.matcher(line.substring(brace, line.lastIndexOf('}') + 1))
                        .replaceAll("\"\""));
                while (m.find()) {
                    labels.add(m.group(1));
                }
            }
        }
        assertTrue(series.containsKey("kube_lm_agent_pass_duration_seconds_bucket"), series::toString);
        assertTrue(series.keySet().stream().allMatch(n -> n.startsWith("kube_lm_agent_")), series::toString);
        return series;
    }

    /** The metric families ({@code # TYPE} names) of a scrape. */
    private static Set<String> families() {
        Set<String> families = new TreeSet<>();
        for (String line : Scrape.text(AgentMetricsTest.exercised(new AgentMetrics("1.0")))
                .lines()
                .toList()) {
            if (line.startsWith("# TYPE ")) {
                families.add(line.split(" ")[2]);
            }
        }
        assertEquals(10, families.size(), families::toString);
        return families;
    }

    // ---- checking one expression ----------------------------------------------------------------------------

    /**
     * Checks one PromQL expression (or series selector, or Grafana {@code label_values} query) against the
     * exported series, adding one line per problem. Not a PromQL parser, but enough for these files: names are
     * {@code kube_lm_agent_*} identifiers; a selector's labels are the names before {@code =}, {@code !=},
     * {@code =~}, {@code !~} in the braces right after one; {@code by (...)} and {@code without (...)} apply to
     * the agent metrics in the parenthesised expression right after them (or right before: {@code sum(x) by
     * (l)}), {@code on (...)} and {@code ignoring (...)} to every agent metric of the expression, and {@code
     * group_left (...)}/{@code group_right (...)} to at least one.
     *
     * @return the agent metric names the expression uses
     */
    static Set<String> check(String where, String expr, Map<String, Set<String>> exported, List<String> problems) {
        String code = QUOTED.matcher(expr).replaceAll("\"\"");
        Set<String> used = new TreeSet<>();
        Matcher name = METRIC.matcher(code);
        while (name.find()) {
            String metric = name.group();
            used.add(metric);
            if (!exported.containsKey(metric)) {
                problems.add(where + ": " + metric + " is not a series the agent exports (it exports "
                        + exported.keySet() + ")");
                continue;
            }
            int at = skipSpaces(code, name.end());
            if (at < code.length() && code.charAt(at) == '{') {
                int close = code.indexOf('}', at);
                Matcher label = MATCHER.matcher(code.substring(at + 1, close));
                while (label.find()) {
                    requireLabel(where, metric, label.group(1), exported, problems);
                }
            }
        }
        Matcher grouping = GROUPING.matcher(code);
        while (grouping.find()) {
            String keyword = grouping.group(1);
            int open = grouping.end() - 1;
            int close = matching(code, open);
            List<String> labels = labels(code.substring(open + 1, close));
            Set<String> scope;
            if (keyword.equals("by") || keyword.equals("without")) {
                int after = skipSpaces(code, close + 1);
                if (after < code.length() && code.charAt(after) == '(') {
                    scope = metrics(code.substring(after, matching(code, after) + 1));
                } else {
                    int before = grouping.start() - 1;
                    while (before >= 0 && Character.isWhitespace(code.charAt(before))) {
                        before--;
                    }
                    scope = metrics(code.substring(matchingBackwards(code, before), before + 1));
                }
            } else {
                scope = metrics(code);
            }
            scope.retainAll(exported.keySet()); // unknown names are reported above
            for (String label : labels) {
                if (keyword.startsWith("group_")) {
                    if (!TARGET_LABELS.contains(label)
                            && !scope.isEmpty()
                            && scope.stream().noneMatch(m -> exported.get(m).contains(label))) {
                        problems.add(where + ": " + keyword + " (" + label + "): no metric of " + scope + " has label "
                                + label);
                    }
                } else {
                    for (String metric : scope) {
                        requireLabel(where, metric, label, exported, problems);
                    }
                }
            }
        }
        Matcher labelValues = LABEL_VALUES.matcher(expr);
        while (labelValues.find()) {
            if (exported.containsKey(labelValues.group(1))) {
                requireLabel(where, labelValues.group(1), labelValues.group(2), exported, problems);
            }
        }
        return used;
    }

    private static void requireLabel(
            String where, String metric, String label, Map<String, Set<String>> exported, List<String> problems) {
        if (!TARGET_LABELS.contains(label) && !exported.get(metric).contains(label)) {
            problems.add(where + ": " + metric + " has no label " + label + " (it has " + exported.get(metric)
                    + " and the target labels " + new TreeSet<>(TARGET_LABELS) + ")");
        }
    }

    private static Set<String> metrics(String code) {
        Set<String> metrics = new TreeSet<>();
        Matcher m = METRIC.matcher(code);
        while (m.find()) {
            metrics.add(m.group());
        }
        return metrics;
    }

    private static List<String> labels(String list) {
        List<String> labels = new ArrayList<>();
        for (String label : list.split(",")) {
            if (!label.isBlank()) {
                labels.add(label.strip());
            }
        }
        return labels;
    }

    private static int skipSpaces(String s, int from) {
        int i = from;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The index of the {@code )} that closes the {@code (} at {@code open}. */
    private static int matching(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            if (s.charAt(i) == '(') {
                depth++;
            } else if (s.charAt(i) == ')' && --depth == 0) {
                return i;
            }
        }
        throw new AssertionError("unbalanced parentheses in " + s);
    }

    /** The index of the {@code (} that the {@code )} at {@code close} closes. */
    private static int matchingBackwards(String s, int close) {
        if (close < 0 || s.charAt(close) != ')') {
            throw new AssertionError("by/without neither before nor after a parenthesised expression in " + s);
        }
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            if (s.charAt(i) == ')') {
                depth++;
            } else if (s.charAt(i) == '(' && --depth == 0) {
                return i;
            }
        }
        throw new AssertionError("unbalanced parentheses in " + s);
    }

    // ---- reading the files ----------------------------------------------------------------------------------

    private static JsonObject dashboard() throws IOException {
        JsonReader reader = new JsonReader(new StringReader(Files.readString(DASHBOARD, StandardCharsets.UTF_8)));
        reader.setStrictness(Strictness.STRICT); // no comments, trailing commas or single quotes: Grafana's JSON
        JsonElement root = new Gson().getAdapter(JsonElement.class).read(reader);
        assertEquals(JsonToken.END_DOCUMENT, reader.peek(), "one JSON value, nothing after it");
        assertTrue(root.isJsonObject(), "the dashboard is a JSON object");
        return root.getAsJsonObject();
    }

    /** Every panel, those inside collapsed rows too. */
    private static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> panels = new ArrayList<>();
        for (JsonElement p : dashboard.getAsJsonArray("panels")) {
            panels.add(p.getAsJsonObject());
            if (p.getAsJsonObject().has("panels")) {
                for (JsonElement inner : p.getAsJsonObject().getAsJsonArray("panels")) {
                    panels.add(inner.getAsJsonObject());
                }
            }
        }
        return panels;
    }

    private static String datasourceUid(JsonObject o) {
        return o.getAsJsonObject("datasource").get("uid").getAsString();
    }

    private static List<Map<String, Object>> alertRules() throws IOException {
        Map<String, Object> doc = map(yaml().load(Files.readString(ALERTS, StandardCharsets.UTF_8)));
        assertEquals(Set.of("groups"), doc.keySet());
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Object group : list(doc.get("groups"))) {
            assertTrue(map(group).get("name") instanceof String, "group name");
            for (Object rule : list(map(group).get("rules"))) {
                rules.add(map(rule));
            }
        }
        return rules;
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new SafeConstructor(options));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertTrue(o instanceof Map, () -> "expected a mapping, got " + o);
        return (Map<String, Object>) o;
    }

    private static List<?> list(Object o) {
        assertTrue(o instanceof List, () -> "expected a list, got " + o);
        return (List<?>) o;
    }
}
