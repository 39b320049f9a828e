package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KubeNamesTest {

    @ParameterizedTest(name = "\"{0}\" is a namespace name: {1}")
    @CsvSource({
        "shop, true",
        "shop-2, true",
        "2024, true",
        "a, true",
        "Shop, false",
        "shop_1, false",
        "-shop, false",
        "shop-, false",
        "shop.eu, false",
        "'', false",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, true",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, false",
    })
    void acceptsOnlyDnsLabelsAsNamespaceNames(String name, boolean valid) {
        assertEquals(valid, KubeNames.isNamespaceName(name));
    }

    @ParameterizedTest(name = "\"{0}\" is a namespace pattern: {1}")
    @CsvSource({
        "shop, true",
        "shop-*, true",
        "*, true",
        "team-?-eu, true",
        "*-prod, true",
        "Shop-*, false",
        "shop_*, false",
        "shop.*, false",
        "-shop, false",
        "'', false",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa*, true",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa*, false",
    })
    void acceptsNamespaceNamesWithStarAndQuestionMarkAsPatterns(String pattern, boolean valid) {
        assertEquals(valid, KubeNames.isNamespacePattern(pattern));
    }

    @ParameterizedTest(name = "\"{0}\" is a label or annotation key: {1}")
    @CsvSource({
        "kempLB, true",
        "vsid, true",
        "a, true",
        "app.kubernetes.io/name, true",
        "lb.example.com/kemp_LB.v-2, true",
        "example.com/a, true",
        "kemp LB, false",
        "'', false",
        "/vsid, false",
        "example.com/, false",
        "Example.com/vsid, false",
        "example_com/vsid, false",
        "-vsid, false",
        "vsid., false",
        "a/b/c, false",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, true",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, false",
    })
    void acceptsQualifiedNamesAsKeys(String key, boolean valid) {
        assertEquals(valid, KubeNames.isQualifiedName(key));
    }

    @ParameterizedTest(name = "\"{0}\" is a label value: {1}")
    @CsvSource({
        "Enabled, true",
        "'', true",
        "v1.2_3-x, true",
        "on off, false",
        "-on, false",
        "on., false",
        "a/b, false",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, false",
    })
    void acceptsLabelValuesOfUpTo63NameCharactersOrNothing(String value, boolean valid) {
        assertEquals(valid, KubeNames.isLabelValue(value));
    }
}
