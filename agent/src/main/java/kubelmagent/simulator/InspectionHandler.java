package kubelmagent.simulator;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import kubelmagent.log.Log;

/**
 * The simulator's own endpoints, for tests and demos outside the JVM; no authentication, and clearly
 * not LoadMaster paths:
 * <ul>
 *   <li>{@code GET /simulator/state}: the state as {@link StateFile} writes it, with {@code calls} per
 *       command;</li>
 *   <li>{@code GET /simulator/writes}: the write journal ({@link SimulatedLoadMaster#writes}), oldest
 *       first, the last 100,000 writes at most; one object per {@link Write}, every field present:
 * <pre>{@code
 * [{"at": "2026-11-30T11:48:28.123456Z",   // ISO-8601, UTC
 *   "credential": "agent-a",                 // "anonymous" while the API is open
 *   "command": "addrs",
 *   "virtualService": "3",                   // or "10.0.0.5:80/tcp"; null for set
 *   "realServer": "10.0.0.20:8080",          // or "!7"; null when the command names none
 *   "refused": true,
 *   "status": 422,                           // 200 when applied; 0 for an injected dropped connection
 *   "error": "Real Server already exists"}]  // null when applied
 * }</pre></li>
 *   <li>{@code GET /simulator/faults}: the faults in force;</li>
 *   <li>{@code POST /simulator/faults}: switches faults, answers like GET. Every field is optional and
 *       applied in this order:
 * <pre>{@code
 * {"clear": true,                       // everything off first
 *  "latencyMs": 200,                    // every API request waits 200 ms
 *  "readAfterWriteDelayMs": 500,        // RSs that addrs creates are invisible to reads for 500 ms
 *  "unauthorizedAfter": 3,              // 3 more API requests are served, then 401
 *  "apiEnabled": false,                 // every API path answers 404
 *  "failNext": [{"command": "addrs", "status": 500, "text": "Internal error", "afterApplying": false}],
 *  "dropNext": [{"command": "showvs", "afterApplying": false}]}   // connection closed, no answer
 * }</pre>
 *       {@code command} may be {@code *} for any command.</li>
 * </ul>
 */
final class InspectionHandler implements HttpHandler {

    private static final Log LOG = Log.get(LoadMasterSimulator.class);
    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** For the write journal: every field present, null or not, so that each entry has one shape. */
    private static final Gson WITH_NULLS = new GsonBuilder()
            .setPrettyPrinting()
            .disableHtmlEscaping()
            .serializeNulls()
            .create();

    private final SimulatedLoadMaster engine;

    InspectionHandler(SimulatedLoadMaster engine) {
        this.engine = engine;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
            // Read it all before answering, so the next request on this connection starts where it should.
            String body = new String(ApiHandler.body(exchange), StandardCharsets.UTF_8);
            if (path.equals(LoadMasterSimulator.INSPECTION_PATH + "/state") && method.equals("GET")) {
                send(exchange, 200, StateFile.toJson(engine));
            } else if (path.equals(LoadMasterSimulator.INSPECTION_PATH + "/writes") && method.equals("GET")) {
                send(exchange, 200, WITH_NULLS.toJson(writesJson(engine.writes())));
            } else if (path.equals(LoadMasterSimulator.INSPECTION_PATH + "/faults") && method.equals("GET")) {
                send(exchange, 200, GSON.toJson(engine.faults().describe()));
            } else if (path.equals(LoadMasterSimulator.INSPECTION_PATH + "/faults") && method.equals("POST")) {
                try {
                    apply(JsonParser.parseString(body).getAsJsonObject());
                } catch (RuntimeException e) {
                    send(exchange, 400, GSON.toJson(java.util.Map.of("error", String.valueOf(e.getMessage()))));
                    return;
                }
                send(exchange, 200, GSON.toJson(engine.faults().describe()));
            } else {
                send(exchange, 404, GSON.toJson(java.util.Map.of("error", "no such simulator endpoint")));
            }
        } finally {
            exchange.close();
        }
    }

    private void apply(JsonObject o) {
        Faults f = engine.faults();
        if (o.has("clear") && o.get("clear").getAsBoolean()) {
            f.clear();
        }
        if (o.has("latencyMs")) {
            f.latency(Duration.ofMillis(o.get("latencyMs").getAsLong()));
        }
        if (o.has("readAfterWriteDelayMs")) {
            f.readAfterWriteDelay(
                    Duration.ofMillis(o.get("readAfterWriteDelayMs").getAsLong()));
        }
        if (o.has("unauthorizedAfter")) {
            f.unauthorizedAfter(o.get("unauthorizedAfter").getAsInt());
        }
        if (o.has("apiEnabled")) {
            engine.setApiEnabled(o.get("apiEnabled").getAsBoolean());
        }
        for (JsonElement e : array(o, "failNext")) {
            JsonObject x = e.getAsJsonObject();
            String command = x.get("command").getAsString();
            int status = x.has("status") ? x.get("status").getAsInt() : 500;
            String text = x.has("text") ? x.get("text").getAsString() : Faults.INTERNAL_ERROR;
            if (x.has("afterApplying") && x.get("afterApplying").getAsBoolean()) {
                f.failNextAfterApplying(command, status, text);
            } else {
                f.failNext(command, status, text);
            }
        }
        for (JsonElement e : array(o, "dropNext")) {
            JsonObject x = e.getAsJsonObject();
            String command = x.get("command").getAsString();
            if (x.has("afterApplying") && x.get("afterApplying").getAsBoolean()) {
                f.dropNextAfterApplying(command);
            } else {
                f.dropNext(command);
            }
        }
        LOG.info("simulator: faults now " + f.describe());
    }

    /** The write journal as {@code GET /simulator/writes} answers it; see the class documentation. */
    static JsonArray writesJson(List<Write> writes) {
        JsonArray array = new JsonArray();
        for (Write w : writes) {
            JsonObject o = new JsonObject();
            o.addProperty("at", w.at().toString());
            o.addProperty("credential", w.credential());
            o.addProperty("command", w.command());
            o.addProperty("virtualService", w.virtualService());
            o.addProperty("realServer", w.realServer());
            o.addProperty("refused", w.refused());
            o.addProperty("status", w.status());
            o.addProperty("error", w.error());
            array.add(o);
        }
        return array;
    }

    private static JsonArray array(JsonObject o, String name) {
        return o.has(name) ? o.getAsJsonArray(name) : new JsonArray();
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
