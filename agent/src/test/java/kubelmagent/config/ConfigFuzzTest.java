package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import kubelmagent.log.Text;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Mutated {@code agent.yaml} documents: whatever the text, {@link ConfigLoader} returns a configuration
 * or throws a {@link ConfigException} whose every problem has a path and a message; never anything
 * else, and never hangs. The seed is printed; rerun a failure with {@code -Dfuzz.seed=<seed>}.
 */
class ConfigFuzzTest {

    private static final int CASES = 10_000;
    private static final long CASE_TIMEOUT_SECONDS = 10;

    /** Valid documents the mutations start from; files are those of {@link ConfigFixture}. */
    private static final List<String> VALID = List.of("""
            kubernetes:
              server: https://10.0.0.10:6443
              tokenFile: token
            loadmaster:
              url: https://10.0.0.2
              apiKeyFile: lm-apikey
            """, """
            kubernetes:
              server: https://k8s.example.com:6443/
              tokenFile: token
              caFile: kube-ca.crt
              insecureSkipTlsVerify: false
              namespaces: [shop, payments-2]
              timeout: 30s
              podCidrs: [10.244.0.0/16, "fd00:10:244::/56"]
            loadmaster:
              url: https://10.0.0.2:8443
              username: bal
              passwordFile: lm-password
              caFile: lm-ca.crt
              nonLocal: false
              timeout: 2m
            sync:
              interval: 1h
              stateDir: /var/lib/kube-lm-agent
              drainTimeout: 90s
              removalConfirmations: 3
              maxRemovalFraction: 0.25
              maxRemovalMinimum: 10
            selector:
              label: kempLB=Enabled
              vsidAnnotation: lb.example.com/vsid
            policy:
              bindings:
                - namespace: shop
                  vsids: [3, "4"]
                - namespace: "team-*"
                  vsids: [7]
            """, """
            kubernetes:
              kubeconfig: kubeconfig
              context: lab
              insecureSkipTlsVerify: true
            loadmaster:
              url: https://10.0.0.2
              apiKeyFile: lm-apikey
              insecureSkipTlsVerify: true
            sync:
              cron: "0/30 * * * * ?"
            policy:
              bindings: []
            """);

    /** Scalars that have broken parsers before: types, limits, encodings, paths, YAML specials. */
    private static final List<String> SCALARS = List.of(
            "",
            " ",
            "~",
            "null",
            "true",
            "yes",
            "off",
            "0",
            "-1",
            "1",
            "2",
            "007",
            "+3",
            "0.5",
            ".5",
            "1e309",
            "-0",
            "9".repeat(400),
            "-" + "9".repeat(60),
            "0." + "0".repeat(300) + "1",
            ".inf",
            "-.inf",
            ".nan",
            "0x1F",
            "0o17",
            "1_000",
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "10s",
            "-5s",
            "0ms",
            "999999999h",
            "1000000000s",
            "10 s",
            "https://10.0.0.2",
            "http://x",
            "https://a:b@c/?apikey=x#f",
            "https://[::1]:0",
            "https://x:99999",
            "token",
            "lm-apikey",
            "lm-password",
            "kube-ca.crt",
            "kubeconfig",
            "empty",
            "big",
            "key.pem",
            "/dev/null",
            "/",
            ".",
            "..",
            "../../etc/passwd",
            "~/token",
            "ünïcødé",
            "日本語",
            "emoji 😀",
            "\u0000",
            "\u0007",
            "\t",
            "a\nb",
            "\r\n",
            "\u202Etxt.exe",
            "\uFEFF",
            "*",
            "?",
            "shop-*",
            "Shop_1",
            "a".repeat(64),
            "10.244.0.0/16",
            "10.244.0.0/33",
            "::/0",
            "fd00:::1/64",
            "0 */5 * * * ?",
            "0 0 0 1 1 ? 2001",
            "* * * * *",
            "0 0 12 * * *",
            "kempLB=Enabled",
            "=",
            "kempLB=",
            "/vsid",
            "vsid",
            "%",
            "@",
            "`",
            "!",
            "&a",
            "*a",
            "!!binary",
            "<<",
            "- x",
            "? x",
            "{",
            "[",
            "]",
            "}",
            ",",
            "#",
            "'",
            "\"");

    /** Characters that matter to YAML, plus control and odd Unicode. */
    private static final String JUNK =
            "{}[]:,&*!|>'\"%@`#-?\t\n\r \\\u0000\u0001\u001B\u0085\u00A0\u2028\uFFFE\uFFFF" + "\uD800\uDC00é日😀";

