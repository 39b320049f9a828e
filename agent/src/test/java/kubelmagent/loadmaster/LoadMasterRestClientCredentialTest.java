package kubelmagent.loadmaster;

import static kubelmagent.loadmaster.Answers.dropped;
import static kubelmagent.loadmaster.Answers.unauthorized;
import static kubelmagent.loadmaster.Answers.xml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import kubelmagent.http.Backoff;
import kubelmagent.loadmaster.LoadMasterRestClientTest.Op;
import kubelmagent.log.LogCapture;
import kubelmagent.model.Member;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.secret.Secret;
import kubelmagent.secret.SecretFile;
import kubelmagent.tls.TlsSettings;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A 401 makes the client read its credential file again and try once more; and no credential, old or
 * new, ever shows in an exception or a log line of the client.
 */
class LoadMasterRestClientCredentialTest {

    /** Distinctive, with characters that URL encoding changes, so both forms can be looked for. */
    private static final String KEY = "configured-key-7Hq2+Zx/9=";

    private static final String ROTATED_KEY = "rotated-key-Pw4k+Lm/3=";
    private static final String USER = "bal";
    private static final String PASSWORD = "configured-pass-V8s!n&Q";
    private static final String ROTATED_PASSWORD = "rotated-pass-J3d?r#T";
    private static final List<String> SECRETS = List.of(KEY, ROTATED_KEY, PASSWORD, ROTATED_PASSWORD);
    private static final VirtualServiceId VS = VirtualServiceId.of(3);
    private static final Backoff NO_WAITS = new Backoff(3, Duration.ZERO, Duration.ZERO);

    enum Auth {
        API_KEY,
        PASSWORD
    }

    private MockWebServer server;

    @TempDir
    Path dir;

