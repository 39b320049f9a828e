package kubelmagent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Several named credentials on one simulator, as several users on one appliance, and the old single ones. */
class SeveralCredentialsTest {

    private static LoadMasterSimulator lm;
    private static SimulatorHttp http;

    @BeforeAll
    static void start() throws IOException {
        lm = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .https(false)
                .apiKey("agent-a", "key-a")
                .apiKey("agent-b", "key-b")
                .user("agent-c", "password-c"));
        http = new SimulatorHttp(lm);
    }

    @AfterAll
    static void stop() {
        lm.close();
    }

    @BeforeEach
    void reset() {
        lm.engine().reset();
        lm.engine().addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
    }

    @Test
    void acceptsEachOfTwoNamedApiKeysOnBothApis() throws Exception {
        assertEquals(200, http.get("/access/listvs?apikey=key-a").status());
        assertEquals(200, http.get("/access/listvs?apikey=key-b").status());
        assertEquals(
                200, http.v2("{\"cmd\": \"listvs\", \"apikey\": \"key-a\"}").status());
        assertEquals(
                200, http.v2("{\"cmd\": \"listvs\", \"apikey\": \"key-b\"}").status());
    }

    @Test
    void refusesAWrongKeyAKeyPrefixAndNoCredentialAtAll() throws Exception {
        assertEquals(401, http.get("/access/listvs?apikey=key-c").status());
        assertEquals(401, http.get("/access/listvs?apikey=key-").status());
        assertEquals(401, http.get("/access/listvs").status());
        assertEquals(401, http.v2("{\"cmd\": \"listvs\", \"apikey\": \"nope\"}").status());
    }

    @Test
    void acceptsANamedUserByBasicAuthAndApiV2Fields() throws Exception {
        assertEquals(
                200,
                http.get("/access/listvs", "Authorization", basic("agent-c", "password-c"))
                        .status());
        assertEquals(
                200,
                http.v2("{\"cmd\": \"listvs\", \"apiuser\": \"agent-c\", \"apipass\": \"password-c\"}")
                        .status());
        assertEquals(
                401,
                http.get("/access/listvs", "Authorization", basic("agent-c", "password-a"))
                        .status());
        assertEquals(
                401,
                http.get("/access/listvs", "Authorization", basic("agent-a", "password-c"))
                        .status(),
                "a key's name is not a user");
    }

    @Test
    void letsAWrongKeyWinOverARightPasswordAsTheApplianceDoes() throws Exception {
        assertEquals(
                401,
                http.get("/access/listvs?apikey=nope", "Authorization", basic("agent-c", "password-c"))
                        .status());
        assertEquals(
                401,
                http.v2("{\"cmd\": \"listvs\", \"apikey\": \"nope\", \"apiuser\": \"agent-c\","
                                + " \"apipass\": \"password-c\"}")
                        .status());
    }

    @Test
    void journalsEachWriteUnderTheNameOfTheCredentialThatMadeIt() throws Exception {
        assertEquals(
                200,
                http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=key-a")
                        .status());
        assertEquals(
                200,
                http.v2("{\"cmd\": \"addrs\", \"vs\": 3, \"rs\": \"10.0.0.21\", \"rsport\": 80, \"apikey\": \"key-b\"}")
                        .status());
        assertEquals(
                200,
                http.get("/access/delrs?vs=3&rs=10.0.0.20&rsport=80", "Authorization", basic("agent-c", "password-c"))
                        .status());
        assertEquals(
                List.of("agent-a", "agent-b", "agent-c"),
                lm.writes().stream().map(Write::credential).toList());
    }

    @Test
    void keepsTheSingleKeyAndUserOfOlderSetUpsNamedApikeyAndAfterTheUser() throws Exception {
        try (LoadMasterSimulator old = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .https(false)
                .apiKey("k3y")
                .credentials("bal", "s3cret:x"))) {
            old.engine().addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
            SimulatorHttp client = new SimulatorHttp(old);
            assertEquals(
                    200,
                    client.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=k3y")
                            .status());
            assertEquals(
                    200,
                    client.get("/access/delrs?vs=3&rs=10.0.0.20&rsport=80", "Authorization", basic("bal", "s3cret:x"))
                            .status());
            assertEquals(401, client.get("/access/listvs?apikey=key-a").status());
            assertEquals(
                    List.of(LoadMasterSimulator.Options.DEFAULT_API_KEY_NAME, "bal"),
                    old.writes().stream().map(Write::credential).toList());
            assertEquals("apikey", LoadMasterSimulator.Options.DEFAULT_API_KEY_NAME);
        }
    }

    @Test
    void takesTheSingleKeyAlongsideNamedOnes() throws Exception {
        try (LoadMasterSimulator both = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .https(false)
                .apiKey("k3y")
                .apiKey("agent-a", "key-a"))) {
            SimulatorHttp client = new SimulatorHttp(both);
            assertEquals(200, client.get("/access/listvs?apikey=k3y").status());
            assertEquals(200, client.get("/access/listvs?apikey=key-a").status());
        }
    }

    @Test
    void journalsWritesToAnOpenApiAsAnonymous() throws Exception {
        try (LoadMasterSimulator open =
                LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults().https(false))) {
            open.engine().addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
            SimulatorHttp client = new SimulatorHttp(open);
            assertEquals(
                    200, client.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80").status());
            assertEquals(
                    List.of(Write.ANONYMOUS),
                    open.writes().stream().map(Write::credential).toList());
        }
    }

    @Test
    void refusesToStartWithOneKeyTwiceOrOneUserTwice() {
        IllegalArgumentException sameKey = assertThrows(
                IllegalArgumentException.class,
                () -> LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                        .https(false)
                        .apiKey("key-a")
                        .apiKey("agent-a", "key-a")));
        assertTrue(sameKey.getMessage().contains("agent-a"), sameKey.getMessage());
        assertFalse(sameKey.getMessage().contains("key-a"), "the key itself is not shown");
        assertThrows(
                IllegalArgumentException.class,
                () -> LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                        .https(false)
                        .user("agent-c", "one")
                        .credentials("agent-c", "two")));
    }

    @Test
    void refusesCredentialsWithoutANameOrKeyOrNamedAnonymous() {
        LoadMasterSimulator.Options options = LoadMasterSimulator.Options.defaults();
        assertThrows(IllegalArgumentException.class, () -> options.apiKey("", "key"));
        assertThrows(IllegalArgumentException.class, () -> options.apiKey("agent-a", ""));
        assertThrows(IllegalArgumentException.class, () -> options.apiKey(Write.ANONYMOUS, "key"));
        assertThrows(IllegalArgumentException.class, () -> options.user(null, "password"));
        assertThrows(IllegalArgumentException.class, () -> options.user(Write.ANONYMOUS, "password"));
    }

    @Test
    void neverShowsAKeyOrPasswordInACredentialsText() {
        assertEquals("ApiKey[name=agent-a, key=<hidden>]", new Auth.ApiKey("agent-a", "key-a").toString());
        assertEquals("User[name=agent-c, password=<hidden>]", new Auth.User("agent-c", "password-c").toString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
