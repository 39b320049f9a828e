package kubelmagent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The write journal: who made which write, in order, applied or refused; in process and over HTTP. */
class WriteJournalTest {

    private static final String FORM = "application/x-www-form-urlencoded";

    private static LoadMasterSimulator lm;
    private static SimulatorHttp http;

    @BeforeAll
    static void start() throws IOException {
        lm = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
                .apiKey("old-leader", "key-old")
                .apiKey("new-leader", "key-new"));
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
    void recordsWhoDidWhatInOrderWithARefusedDuplicateAndWithoutReads() throws Exception {
        Instant before = Instant.now();
        assertEquals(
                200,
                http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=8080&apikey=key-old")
                        .status());
        assertEquals(200, http.get("/access/showvs?vs=3&apikey=key-old").status());
        assertEquals(200, http.get("/access/listvs?apikey=key-new").status());
        assertEquals(
                422,
                http.post("/access/addrs", FORM, "vs=3&rs=10.0.0.20&rsport=8080&apikey=key-new")
                        .status());
        assertEquals(
                200,
                http.v2("{\"cmd\": \"modrs\", \"vs\": \"10.0.0.5\", \"port\": 80, \"rs\": \"10.0.0.20\","
                                + " \"rsport\": 8080, \"weight\": 5, \"apikey\": \"key-new\"}")
                        .status());
        assertEquals(
                200,
                http.get("/access/showrs?vs=3&rs=10.0.0.20&rsport=8080&apikey=key-new")
                        .status());
        assertEquals(
                200,
                http.get("/access/set?param=nonlocalrs&value=yes&apikey=key-new")
                        .status());
        assertEquals(
                200,
                http.get("/access/delrs?vs=3&rs=10.0.0.20&rsport=8080&apikey=key-new")
                        .status());
        Instant after = Instant.now();

        List<Write> writes = lm.writes();
        assertEquals(
                List.of(
                        "old-leader addrs 3 10.0.0.20:8080 200 null",
                        "new-leader addrs 3 10.0.0.20:8080 422 Real Server already exists",
                        "new-leader modrs 10.0.0.5:80/tcp 10.0.0.20:8080 200 null",
                        "new-leader set null null 200 null",
                        "new-leader delrs 3 10.0.0.20:8080 200 null"),
                writes.stream().map(WriteJournalTest::line).toList());
        assertEquals(
                List.of(false, true, false, false, false),
                writes.stream().map(Write::refused).toList());
        for (int i = 0; i < writes.size(); i++) {
            Instant at = writes.get(i).at();
            assertFalse(at.isBefore(before) || at.isAfter(after), at.toString());
            assertFalse(i > 0 && at.isBefore(writes.get(i - 1).at()), "in the order they were made");
        }
        assertTrue(
                writes.stream()
                        .filter(w -> w.credential().equals("old-leader"))
                        .allMatch(w -> w.at().isBefore(writes.get(1).at())),
                "what a fencing test asks: the old leader wrote nothing after the new one started");
    }

    @Test
    void recordsRefusalsOfEveryKindAsRefusedWithTheirStatus() throws Exception {
        assertEquals(
                422,
                http.get("/access/addrs?vs=3&rs=not-an-ip&rsport=80&apikey=key-old")
                        .status());
        assertEquals(
                422,
                http.get("/access/delrs?vs=9&rs=10.0.0.20&rsport=80&apikey=key-old")
                        .status());
        assertEquals(400, http.get("/access/addrs?vs=3&apikey=key-old").status());
        assertEquals(
                List.of(
                        "old-leader addrs 3 not-an-ip:80 422 Invalid address format",
                        "old-leader delrs 9 10.0.0.20:80 422 Unknown VS",
                        "old-leader addrs 3 null 400 rs: Address Value missing"),
                lm.writes().stream().map(WriteJournalTest::line).toList());
        assertTrue(lm.writes().stream().allMatch(Write::refused));
    }

    @Test
    void leavesOutRequestsRefusedWith401AndUnknownCommands() throws Exception {
        assertEquals(
                401,
                http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=key-gone")
                        .status());
        assertEquals(405, http.get("/access/addbogus?vs=3&apikey=key-old").status());
        assertEquals(List.of(), lm.writes());
    }

