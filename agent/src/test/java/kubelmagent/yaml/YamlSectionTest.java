package kubelmagent.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;

/** The agent's one YAML walker, on its own: paths, keys, values, and problems in document order. */
class YamlSectionTest {

    private final Problems problems = new Problems();

    private YamlSection root(String yaml, List<String> knownKeys) {
        return YamlSection.root((MappingNode) new Yaml().compose(new StringReader(yaml)), knownKeys, problems);
    }

    @Test
    void namesNestedMappingsAndListItemsByTheirPath() {
        YamlSection top = root("policy:\n  bindings:\n    - {namespace: shop}\n", List.of("policy"));
        YamlSection policy = top.section("policy", List.of("bindings"));
        YamlSection rule = policy.mappingAt(
                policy.list("bindings", "a list").get(0), policy.path("bindings") + "[0]", List.of("namespace"));

        assertEquals("", top.path());
        assertEquals("(root)", top.displayPath());
        assertEquals("policy.bindings", policy.path("bindings"));
        assertEquals("policy.bindings[0].namespace", rule.path("namespace"));
        assertEquals("shop", rule.scalar("namespace", "a name"));
        assertEquals(List.of(), problems.inDocumentOrder());
    }

    @Test
    void reportsAnUnknownKeyWithTheKnownOnesAndTheLikelyMeant() {
        root("tokenfile: x\ntoken: y\nother: z\n", List.of("tokenFile"));

        assertEquals(
                List.of(
                        "tokenfile: unknown key, did you mean tokenFile? (known keys: tokenFile)",
                        "token: unknown key, did you mean tokenFile? It takes the path of a file that holds the value"
                                + " (known keys: tokenFile)",
                        "other: unknown key (known keys: tokenFile)"),
                problems.inDocumentOrder());
    }

    @Test
    void takesAnyKeyWhenTheKeysAreSomeoneElses() {
        YamlSection top = root("clusters: []\nanything: 1\n", YamlSection.ANY_KEY);

        assertTrue(top.has("anything"));
        assertEquals(List.of(), problems.inDocumentOrder());
    }

    @Test
    void reportsADuplicateKeyWithBothLines() {
        YamlSection top = root("a: 1\nb: 2\na: 3\n", List.of("a", "b"));

        assertEquals(List.of("a: duplicate key (on lines 1 and 3)"), problems.inDocumentOrder());
        assertEquals("1", top.scalar("a", "a number"), "the first one counts");
    }

    @Test
    void countsAnEmptyValueAsAbsent() {
        YamlSection top = root("a:\nb: ~\nc: null\n", List.of("a", "b", "c"));

        assertFalse(top.has("a"));
        assertFalse(top.has("b"));
        assertNull(top.scalar("c", "a value"));
        assertEquals(List.of(), problems.inDocumentOrder());
    }

    @Test
    void reportsValuesOfTheWrongKindAndKeepsTheTextAsWritten() {
        YamlSection top = root(
                "n: [1]\nm: 0123\nflag: yes\ntagged: !custom x\ncount: 7\n",
                List.of("n", "m", "flag", "tagged", "count"));

        assertNull(top.scalar("n", "must be a number"));
        assertEquals("0123", top.scalar("m", "must be a number"));
        assertNull(top.bool("flag"));
        assertNull(top.scalar("tagged", "must be text"));
        assertEquals(7, top.integer("count", 1));
        assertEquals(
                List.of(
                        "n: must be a number (got a list)",
                        "flag: must be true or false (got \"yes\")",
                        "tagged: YAML tags are not supported (got !custom)"),
                problems.inDocumentOrder());
    }

    @Test
    void checksEachItemOfAListOfScalars() {
        YamlSection top = root("names: [shop, ~, [web], api]\n", List.of("names"));

        List<YamlSection.Item> items = top.scalarItems("names", "must be a list", "must be a name");

        assertEquals(4, items.size());
        assertEquals("shop", items.get(0).text());
        assertNull(items.get(1).text());
        assertNull(items.get(2).text());
        assertEquals("names[3]", items.get(3).path());
        assertEquals(
                List.of("names[1]: must be a name (got nothing)", "names[2]: must be a name (got a list)"),
                problems.inDocumentOrder());
    }

    @Test
    void putsProblemsAboutASectionAfterThoseOfItsKeys() {
        YamlSection top = root("s:\n  b: x\n  a: y\nt: 1\n", List.of("s", "t"));
        YamlSection s = top.section("s", List.of("a", "b"));

        s.sectionProblem("set a or b, not both");
        s.problem("a", "is wrong");
        top.problem("t", "is wrong too");
        s.problem("b", "is wrong first");

        assertEquals(
                List.of("s.b: is wrong first", "s.a: is wrong", "s: set a or b, not both", "t: is wrong too"),
                problems.inDocumentOrder());
    }
}