    /** Documents tried once each, before the generated ones. */
    private static final List<String> SPECIAL_DOCUMENTS = List.of(
            "",
            "---",
            "...",
            "---\n...\n",
            "\uFEFF",
            "# nothing",
            "~",
            "[]",
            "{}",
            "42",
            "'text'",
            "- a\n- b",
            "%YAML 1.1\n---\nkubernetes: {}\n",
            "%TAG ! tag:example.com,2000:\n---\n!x {}\n",
            "kubernetes: {}\n---\nloadmaster: {}\n",
            "!!python/object/apply:os.system ['id']\n",
            "kubernetes: !!binary aGVsbG8=\n",
            "kubernetes: &k {a: *k}\n",
            "&a [*a]\n",
            "? [a, b]\n: c\n",
            "? {a: b}\n: c\n",
            "<<: {kubernetes: {}}\n",
            "kubernetes:\n\tserver: x\n",
            "kubernetes: [\n",
            "kubernetes: \"unterminated\n",
            "'" + "x".repeat(5000),
            "[".repeat(5000) + "]".repeat(5000),
            "{a: ".repeat(500) + "}".repeat(500),
            "- ".repeat(2000) + "x",
            "k: v\n".repeat((1 << 18) + 1),
            "a: " + "b".repeat(200_000) + "\n");

    @TempDir
    Path tempDir;

    private ConfigFixture fixture;
    private ExecutorService worker;
    private final Yaml plain = new Yaml(new SafeConstructor(new LoaderOptions()));
    private final Yaml dumper = dumper();