    @BeforeEach
    void startServer() throws IOException {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    // ---- reading the file again after a 401

    @Test
    void readsTheApiKeyFileAgainAfterA401AndKeepsUsingWhatItRead() throws Exception {
        Path file = Files.writeString(dir.resolve("lm-apikey"), ROTATED_KEY + "\n");
        server.enqueue(unauthorized());
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        List<String> log;
        try (LogCapture capture = new LogCapture(LoadMasterRestClient.class);
                LoadMasterRestClient lm = client(Auth.API_KEY, file)) {
            lm.showVirtualService(VS);
            lm.showVirtualService(VS);
            log = capture.lines();
        }
        assertEquals("vs=3&apikey=" + encode(KEY), body(server.takeRequest()));
        assertEquals("vs=3&apikey=" + encode(ROTATED_KEY), body(server.takeRequest()));
        assertEquals("vs=3&apikey=" + encode(ROTATED_KEY), body(server.takeRequest()));
        assertEquals(3, server.getRequestCount());
        assertTrue(
                log.contains("INFO showvs vs=3: LoadMaster accepted the API key read again from " + file),
                log.toString());
    }

    @Test
    void readsThePasswordFileAgainAfterA401() throws Exception {
        Path file = Files.writeString(dir.resolve("lm-password"), ROTATED_PASSWORD);
        server.enqueue(unauthorized());
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        try (LoadMasterRestClient lm = client(Auth.PASSWORD, file)) {
            lm.showVirtualService(VS);
        }
        RecordedRequest first = server.takeRequest();
        RecordedRequest second = server.takeRequest();
        assertEquals(basic(PASSWORD), first.getHeaders().get("Authorization"));
        assertEquals(basic(ROTATED_PASSWORD), second.getHeaders().get("Authorization"));
        assertEquals("/access/showvs", second.getTarget());
        assertEquals("vs=3", body(second));
    }

    @EnumSource(
            value = Op.class,
            names = {"ADDRS", "DELRS", "MODRS"})
    @ParameterizedTest
    void sendsAWriteOnceMoreAfterA401BecauseTheLoadMasterDidNotExecuteIt(Op op) throws Exception {
        Path file = Files.writeString(dir.resolve("lm-apikey"), ROTATED_KEY);
        server.enqueue(unauthorized());
        server.enqueue(xml(200, "delrs.xml"));
        try (LoadMasterRestClient lm = client(Auth.API_KEY, file)) {
            op.run(lm);
        }
        RecordedRequest first = server.takeRequest();
        RecordedRequest second = server.takeRequest();
        assertEquals(first.getRequestLine(), second.getRequestLine());
        assertTrue(body(first).endsWith("&apikey=" + encode(KEY)), body(first));
        assertEquals(body(first).replace(encode(KEY), encode(ROTATED_KEY)), body(second));
        assertEquals(2, server.getRequestCount());
    }

    @EnumSource(Op.class)
    @ParameterizedTest
    void failsWhenTheApiKeyReadAgainIsRefusedToo(Op op) throws Exception {
        Path file = Files.writeString(dir.resolve("lm-apikey"), ROTATED_KEY);
        server.enqueue(unauthorized());
        server.enqueue(unauthorized());
        server.enqueue(xml(200, "delrs.xml"));
        LoadMasterException e = failure(client(Auth.API_KEY, file), op);
        assertEquals(
                description(op) + ": LoadMaster at " + base() + " refused the API key in " + file
                        + " (401 Unauthorized), also after reading the file again; check that the key is current"
                        + " (LoadMaster UI: Certificates & Security > Remote Access > API key) and that the file holds only"
                        + " the key",
                e.getMessage());
        assertEquals(401, e.status());
        assertTrue(e.isRefusal(), "a 401 was not executed");
        assertEquals(2, server.getRequestCount(), "once with the configured key, once with the file's");
    }

    @Test
    void failsWhenThePasswordReadAgainIsRefusedToo() throws Exception {
        Path file = Files.writeString(dir.resolve("lm-password"), ROTATED_PASSWORD);
        server.enqueue(unauthorized());
        server.enqueue(unauthorized());
        LoadMasterException e = failure(client(Auth.PASSWORD, file), Op.SHOWVS);
        assertEquals(
                "showvs vs=3: LoadMaster at " + base() + " refused user bal with the password in " + file
                        + " (401 Unauthorized), also after reading the file again; check that the password is current,"
                        + " that the user may use the API (System Administration > User Management), and that the file"
                        + " holds only the password",
                e.getMessage());
        assertEquals(401, e.status());
        assertEquals(2, server.getRequestCount());
    }

    static Stream<Arguments> unusableFiles() {
        return Stream.of(
                Arguments.of(Auth.API_KEY, null, "does not exist"),
                Arguments.of(Auth.API_KEY, "", "is empty"),
                Arguments.of(Auth.API_KEY, " \n", "is empty"),
                Arguments.of(
                        Auth.API_KEY,
                        ROTATED_KEY + "\n" + KEY + "\n",
                        "has more than one line; it must hold only the API key"),
                Arguments.of(
                        Auth.API_KEY,
                        "x".repeat(SecretFile.MAX_BYTES + 1),
                        "is larger than 65536 bytes, so it does not hold only the API key"),
                Arguments.of(Auth.PASSWORD, null, "does not exist"),
                Arguments.of(
                        Auth.PASSWORD,
                        ROTATED_PASSWORD + "\r\nsecond",
                        "has more than one line; it must hold only the password"));
    }

    @ParameterizedTest(name = "{0} file {2}")
    @MethodSource("unusableFiles")
    void saysWhyTheFileCouldNotBeReadAgain(Auth auth, String content, String reason) throws Exception {
        Path file = dir.resolve(auth == Auth.API_KEY ? "lm-apikey" : "lm-password");
        if (content != null) {
            Files.writeString(file, content);
        }
        server.enqueue(unauthorized());
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        LoadMasterException e = failure(client(auth, file), Op.SHOWVS);
        String fix = auth == Auth.API_KEY
                ? "write the current API key into it (LoadMaster UI: Certificates & Security > Remote Access > API key)"
                        + " or fix loadmaster.apiKeyFile in the configuration"
                : "write the current password of user bal into it or fix loadmaster.passwordFile in the configuration";
        assertEquals(
                "showvs vs=3: LoadMaster at " + base() + " answered 401 Unauthorized, and the "
                        + (auth == Auth.API_KEY ? "API key" : "password") + " file " + file + " " + reason + "; " + fix,
                e.getMessage());
        assertEquals(401, e.status());
        assertEquals(1, server.getRequestCount(), "nothing to try again with");
    }

    @Test
    void reportsWhatTheSecondAttemptGotWhenItIsNotA401() throws Exception {
        Path file = Files.writeString(dir.resolve("lm-apikey"), ROTATED_KEY);
        server.enqueue(unauthorized());
        server.enqueue(xml(422, "error-already-exists.xml"));
        LoadMasterException e = failure(client(Auth.API_KEY, file), Op.ADDRS);
        assertEquals(
                "addrs vs=3 rs=10.244.1.7:8080: LoadMaster answered 422 \"Real Server already exists\"",
                e.getMessage());
        assertEquals(2, server.getRequestCount());
    }

    @Test
    void retriesTheReadAfterTheKeyWasReadAgainLikeAnyOtherRead() throws Exception {
        Path file = Files.writeString(dir.resolve("lm-apikey"), ROTATED_KEY);
        server.enqueue(unauthorized());
        server.enqueue(dropped());
        server.enqueue(xml(503, "server-error.html"));
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        try (LoadMasterRestClient lm = client(Auth.API_KEY, file)) {
            lm.showVirtualService(VS);
        }
        assertEquals(4, server.getRequestCount());
    }

    @Test
    void failsAt401WithTheHintWhenTheKeyWasNotGivenAsAFile() throws Exception {
        server.enqueue(unauthorized());
        server.enqueue(xml(200, "showvs-no-rs.xml"));
        LoadMasterException e = failure(client(Auth.API_KEY, null), Op.SHOWVS);
        assertEquals(
                "showvs vs=3: LoadMaster answered 401 Unauthorized: " + LoadMasterRestClient.HINT_401, e.getMessage());
        assertEquals(1, server.getRequestCount());
    }

    // ---- secrets

    /** What the LoadMaster does to each call, and what the credential file holds. */
    enum Scenario {
        REFUSED_AGAIN_AFTER_READING_THE_FILE,
        FILE_UNUSABLE,
        ACCEPTED_AFTER_READING_THE_FILE,
        INTERNAL_ERROR,
        HTML_503,
        REFUSAL,
        DROPPED;

        List<MockResponse> answers(Op op) {
            int tries = op.read() ? 3 : 1;
            List<MockResponse> answers = new ArrayList<>();
            for (int i = 0; i < tries; i++) {
                switch (this) {
                    case INTERNAL_ERROR -> answers.add(xml(500, "error-internal.xml"));
                    case HTML_503 -> answers.add(xml(503, "server-error.html"));
                    case DROPPED -> answers.add(dropped());
                    default -> {}
                }
            }
            switch (this) {
                case REFUSED_AGAIN_AFTER_READING_THE_FILE -> answers.addAll(List.of(unauthorized(), unauthorized()));
                case FILE_UNUSABLE -> answers.add(unauthorized());
                case ACCEPTED_AFTER_READING_THE_FILE -> answers.addAll(List.of(unauthorized(), xml(200, op.success())));
                case REFUSAL -> answers.add(xml(422, "error-unknown-rs.xml"));
                default -> {}
            }
            return answers;
        }
    }

    static Stream<Arguments> secretScenarios() {
        return Stream.of(Auth.values())
                .flatMap(auth -> Stream.of(Scenario.values()).map(s -> Arguments.of(auth, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("secretScenarios")
    void neverPutsAKeyOrPasswordIntoAMessageOrALogLine(Auth auth, Scenario scenario) throws Exception {
        Path file = dir.resolve("credential");
        String rotated = auth == Auth.API_KEY ? ROTATED_KEY : ROTATED_PASSWORD;
        // An unusable file holds the secrets on two lines: the refusal must not quote them.
        Files.writeString(file, scenario == Scenario.FILE_UNUSABLE ? rotated + "\n" + KEY + PASSWORD : rotated + "\n");
        List<String> texts = new ArrayList<>();
        try (LogCapture log = new LogCapture(LoadMasterRestClient.class);
                LoadMasterRestClient lm = client(auth, file)) {
            for (Op op : Op.values()) {
                scenario.answers(op).forEach(server::enqueue);
                if (scenario == Scenario.ACCEPTED_AFTER_READING_THE_FILE) {
                    op.run(lm);
                    continue;
                }
                LoadMasterException e = assertThrows(LoadMasterException.class, () -> op.run(lm));
                for (Throwable t = e; t != null; t = t.getCause()) {
                    texts.add(t.getMessage());
                    texts.add(t.toString());
                }
            }
            assertFalse(log.lines().isEmpty(), "the client logs every attempt at debug level");
            texts.addAll(log.lines());
        }
        for (int i = server.getRequestCount(); i > 0; i--) {
            texts.add(server.takeRequest().getRequestLine());
        }
        for (String text : texts) {
            for (String secret : SECRETS) {
                assertFalse(text.contains(secret), text);
                assertFalse(text.contains(encode(secret)), text);
                assertFalse(text.contains(basic(secret).substring("Basic ".length())), text);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Auth.class)
    void showsTheFileButNeverTheCredentialInTheConnectionsToString(Auth auth) {
        LoadMasterConnection c = connection(auth, dir.resolve("credential"));
        for (String secret : SECRETS) {
            assertFalse(c.toString().contains(secret), c.toString());
        }
        assertTrue(c.toString().contains(dir.resolve("credential").toString()), c.toString());
    }

    // ---- helpers

    private LoadMasterException failure(LoadMasterRestClient client, Op op) {
        try (client) {
            return assertThrows(LoadMasterException.class, () -> op.run(client));
        }
    }

    private LoadMasterRestClient client(Auth auth, Path file) {
        return new LoadMasterRestClient(connection(auth, file), NO_WAITS);
    }

    private LoadMasterConnection connection(Auth auth, Path file) {
        URI url = URI.create(base());
        return auth == Auth.API_KEY
                ? new LoadMasterConnection(
                        url,
                        TlsSettings.systemTrust(),
                        Secret.of(KEY),
                        file,
                        null,
                        null,
                        null,
                        true,
                        Duration.ofSeconds(5))
                : new LoadMasterConnection(
                        url,
                        TlsSettings.systemTrust(),
                        null,
                        null,
                        USER,
                        Secret.of(PASSWORD),
                        file,
                        true,
                        Duration.ofSeconds(5));
    }

    private static String description(Op op) {
        Member pod = new Member("10.244.1.7", 8080);
        return switch (op) {
            case LISTVS -> ApiCall.listvs().description();
            case SHOWVS -> ApiCall.showvs(VS).description();
            case GET -> ApiCall.get("nonlocalrs").description();
            case ADDRS -> ApiCall.addrs(VS, pod, true).description();
            case DELRS -> ApiCall.delrs(VS, pod).description();
            default -> ApiCall.modrs(VS, pod, false, true).description();
        };
    }

    private static String body(RecordedRequest request) {
        return LoadMasterRestClientTest.body(request);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code http://host:port}, without a trailing slash. */
    private String base() {
        String url = server.url("/").toString();
        return url.substring(0, url.length() - 1);
    }
}
