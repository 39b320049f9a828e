package kubelmagent.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpAddressTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "10.244.1.7, 10.244.1.7",
        "' 10.244.1.7 ', 10.244.1.7",
        "010.244.001.007, 10.244.1.7",
        "fd00:0:0::1, fd00::1",
        "FD00::1, fd00::1",
        "fd00:0000:0000:0000:0000:0000:0000:0001, fd00::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "0:0:0:0:0:0:0:0, ::",
        "::1, ::1",
        "fd00:10:244:1::, fd00:10:244:1::",
        "Web.Example, web.example",
    })
    void writesEachAddressInOneCanonicalForm(String written, String canonical) {
        assertEquals(canonical, IpAddress.canonical(written));
    }

    @Test
    void membersSpeltDifferentlyAreTheSameMember() {
        assertEquals(new Member("fd00::1", 8080), new Member("fd00:0:0::1", 8080));
        assertEquals("[fd00::1]:8080", new Member("FD00:0::1", 8080).toString());
    }

    @Test
    void neverAsksDnsAndRejectsWhatIsNotALiteral() {
        assertNull(IpAddress.parse("localhost"));
        assertNull(IpAddress.parse("10.0.0.256"));
        assertNull(IpAddress.parse("fd00::g"));
    }
}
