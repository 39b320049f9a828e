package kubelmagent.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LabelSelectorTest {

    static final Map<String, String> WEB = Map.of("kempLB", "Enabled", "app", "web");

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "kempLB=Enabled              | true",
                "kempLB==Enabled             | true",
                "kempLB=Disabled             | false",
                "kempLB!=Disabled            | true",
                "kempLB                      | true",
                "!kempLB                     | false",
                "tier                        | false",
                "!tier                       | true",
                "tier!=front                 | true",
                "kempLB=Enabled,app=web      | true",
                "kempLB=Enabled, app=api     | false",
                "' kempLB = Enabled '        | true",
                "app in (web,api)            | true",
                "'app in ( api , web )'      | true",
                "app in(api)                 | false",
                "tier in (front)             | false",
                "app notin (api)             | true",
                "app notin (api,web)         | false",
                "tier notin (front)          | true",
                "'kempLB,app in (a,web)'     | true",
                "'app in (web),kempLB!=x'    | true",
                "'app in (web),tier'         | false",
            })
    void matchesEveryRequirement(String selector, boolean matches) {
        assertEquals(matches, LabelSelector.parse(selector).matches(WEB), selector);
    }

    @Test
    void selectsEverythingWhenAbsentOrBlank() {
        assertTrue(LabelSelector.parse(null).isEmpty());
        assertTrue(LabelSelector.parse(" ").matches(Map.of()));
        assertFalse(LabelSelector.parse("app").isEmpty());
    }

    @Test
    void tellsWhatValuesAKeyMustTake() {
        LabelSelector s = LabelSelector.parse("kubernetes.io/service-name=web,app!=x");
        assertEquals(Optional.of(Set.of("web")), s.oneOf("kubernetes.io/service-name"));
        assertEquals(Optional.empty(), s.oneOf("app"));
        assertEquals(
                Optional.of(Set.of("web", "api")),
                LabelSelector.parse("kubernetes.io/service-name in (web, api)").oneOf("kubernetes.io/service-name"));
        assertEquals(Optional.empty(), LabelSelector.parse("app notin (web)").oneOf("app"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "kempLB,",
                "=web",
                "app=we b",
                "!",
                "app in ()",
                "app in ( )",
                "app in (a",
                "app in a)",
                "app in ((a))",
                "app in (a b)",
                "appin (a)",
                "app within (a)",
                "in (a)"
            })
    void refusesWhatItDoesNotUnderstand(String selector) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelSelector.parse(selector));
        assertTrue(e.getMessage().startsWith("unable to parse requirement"), e.getMessage());
    }
}