    @BeforeEach
    void setUp() {
        fixture = new ConfigFixture(tempDir);
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "config-fuzz");
            thread.setDaemon(true);
            return thread;
        });
    }

    @AfterEach
    void tearDown() {
        worker.shutdownNow();
    }

    private static Yaml dumper() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setAllowUnicode(true);
        options.setSplitLines(false);
        return new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(options), options);
    }

    @Test
    void everyMutatedDocumentGivesAConfigurationOrProblemsWithPaths() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("ConfigFuzzTest seed: " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        for (String valid : VALID) {
            assertNotNull(
                    ConfigLoader.parse(
                            valid,
                            "agent.yaml",
                            fixture.dir,
                            new CredentialFiles(Map.of(), null),
                            UnitStateDirectory.NONE),
                    "the starting documents are valid");
        }
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = i < SPECIAL_DOCUMENTS.size()
                    ? new Case("special document", SPECIAL_DOCUMENTS.get(i), null)
                    : generate(random);
            if (check(c, seed, i)) {
                loaded++;
            } else {
                rejected++;
            }
        }
        System.out.println("ConfigFuzzTest: " + loaded + " documents loaded, " + rejected + " rejected with problems");
        assertTrue(loaded > 0 && rejected > 0, "the mutations should produce both valid and invalid documents");
    }

    /** One generated input: YAML text, or raw bytes for a file. */
    private record Case(String how, String text, byte[] bytes) {}

    private Case generate(Random random) {
        int kind = random.nextInt(100);
        if (kind < 2) {
            byte[] bytes = new byte[random.nextInt(300)];
            random.nextBytes(bytes);
            return new Case("binary junk in a file", null, bytes);
        }
        if (kind < 5) {
            return new Case("alias bomb", aliasBomb(random), null);
        }
        String valid = VALID.get(random.nextInt(VALID.size()));
        if (kind < 55) {
            @SuppressWarnings("unchecked")
            Map<String, Object> tree = (Map<String, Object>) plain.load(valid);
            int mutations = 1 + random.nextInt(3);
            StringBuilder how = new StringBuilder("tree:");
            for (int m = 0; m < mutations; m++) {
                how.append(' ').append(mutateTree(random, tree));
            }
            String text = dumper.dump(tree);
            if (random.nextInt(4) == 0) {
                Mutation mutation = mutateText(random, text);
                how.append(", then text: ").append(mutation.how());
                text = mutation.text();
            }
            return new Case(how.toString(), text, null);
        }
        Mutation mutation = mutateText(random, valid);
        StringBuilder how = new StringBuilder("text: ").append(mutation.how());
        for (int m = random.nextInt(3); m > 0; m--) {
            mutation = mutateText(random, mutation.text());
            how.append(", ").append(mutation.how());
        }
        return new Case(how.toString(), mutation.text(), null);
    }

    /**
     * Loads one case on the worker thread, bounded in time.
     *
     * @return true if it loaded, false if it was rejected with problems
     */
    private boolean check(Case c, long seed, int index) throws Exception {
        CredentialFiles credentials = new CredentialFiles(Map.of(), null);
        Path file = null;
        if (c.bytes() != null) {
            file = Files.write(tempDir.resolve("fuzz-" + index + ".yaml"), c.bytes());
        }
        Path configFile = file;
        Future<AgentConfig> result = worker.submit(() -> configFile != null
                ? ConfigLoader.load(configFile, credentials, UnitStateDirectory.NONE)
                : ConfigLoader.parse(c.text(), "agent.yaml", fixture.dir, credentials, UnitStateDirectory.NONE));
        Supplier<String> where = () -> "seed " + seed + ", case " + index + " (" + c.how() + "): "
                + (c.text() != null ? Text.quote(c.text(), 2000) : c.bytes().length + " random bytes");
        try {
            assertNotNull(result.get(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS), where);
            return true;
        } catch (TimeoutException e) {
            result.cancel(true);
            fail("ConfigLoader did not return within " + CASE_TIMEOUT_SECONDS + " s for " + where.get());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof ConfigException problem)) {
                throw new AssertionError("ConfigLoader threw " + e.getCause() + " for " + where.get(), e.getCause());
            }
            assertFalse(problem.problems().isEmpty(), where);
            for (String p : problem.problems()) {
                int colon = p.indexOf(": ");
                assertTrue(
                        colon > 0 && !p.substring(0, colon).isBlank(),
                        () -> "no path in \"" + p + "\" for " + where.get());
                assertFalse(p.substring(colon + 2).isBlank(), () -> "no message in \"" + p + "\" for " + where.get());
                for (String secret : List.of(
                        ConfigFixture.TOKEN,
                        ConfigFixture.API_KEY,
                        ConfigFixture.PASSWORD,
                        ConfigFixture.KUBECONFIG_TOKEN)) {
                    assertFalse(p.contains(secret), () -> "a credential leaked into \"" + p + "\" for " + where.get());
                }
            }
        } finally {
            if (file != null) {
                Files.delete(file);
            }
        }
        return false;
    }

    // ---- tree mutations --------------------------------------------------------------------------

    /** Applies one mutation somewhere in the tree; returns what it did. */
    private String mutateTree(Random random, Map<String, Object> root) {
        Map<String, Object> map = randomMap(random, root);
        List<String> keys = new ArrayList<>(map.keySet());
        String key = keys.isEmpty() ? "kubernetes" : keys.get(random.nextInt(keys.size()));
        switch (random.nextInt(8)) {
            case 0:
                map.remove(key);
                return "drop " + key;
            case 1:
                map.put(key, randomValue(random, 2));
                return "retype " + key;
            case 2:
                map.put(key, randomScalar(random));
                return "scalar for " + key;
            case 3:
                map.put(randomKey(random), randomValue(random, 2));
                return "add a key";
            case 4: {
                Object value = map.get(key);
                map.put(key, new ArrayList<>(List.of(value == null ? "x" : value)));
                return "wrap " + key + " in a list";
            }
            case 5: {
                String other = keys.isEmpty() ? "sync" : keys.get(random.nextInt(keys.size()));
                Object moved = map.remove(key);
                Map<String, Object> nested = new LinkedHashMap<>();
                nested.put(key, moved);
                map.put(other, nested);
                return "nest " + key + " under " + other;
            }
            case 6:
                map.put(key.toUpperCase(Locale.ROOT), map.remove(key));
                return "rename " + key;
            default:
                mutateList(random, root);
                return "change a list";
        }
    }

    /** A map somewhere in the tree: the root, or one of its mappings (also inside lists). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> randomMap(Random random, Map<String, Object> root) {
        Map<String, Object> current = root;
        while (random.nextBoolean()) {
            List<Map<String, Object>> children = new ArrayList<>();
            for (Object value : current.values()) {
                if (value instanceof Map<?, ?> m) {
                    children.add((Map<String, Object>) m);
                } else if (value instanceof List<?> list) {
                    for (Object item : list) {
                        if (item instanceof Map<?, ?> m) {
                            children.add((Map<String, Object>) m);
                        }
                    }
                }
            }
            if (children.isEmpty()) {
                break;
            }
            current = children.get(random.nextInt(children.size()));
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private void mutateList(Random random, Map<String, Object> root) {
        List<List<Object>> lists = new ArrayList<>();
        collectLists(root, lists);
        if (lists.isEmpty()) {
            return;
        }
        List<Object> list = lists.get(random.nextInt(lists.size()));
        if (!list.isEmpty() && random.nextBoolean()) {
            int i = random.nextInt(list.size());
            switch (random.nextInt(3)) {
                case 0 -> list.remove(i);
                case 1 -> list.add(list.get(i));
                default -> list.set(i, randomValue(random, 1));
            }
        } else {
            list.add(randomValue(random, 1));
        }
    }

    @SuppressWarnings("unchecked")
    private static void collectLists(Object node, List<List<Object>> lists) {
        if (node instanceof Map<?, ?> map) {
            map.values().forEach(v -> collectLists(v, lists));
        } else if (node instanceof List<?> list) {
            lists.add((List<Object>) list);
            list.forEach(v -> collectLists(v, lists));
        }
    }

    private Object randomValue(Random random, int depth) {
        int kind = random.nextInt(10);
        if (depth > 0 && kind == 0) {
            List<Object> list = new ArrayList<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                list.add(randomValue(random, depth - 1));
            }
            return list;
        }
        if (depth > 0 && kind == 1) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                map.put(randomKey(random), randomValue(random, depth - 1));
            }
            return map;
        }
        return switch (kind) {
            case 2 -> random.nextLong();
            case 3 -> new BigInteger(1 + random.nextInt(600), random);
            case 4 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
            case 5 -> random.nextBoolean();
            case 6 -> null;
            case 7 -> randomString(random);
            default -> randomScalar(random);
        };
    }

    private static Object randomScalar(Random random) {
        return SCALARS.get(random.nextInt(SCALARS.size()));
    }

    private String randomKey(Random random) {
        List<String> known = new ArrayList<>(ConfigLoader.ROOT_KEYS);
        known.addAll(SyncSection.KEYS);
        known.addAll(KubernetesSection.KEYS);
        known.addAll(PolicySection.BINDING_KEYS);
        return random.nextInt(3) == 0 ? randomString(random) : known.get(random.nextInt(known.size()));
    }

    /** Up to 20 characters: YAML syntax, controls and any Unicode code point (lone surrogates aside). */
    private static String randomString(Random random) {
        StringBuilder s = new StringBuilder();
        int junk = JUNK.codePointCount(0, JUNK.length());
        for (int i = random.nextInt(20); i > 0; i--) {
            int codePoint = random.nextInt(4) == 0
                    ? random.nextInt(0x30000)
                    : JUNK.codePointAt(JUNK.offsetByCodePoints(0, random.nextInt(junk)));
            if (!Character.isSurrogate((char) codePoint) || codePoint > Character.MAX_VALUE) {
                s.appendCodePoint(codePoint);
            }
        }
        return s.toString();
    }

    // ---- text mutations --------------------------------------------------------------------------

    /** A changed text, and what was changed. */
    private record Mutation(String how, String text) {}

    /** Changes {@code text} once. */
    private Mutation mutateText(Random random, String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int line = random.nextInt(lines.size());
        String how;
        switch (random.nextInt(9)) {
            case 0 -> {
                lines.set(line, "\t" + lines.get(line));
                how = "tab at line " + (line + 1);
            }
            case 1 -> {
                lines.add(line, lines.get(line));
                how = "duplicate line " + (line + 1);
            }
            case 2 -> {
                lines.remove(line);
                how = "drop line " + (line + 1);
            }
            case 3 -> {
                lines.set(line, lines.get(line).replaceFirst("^ {2}", ""));
                how = "dedent line " + (line + 1);
            }
            case 4 -> {
                lines.set(line, "    " + lines.get(line));
                how = "indent line " + (line + 1);
            }
            case 5 -> {
                int other = random.nextInt(lines.size());
                String swap = lines.get(line);
                lines.set(line, lines.get(other));
                lines.set(other, swap);
                how = "swap lines " + (line + 1) + " and " + (other + 1);
            }
            case 6 -> {
                String at = lines.get(line);
                int pos = at.isEmpty() ? 0 : random.nextInt(at.length() + 1);
                String junk = random.nextInt(10) == 0 ? "\uD800" : randomString(random);
                lines.set(line, at.substring(0, pos) + junk + at.substring(pos));
                how = "junk in line " + (line + 1);
            }
            case 7 -> {
                String at = lines.get(line);
                int colon = at.indexOf(": ");
                lines.set(line, colon < 0 ? at : at.substring(0, colon + 2) + yamlScalar(random));
                how = "new value in line " + (line + 1);
            }
            default -> {
                String joined = String.join("\n", lines);
                return new Mutation("truncate", joined.substring(0, random.nextInt(joined.length() + 1)));
            }
        }
        return new Mutation(how, String.join("\n", lines));
    }

    /** A scalar as it may be written: plain, single-quoted or double-quoted. */
    private static String yamlScalar(Random random) {
        String value = (String) randomScalar(random);
        return switch (random.nextInt(3)) {
            case 0 -> value;
            case 1 -> "'" + value.replace("'", "''") + "'";
            default -> "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        };
    }

    /** Billion laughs: each level refers to the previous one several times. */
    private static String aliasBomb(Random random) {
        StringBuilder yaml = new StringBuilder("a0: &a0 [\"lol\"]\n");
        int levels = 3 + random.nextInt(10);
        for (int level = 1; level <= levels; level++) {
            yaml.append('a').append(level).append(": &a").append(level).append(" [");
            for (int i = 0; i < 9; i++) {
                yaml.append(i == 0 ? "" : ", ").append("*a").append(level - 1);
            }
            yaml.append("]\n");
        }
        yaml.append("kubernetes:\n  namespaces: *a").append(levels).append('\n');
        return yaml.toString();
    }
}
