package kubelmagent.loadmaster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import kubelmagent.model.Member;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class LoadMasterXmlTest {

    /** What a local file holds in the XXE tests; it must never come back out of the parser. */
    static final String MARKER = "marker-from-a-local-file-5e1f";

    /** The DOCTYPE refusal, in plain words. */
    static final String DOCTYPE_REFUSED = "malformed XML: it contains a DOCTYPE declaration,"
            + " which LoadMaster answers never have and the agent refuses";

    @ParameterizedTest
    @CsvSource({
        "Y,true",
        "N,false",
        "y,true",
        "n,false",
        "1,true",
        "0,false",
        "true,true",
        "false,false",
        "TRUE,true",
        "' N ',false"
    })
    void readsEnableLeniently(String text, boolean expected) throws Exception {
        VirtualService vs = LoadMasterXml.virtualService(
                envelope(withRs("<Enable>" + text + "</Enable>")).success(), VirtualServiceId.of(3));
        assertEquals(expected, vs.realServers().get(0).enabled());
    }

    @ParameterizedTest
    @CsvSource({
        "<Transparent>Y</Transparent>,true",
        "<Transparent>N</Transparent>,false",
        "<Transparent>y</Transparent>,true",
        "'',false"
    })
    void readsWhetherTheVirtualServiceIsTransparent(String element, boolean expected) throws Exception {
        VirtualService vs =
                LoadMasterXml.virtualService(envelope(withVs(element)).success(), VirtualServiceId.of(3));
        assertEquals(expected, vs.transparent());
    }

    @Test
    void readsTheParentOfASubVirtualServiceFromMasterVsId() throws Exception {
        VirtualService sub = LoadMasterXml.virtualService(
                envelope(withVs("<MasterVS>0</MasterVS>\r\n<MasterVSID>7</MasterVSID>"))
                        .success(),
                VirtualServiceId.of(3));
        assertEquals(VirtualServiceId.of(7), sub.masterVsId());
        assertFalse(sub.hasSubVirtualServices());
        for (String plain : new String[] {"<MasterVSID>0</MasterVSID>", ""}) {
            assertNull(
                    LoadMasterXml.virtualService(envelope(withVs(plain)).success(), VirtualServiceId.of(3))
                            .masterVsId(),
                    plain);
        }
    }

    @Test
    void refusesATransparentFlagThatIsNeitherYesNorNoAndAMasterVsIdThatIsNoNumber() {
        LoadMasterXml.UnreadableDataException e = assertThrows(
                LoadMasterXml.UnreadableDataException.class,
                () -> LoadMasterXml.virtualService(
                        envelope(withVs("<Transparent>2</Transparent>")).success(), VirtualServiceId.of(3)));
        assertEquals("<Transparent> is not Y or N (got \"2\")", e.getMessage());
        e = assertThrows(
                LoadMasterXml.UnreadableDataException.class,
                () -> LoadMasterXml.virtualService(
                        envelope(withVs("<MasterVSID>seven</MasterVSID>")).success(), VirtualServiceId.of(3)));
        assertEquals("<MasterVSID> is not a number (got \"seven\")", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"fd00::5,fd00::1", "FD00:0:0:0:0:0:0:5,FD00:0:0:0:0:0:0:1", "fd00:0:0::0005,fd00:0000::0:1"})
    void readsIpv6AddressesInCanonicalFormWhateverTheSpelling(String vsAddress, String rsAddress) throws Exception {
        String body = new String(withRs(""), StandardCharsets.ISO_8859_1)
                .replace("<VSAddress>10.0.0.5</VSAddress>", "<VSAddress>" + vsAddress + "</VSAddress>")
                .replace("<Addr>10.244.1.7</Addr>", "<Addr>" + rsAddress + "</Addr>")
                .replace("<VSPort>80</VSPort>", "<VSPort>443</VSPort>\r\n<Protocol>tcp</Protocol>");
        VirtualService vs = LoadMasterXml.virtualService(
                envelope(body.getBytes(StandardCharsets.ISO_8859_1)).success(), VirtualServiceId.of(3));
        assertEquals("fd00::5", vs.address());
        assertEquals("[fd00::5]:443/tcp", vs.identity());
        assertTrue(vs.describe().startsWith("VS 3 ([fd00::5]:443/tcp"), vs.describe());
        assertEquals(new Member("fd00::1", 8080), vs.realServers().get(0).member());
        assertEquals("fd00::1", vs.realServers().get(0).member().ip());

        String list = body.replace("<Success><Data>", "<Success><Data><VS>").replace("</Data>", "</VS></Data>");
        VirtualService listed = LoadMasterXml.listAnswer(list.getBytes(StandardCharsets.ISO_8859_1))
                .list()
                .virtualServices()
                .get(VirtualServiceId.of(3));
        assertEquals(vs, listed);
    }

    @Test
    void takesTheLoadMasterDefaultsForMissingRealServerFields() throws Exception {
        VirtualService vs = LoadMasterXml.virtualService(envelope(withRs("")).success(), VirtualServiceId.of(3));
        assertTrue(vs.realServers().get(0).enabled());
        assertEquals(1000, vs.realServers().get(0).weight());
        assertEquals(0, vs.realServers().get(0).rsIndex());
    }

    @Test
    void readsTheEnvelopeOfASuccessWithoutData() throws Exception {
        LoadMasterXml.Envelope e = envelope(Fixtures.bytes("delrs.xml"));
        assertTrue(e.ok());
        assertEquals(200, e.stat());
        assertEquals("Command completed ok", e.success().getTextContent());
        assertNull(e.errorText());
    }

    @Test
    void readsTheEnvelopeOfAFailure() throws Exception {
        LoadMasterXml.Envelope e = envelope(Fixtures.bytes("error-rsport-missing.xml"));
        assertFalse(e.ok());
        assertEquals(400, e.stat());
        assertEquals("rsport: Integer Value missing", e.errorText());
    }

    @Test
    void honoursADeclaredUtf8Encoding() throws Exception {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response stat=\"422\" code=\"fail\">"
                        + "<Error>Unknown VS \u00e9</Error></Response>")
                .getBytes(StandardCharsets.UTF_8);
        assertEquals("Unknown VS \u00e9", envelope(body).errorText());
    }

    @Test
    void refusesDoctypes() {
        byte[] body = ("<?xml version=\"1.0\"?><!DOCTYPE Response [<!ENTITY a \"aaaaaaaaaa\">"
                        + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Response stat=\"200\" code=\"ok\">"
                        + "<Success>&b;</Success></Response>")
                .getBytes(StandardCharsets.ISO_8859_1);
        LoadMasterXml.NotAnEnvelopeException e =
                assertThrows(LoadMasterXml.NotAnEnvelopeException.class, () -> LoadMasterXml.envelope(body));
        assertEquals(DOCTYPE_REFUSED, e.getMessage());
    }

    /** Ways to pull a local file into a document: a general entity, a parameter entity, an external DTD. */
    static Stream<Arguments> externalEntities() {
        return Stream.of(
                Arguments.of(
                        "general entity in the error text",
                        "<!DOCTYPE Response [<!ENTITY x SYSTEM \"FILE\">]>"
                                + "<Response stat=\"422\" code=\"fail\"><Error>&x;</Error></Response>"),
                Arguments.of(
                        "general entity in showvs data",
                        "<!DOCTYPE Response [<!ENTITY x SYSTEM \"FILE\">]>"
                                + "<Response stat=\"200\" code=\"ok\"><Success><Data><Index>3</Index>"
                                + "<NickName>&x;</NickName></Data></Success></Response>"),
                Arguments.of(
                        "parameter entity",
                        "<!DOCTYPE Response [<!ENTITY % p SYSTEM \"FILE\"> %p;]>"
                                + "<Response stat=\"200\" code=\"ok\"><Success>ok</Success></Response>"),
                Arguments.of(
                        "external DTD",
                        "<!DOCTYPE Response SYSTEM \"FILE\">"
                                + "<Response stat=\"200\" code=\"ok\"><Success>ok</Success></Response>"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("externalEntities")
    void neverReadsALocalFileThroughAnExternalEntity(String name, String document, @TempDir Path dir)
            throws IOException {
        byte[] body = xxe(document, dir);
        LoadMasterXml.NotAnEnvelopeException e =
                assertThrows(LoadMasterXml.NotAnEnvelopeException.class, () -> LoadMasterXml.envelope(body));
        assertEquals(DOCTYPE_REFUSED, e.getMessage());
        assertFalse(e.getMessage().contains(MARKER));
    }

    @Test
    void refusesABillionLaughsAtOnce() {
        StringBuilder doctype = new StringBuilder("<!DOCTYPE Response [<!ENTITY lol0 \"lol\">");
        for (int i = 1; i <= 9; i++) {
            doctype.append("<!ENTITY lol").append(i).append(" \"");
            for (int j = 0; j < 10; j++) {
                doctype.append("&lol").append(i - 1).append(';');
            }
            doctype.append("\">");
        }
        byte[] body = ("<?xml version=\"1.0\"?>" + doctype + "]><Response stat=\"200\" code=\"ok\">"
                        + "<Success>&lol9;</Success></Response>")
                .getBytes(StandardCharsets.ISO_8859_1);
        LoadMasterXml.NotAnEnvelopeException e = assertTimeoutPreemptively(
                Duration.ofSeconds(2),
                () -> assertThrows(LoadMasterXml.NotAnEnvelopeException.class, () -> LoadMasterXml.envelope(body)));
        assertEquals(DOCTYPE_REFUSED, e.getMessage());
    }

    @Test
    void stillNamesTheParsersReasonForOtherMalformedXml() {
        byte[] body = "<Response stat=\"200\"><Success></Response>".getBytes(StandardCharsets.ISO_8859_1);
        LoadMasterXml.NotAnEnvelopeException e =
                assertThrows(LoadMasterXml.NotAnEnvelopeException.class, () -> LoadMasterXml.envelope(body));
        assertTrue(e.getMessage().startsWith("malformed XML: "), e.getMessage());
        assertFalse(e.getMessage().contains("DOCTYPE"), e.getMessage());
    }

    /** {@code document} with {@code FILE} replaced by the URI of a file that holds {@link #MARKER}. */
    static byte[] xxe(String document, Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("local-file.txt"), MARKER);
        return ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n"
                        + document.replace("FILE", secret.toUri().toString()))
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void treatsAnEnvelopeWithoutCodeByItsContent() throws Exception {
        assertTrue(envelope("<Response><Success>Command completed ok</Success></Response>"
                        .getBytes(StandardCharsets.ISO_8859_1))
                .ok());
        assertFalse(envelope("<Response><Error>Unknown VS</Error></Response>".getBytes(StandardCharsets.ISO_8859_1))
                .ok());
    }

    private static LoadMasterXml.Envelope envelope(byte[] body) throws LoadMasterXml.NotAnEnvelopeException {
        return LoadMasterXml.envelope(body);
    }

    /** A VS without Real Servers, with {@code extra} among its fields. */
    private static byte[] withVs(String extra) {
        return ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n<Response stat=\"200\" code=\"ok\">\r\n"
                        + "<Success><Data><Index>3</Index>\r\n<VSAddress>10.0.0.5</VSAddress>\r\n<VSPort>80</VSPort>\r\n"
                        + "<Protocol>tcp</Protocol>\r\n" + extra + "\r\n</Data></Success>\r\n</Response>\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] withRs(String extra) {
        return ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n<Response stat=\"200\" code=\"ok\">\r\n"
                        + "<Success><Data><Index>3</Index>\r\n<VSAddress>10.0.0.5</VSAddress>\r\n<VSPort>80</VSPort>\r\n"
                        + "<Rs>\r\n<Addr>10.244.1.7</Addr>\r\n<Port>8080</Port>\r\n" + extra + "</Rs>\r\n"
                        + "</Data></Success>\r\n</Response>\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
