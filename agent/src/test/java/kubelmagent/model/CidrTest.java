package kubelmagent.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidrTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
        "10.244.0.0/16, 10.244.0.1, true",
        "10.244.0.0/16, 10.244.255.255, true",
        "10.244.0.0/16, 10.245.0.1, false",
        "10.244.7.9/16, 10.244.1.1, true",
        "10.244.1.7/32, 10.244.1.7, true",
        "10.244.1.7/32, 10.244.1.8, false",
        "0.0.0.0/0, 192.0.2.1, true",
        "10.244.0.0/16, fd00::1, false",
        "fd00:10:244::/56, fd00:10:244:ff::1, true",
        "fd00:10:244::/56, fd00:10:245::1, false",
        "::/0, 2001:db8::1, true",
        "10.244.0.0/16, not-an-ip, false",
        "10.244.0.0/16, 10.244.0.256, false",
        "10.244.0.0/16, '', false",
    })
    void tellsWhetherAnAddressIsInsideTheNetwork(String cidr, String ip, boolean inside) {
        assertEquals(inside, Cidr.parse(cidr).contains(ip));
    }

    @Test
    void keepsTheNetworkAsWrittenWithoutSurroundingSpaces() {
        Cidr cidr = Cidr.parse(" 10.244.0.0 / 16 ");

        assertEquals(new Cidr("10.244.0.0", 16), cidr);
        assertEquals("10.244.0.0/16", cidr.toString());
    }

    @ParameterizedTest(name = "\"{0}\": {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "10.244.0.0        | there is no / and prefix length",
                "''                | there is no / and prefix length",
                "10.244.0.0/       | the prefix length after the / must be a number",
                "10.244.0.0/x      | the prefix length after the / must be a number",
                "10.244.0.0/-1     | the prefix length after the / must be a number",
                "10.244.0.0/١٦     | the prefix length after the / must be a number",
                "10.244.0.0/99999  | the prefix length after the / must be a number",
                "10.244.0.0/33     | the prefix length of an IPv4 network is 0 to 32",
                "fd00::/129        | the prefix length of an IPv6 network is 0 to 128",
                "10.244.0.256/16   | the part before the / is not an IPv4 or IPv6 address",
                "pods.example/16   | the part before the / is not an IPv4 or IPv6 address",
                "fd00:::1/64       | the part before the / is not an IPv4 or IPv6 address",
                ".:/8              | the part before the / is not an IPv4 or IPv6 address",
                "/16               | the part before the / is not an IPv4 or IPv6 address",
            })
    void saysWhatIsWrongWithoutRepeatingTheText(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));

        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "10.0.0.7, 10.0.0.7/24",
        "' 10.0.0.7 ', 10.0.0.7/24",
        "fd00::7, fd00::7/64",
    })
    void makesTheNetworkAroundAnAddress(String address, String network) {
        Cidr around = Cidr.around(address, 24, 64);

        assertEquals(network, around.toString());
        assertTrue(around.contains("10.0.0.255") || around.contains("fd00::ffff"));
        assertFalse(around.contains("10.0.1.7") || around.contains("fd00:0:0:1::7"));
    }

    @Test
    void makesANetworkOfOneAddress() {
        Cidr host = Cidr.around("192.0.2.9", 32, 128);

        assertEquals(new Cidr("192.0.2.9", 32), host);
        assertTrue(host.contains("192.0.2.9"));
        assertFalse(host.contains("192.0.2.10"));
        assertEquals(new Cidr("2001:db8::9", 128), Cidr.around("2001:db8::9", 32, 128));
    }

    @Test
    void hasNoNetworkAroundWhatIsNotAnAddress() {
        assertNull(Cidr.around("pods.example", 24, 64));
        assertNull(Cidr.around(null, 24, 64));
        assertThrows(IllegalArgumentException.class, () -> Cidr.around("10.0.0.7", 33, 64));
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(null));
    }
}
