package kubelmagent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonRendererTest {

    @Test
    void escapesQuotesBackslashesAndControlCharactersOnly() {
        assertEquals(
                "\"a\\\"b\\\\c\\nd\\re\\tf\\u0007g\\u007f/ü\"", JsonRenderer.string("a\"b\\c\nd\re\tf\u0007g\u007f/ü"));
    }

    @Test
    void neverCutsALongValue() {
        assertEquals("\"" + "x".repeat(5000) + "\"", JsonRenderer.string("x".repeat(5000)));
    }

    @Test
    void writesAnErrorAnswer() {
        assertEquals(
                "{ \"code\": 422,\r\n  \"message\": \"Unknown \\\"VS\\\"\",\r\n  \"status\": \"fail\"\r\n}\r\n",
                new String(JsonRenderer.error(422, "Unknown \"VS\""), StandardCharsets.UTF_8));
    }
}
