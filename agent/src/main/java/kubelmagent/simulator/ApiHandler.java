package kubelmagent.simulator;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import kubelmagent.log.Log;

/**
 * The LoadMaster API over HTTP: {@code /access/<cmd>} (APIv1: GET query or POST form parameters, XML
 * answers) and {@code /accessv2} (APIv2: POST of a JSON object with {@code cmd}, JSON answers).
 *
 * <p>Each request goes through: API enabled (else 404 and an HTML page), parameters, the call
 * counter, injected latency, authentication (else 401), a one-shot fault, the command (unknown: 405
 * {@code Unknown command}), and the answer, whose HTTP status equals the envelope's {@code stat}. A
 * command that changes state is journalled ({@link SimulatedLoadMaster#writes}) with the credential
 * that authenticated it, once it is applied or refused, by the engine or by a fault injected before
 * applying.
 */
final class ApiHandler implements HttpHandler {

    private static final Log LOG = Log.get(LoadMasterSimulator.class);
    private static final int MAX_BODY = 1024 * 1024;

    static final String NOT_FOUND_PAGE = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n"
            + "<html><head>\r\n<title>404 Not Found</title>\r\n</head><body>\r\n<h1>Not Found</h1>\r\n"
            + "<p>The requested URL was not found on this server.</p>\r\n</body></html>\r\n";

    private final SimulatedLoadMaster engine;
    private final Auth auth;

    ApiHandler(SimulatedLoadMaster engine, Auth auth) {
        this.engine = engine;
        this.auth = auth;
    }

    /** One parsed API request; {@code apiKey}, {@code apiUser} and {@code apiPass} are credentials sent, or null. */
    private record Request(
            Format format, String command, Params params, String apiKey, String apiUser, String apiPass) {}

