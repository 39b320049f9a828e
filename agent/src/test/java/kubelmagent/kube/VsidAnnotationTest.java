package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class VsidAnnotationTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "3|3",
                "' 42 '|42",
                "007|7",
                "2147483647|2147483647",
            })
    void acceptsPositiveDecimalIntegers(String value, int expected) {
        assertEquals(Optional.of(VirtualServiceId.of(expected)), VsidAnnotation.parse(value));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                " ",
                "0",
                "000",
                "-3",
                "+3",
                "3.0",
                "3a",
                "0x10",
                "1e3",
                "2147483648",
                "99999999999999999999",
                "٣",
                "3 4",
                "VS 3"
            })
    void rejectsAnythingElse(String value) {
        assertEquals(Optional.empty(), VsidAnnotation.parse(value));
    }
}