    @Test
    void countsAFaultBeforeApplyingAsRefusedAndOneAfterApplyingAsApplied() throws Exception {
        lm.engine()
                .faults()
                .failNext("addrs", 500, "Internal error")
                .failNextAfterApplying("addrs", 503, "Busy")
                .dropNext("delrs");
        String add = "/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=key-old";
        assertEquals(500, http.get(add).status());
        assertEquals(503, http.get(add).status());
        assertThrows(
                IOException.class,
                () -> http.post("/access/delrs", FORM, "vs=3&rs=10.0.0.20&rsport=80&apikey=key-old"));
        assertEquals(
                List.of(
                        "old-leader addrs 3 10.0.0.20:80 500 Internal error",
                        "old-leader addrs 3 10.0.0.20:80 200 null",
                        "old-leader delrs 3 10.0.0.20:80 0 connection dropped (injected)"),
                lm.writes().stream().map(WriteJournalTest::line).toList());
        assertEquals(
                List.of(true, false, true),
                lm.writes().stream().map(Write::refused).toList());
        assertEquals(1, lm.engine().realServers(3).size(), "the one the journal says was applied");
    }

    @Test
    void isEmptiedByAReset() throws Exception {
        assertEquals(
                200,
                http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=key-old")
                        .status());
        assertEquals(1, lm.writes().size());
        reset();
        assertEquals(List.of(), lm.writes());
    }

    @Test
    void isAnImmutableCopy() throws Exception {
        assertEquals(
                200,
                http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=80&apikey=key-old")
                        .status());
        List<Write> writes = lm.writes();
        assertThrows(UnsupportedOperationException.class, writes::clear);
        assertEquals(
                200,
                http.get("/access/delrs?vs=3&rs=10.0.0.20&rsport=80&apikey=key-old")
                        .status());
        assertEquals(1, writes.size(), "a later write does not change an earlier copy");
    }

    @Test
    void answersTheSameJournalAsJsonWithoutCredentials() throws Exception {
        assertEquals(
                200,
                http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=8080&apikey=key-old")
                        .status());
        assertEquals(
                422,
                http.get("/access/addrs?vs=3&rs=10.0.0.20&rsport=8080&apikey=key-new")
                        .status());
        assertEquals(
                200,
                http.get("/access/set?param=nonlocalrs&value=yes&apikey=key-new")
                        .status());

        SimulatorHttp.Answer a = http.get("/simulator/writes");
        assertEquals(200, a.status(), a.text());
        assertEquals("application/json", a.contentType());
        JsonArray json = JsonParser.parseString(a.text()).getAsJsonArray();
        List<Write> writes = lm.writes();
        assertEquals(writes.size(), json.size());
        for (int i = 0; i < writes.size(); i++) {
            assertEquals(writes.get(i), fromJson(json.get(i).getAsJsonObject()));
        }
        JsonObject set = json.get(2).getAsJsonObject();
        assertTrue(set.has("virtualService") && set.get("virtualService").isJsonNull(), "every field present");
        assertEquals(
                List.of("at", "credential", "command", "virtualService", "realServer", "refused", "status", "error"),
                List.copyOf(set.keySet()));
    }

    @Test
    void answersAnEmptyArrayBeforeAnyWrite() throws Exception {
        http.get("/access/listvs?apikey=key-old");
        assertEquals(
                0,
                JsonParser.parseString(http.get("/simulator/writes").text())
                        .getAsJsonArray()
                        .size());
        assertEquals(
                404, http.post("/simulator/writes", "application/json", "[]").status(), "read-only");
    }

    @Test
    void keepsOnlyTheLastWritesUpToItsCapacity() {
        assertEquals(100_000, WriteJournal.CAPACITY);
        WriteJournal journal = new WriteJournal(2);
        Write first = write("addrs");
        Write second = write("modrs");
        Write third = write("delrs");
        journal.add(first);
        journal.add(second);
        journal.add(third);
        assertEquals(List.of(second, third), journal.writes());
        assertThrows(IllegalArgumentException.class, () -> new WriteJournal(0));
    }

    @Test
    void knowsWhichCommandsChangeState() {
        for (String command : Commands.STATE_CHANGING) {
            assertTrue(Commands.find(command) != null, command);
        }
        for (String read : List.of("listvs", "showvs", "showrs", "get")) {
            assertFalse(Commands.changesState(read), read);
        }
    }

    private static Write write(String command) {
        return new Write(Instant.now(), "a", command, "3", "10.0.0.20:80", false, 200, null);
    }

    private static String line(Write w) {
        return w.credential() + " " + w.command() + " " + w.virtualService() + " " + w.realServer() + " " + w.status()
                + " " + w.error();
    }

    private static Write fromJson(JsonObject o) {
        return new Write(
                Instant.parse(o.get("at").getAsString()),
                o.get("credential").getAsString(),
                o.get("command").getAsString(),
                text(o, "virtualService"),
                text(o, "realServer"),
                o.get("refused").getAsBoolean(),
                o.get("status").getAsInt(),
                text(o, "error"));
    }

    private static String text(JsonObject o, String name) {
        return o.get(name).isJsonNull() ? null : o.get(name).getAsString();
    }
}
