package kubelmagent.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(
            strings = {
                "",
                "1",
                "1.2.3",
                "1.2.3.4.5",
                "1..2.3",
                ".1.2.3",
                "1.2.3.",
                "1.2.3.4.",
                "1234.0.0.1",
                "1.2.3.0004",
                "256.0.0.1",
                "1.2.300.4",
                "1.2.3.a",
                "1.2.3.-4",
                "1,2,3,4",
                "1.2.3.4 5",
                "\u0661.2.3.4",
                "999.1.1.1"
            })
    void isNoIpv4AddressUnlessFourDottedNumbersUpTo255(String text) {
        assertNull(IpAddress.parse(text), text);
    }

    @Test
    void readsTheBoundsOfIpv4() {
        assertArrayEquals(new byte[] {0, 0, 0, 0}, IpAddress.parse("0.0.0.0"));
        assertArrayEquals(
                new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255}, IpAddress.parse("255.255.255.255"));
        assertArrayEquals(new byte[] {10, 0, 0, 1}, IpAddress.parse("010.000.00.1"));
    }
}