    /** An answer: HTTP status, content type and body. */
    private record Answer(int status, String contentType, byte[] body) {}

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            serve(exchange);
        } catch (IOException e) {
            LOG.debug("simulator: request ended early (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            LOG.err("simulator: failed to answer " + exchange.getRequestURI().getPath() + ": " + e, e);
            try {
                send(
                        exchange,
                        new Answer(500, XmlRenderer.CONTENT_TYPE, XmlRenderer.error(500, Faults.INTERNAL_ERROR)));
            } catch (IOException | RuntimeException ignored) {
                // the connection is gone
            }
        } finally {
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        if (!engine.apiEnabled()) {
            body(exchange); // read it all first, so the next request on this connection starts where it should
            send(exchange, new Answer(404, "text/html", NOT_FOUND_PAGE.getBytes(StandardCharsets.ISO_8859_1)));
            return;
        }
        boolean v2 = exchange.getHttpContext().getPath().equals(LoadMasterSimulator.V2_PATH);
        Request request;
        try {
            request = v2 ? parseV2(exchange) : parseV1(exchange);
        } catch (RefusalException e) {
            send(exchange, error(v2 ? Format.JSON : Format.XML, e.stat(), e.text()));
            return;
        }
        long generation = engine.generation();
        engine.countCall(request.command());
        Duration latency = engine.faults().latency();
        if (!latency.isZero()) {
            sleep(latency);
            if (engine.generation() != generation) {
                exchange.close(); // the engine was reset meanwhile: abandon the request
                return;
            }
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String credential = auth.identify(request.apiKey(), request.apiUser(), request.apiPass(), authorization);
        if (credential == null || engine.faults().revoked()) {
            LOG.debug("simulator: " + request.command() + ": 401");
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"LoadMaster\"");
            send(
                    exchange,
                    request.format() == Format.JSON
                            ? new Answer(401, JsonRenderer.CONTENT_TYPE, JsonRenderer.error(401, "Unauthorized"))
                            : new Answer(401, "text/html", new byte[0]));
            return;
        }
        Faults.Fault fault = engine.faults().take(request.command());
        if (fault != null && !fault.afterApplying()) {
            engine.journal(
                    credential,
                    request.command(),
                    request.params(),
                    true,
                    fault.kind() == Faults.Kind.DROP ? 0 : fault.status(),
                    fault.kind() == Faults.Kind.DROP ? "connection dropped (injected)" : injectedText(fault));
            inject(exchange, request, fault);
            return;
        }
        Answer answer = execute(request, credential);
        if (fault != null) {
            inject(exchange, request, fault);
            return;
        }
        LOG.debug("simulator: " + request.command() + ": " + answer.status());
        send(exchange, answer);
    }

    private Answer execute(Request request, String credential) {
        Commands.Command command = Commands.find(request.command());
        if (command == null) {
            return error(request.format(), 405, Commands.UNKNOWN_COMMAND);
        }
        try {
            Reply reply = engine.run(request.command(), command, request.params(), credential);
            return request.format() == Format.XML
                    ? new Answer(200, XmlRenderer.CONTENT_TYPE, XmlRenderer.reply(reply))
                    : new Answer(200, JsonRenderer.CONTENT_TYPE, JsonRenderer.reply(reply));
        } catch (RefusalException e) {
            return error(request.format(), e.stat(), e.text());
        }
    }

    private void inject(HttpExchange exchange, Request request, Faults.Fault fault) throws IOException {
        LOG.debug("simulator: " + request.command() + ": injected " + fault);
        if (fault.kind() == Faults.Kind.DROP) {
            exchange.close(); // before any header: the connection is closed, the client reads EOF
            return;
        }
        send(exchange, error(request.format(), fault.status(), injectedText(fault)));
    }

    private static String injectedText(Faults.Fault fault) {
        return fault.text() == null ? Faults.INTERNAL_ERROR : fault.text();
    }

    private static Answer error(Format format, int stat, String text) {
        return format == Format.XML
                ? new Answer(stat, XmlRenderer.CONTENT_TYPE, XmlRenderer.error(stat, text))
                : new Answer(stat, JsonRenderer.CONTENT_TYPE, JsonRenderer.error(stat, text));
    }

    // ---- parsing

    private static Request parseV1(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String prefix = LoadMasterSimulator.V1_PATH + "/";
        String command = path.length() > prefix.length() ? decode(path.substring(prefix.length())) : "";
        Params params = new Params();
        query(exchange.getRequestURI().getRawQuery(), params);
        if ("POST".equalsIgnoreCase(exchange.getRequestMethod())) {
            query(new String(body(exchange), StandardCharsets.UTF_8), params);
        }
        String key = params.has("apikey") ? params.optional("apikey", null) : null;
        return new Request(Format.XML, command, params, key, null, null);
    }

    private static Request parseV2(HttpExchange exchange) throws IOException, RefusalException {
        if (!"POST".equalsIgnoreCase(exchange.getRequestMethod())) {
            throw new RefusalException(400, "cmd: String Value missing");
        }
        JsonObject body;
        try {
            JsonElement parsed = JsonParser.parseString(new String(body(exchange), StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new RefusalException(400, "Invalid JSON: expected an object");
            }
            body = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new RefusalException(400, "Invalid JSON");
        }
        Params params = new Params();
        String command = null;
        String key = null;
        String user = null;
        String pass = null;
        for (Map.Entry<String, JsonElement> field : body.entrySet()) {
            JsonElement v = field.getValue();
            String value = v.isJsonPrimitive() ? v.getAsString() : v.isJsonNull() ? "" : v.toString();
            switch (field.getKey()) {
                case "cmd" -> command = value;
                case "apikey" -> key = value;
                case "apiuser" -> user = value;
                case "apipass" -> pass = value;
                default -> params.put(field.getKey(), value);
            }
        }
        if (command == null || command.isBlank()) {
            throw Params.missing("cmd", "String");
        }
        return new Request(Format.JSON, command.strip().replace('.', '/'), params, key, user, pass);
    }

    private static void query(String raw, Params params) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.put(name, value);
        }
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    static byte[] body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw new IOException("request body larger than " + MAX_BODY + " bytes");
            }
            return body;
        }
    }

    // ---- answering

    private static void send(HttpExchange exchange, Answer answer) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        if (answer.body().length == 0) {
            exchange.sendResponseHeaders(answer.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(answer.status(), answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
        }
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
