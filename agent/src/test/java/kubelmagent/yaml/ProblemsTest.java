package kubelmagent.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProblemsTest {

    @Test
    void showsAGivenValueInQuotes() {
        assertEquals(" (got \"ftp://x\")", Problems.got("ftp://x"));
    }

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0007\"", Problems.quote("a\"b\\c\nd\te\u0007"));
    }

    @Test
    void shortensLongValues() {
        assertEquals("\"" + "x".repeat(200) + "...\"", Problems.quote("x".repeat(500)));
    }
}
