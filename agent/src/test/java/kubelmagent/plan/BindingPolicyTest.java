package kubelmagent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.plan.BindingPolicy.Binding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BindingPolicyTest {

    private static final VirtualServiceId VS_3 = VirtualServiceId.of(3);
    private static final VirtualServiceId VS_4 = VirtualServiceId.of(4);
    private static final VirtualServiceId VS_7 = VirtualServiceId.of(7);

    @Test
    void allowsEveryNamespaceEveryVirtualServiceWithoutRules() {
        BindingPolicy policy = BindingPolicy.allowAll();

        assertTrue(policy.isAllowAll());
        assertTrue(policy.allows("shop", VS_3));
        assertEquals("any namespace may bind any VS", policy.describe());
    }

    @Test
    void allowsNothingWithAnEmptyListOfRules() {
        BindingPolicy policy = new BindingPolicy(List.of());

        assertFalse(policy.isAllowAll());
        assertFalse(policy.allows("shop", VS_3));
        assertEquals("no namespace may bind any VS", policy.describe());
    }

    @ParameterizedTest(name = "{0} may bind VS {1}: {2}")
    @CsvSource({
        "shop, 3, true",
        "shop, 4, true",
        "shop, 7, false",
        "shop-eu, 3, false",
        "team-a-x, 7, true",
        "team-b-payments, 7, true",
        "team-ab-x, 7, false",
        "team-a-, 7, true",
        "team-a, 7, false",
        "team-a-x, 3, false",
    })
    void allowsOnlyWhatARuleForTheNamespaceLists(String namespace, int vs, boolean allowed) {
        BindingPolicy policy = new BindingPolicy(
                List.of(new Binding("shop", Set.of(VS_3, VS_4)), new Binding("team-?-*", Set.of(VS_7))));

        assertEquals(allowed, policy.allows(namespace, VirtualServiceId.of(vs)));
    }

    @Test
    void takesPatternCharactersOtherThanStarAndQuestionMarkLiterally() {
        BindingPolicy policy = new BindingPolicy(List.of(new Binding("a.b", Set.of(VS_3))));

        assertTrue(policy.allows("a.b", VS_3));
        assertFalse(policy.allows("axb", VS_3), "a dot is not a regular-expression wildcard");
    }

    @Test
    void describesItsRulesWithSortedIds() {
        BindingPolicy policy = new BindingPolicy(
                List.of(new Binding("shop", Set.of(VS_7, VS_3, VS_4)), new Binding("team-*", Set.of(VS_7))));

        assertEquals("shop → VS 3, 4, 7; team-* → VS 7", policy.describe());
    }
}
