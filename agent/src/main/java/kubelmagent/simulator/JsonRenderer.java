package kubelmagent.simulator;

import java.nio.charset.StandardCharsets;

/**
 * Writes APIv2 answers as the captures show them: {@code code} first, the data fields flattened to the
 * top level (no {@code Data} wrapper), {@code status} last; flags as JSON booleans, indices and counts
 * as numbers, {@code VSPort} and a few others as strings, repeated objects as arrays; CRLF line ends.
 */
final class JsonRenderer {

    static final String CONTENT_TYPE = "application/json";
    private static final String CRLF = "\r\n";

    private JsonRenderer() {}

    static byte[] reply(Reply reply) {
        Entries data = Views.data(reply, Format.JSON);
        StringBuilder s = new StringBuilder("{ \"code\": 200,").append(CRLF);
        if (data == null) {
            s.append("  \"message\": ")
                    .append(string(((Reply.Message) reply).text()))
                    .append(',')
                    .append(CRLF);
        } else {
            for (Entries.Entry e : data.list()) {
                s.append(' ');
                entry(s, e);
                s.append(',').append(CRLF);
            }
        }
        return bytes(s.append("  \"status\": \"ok\"").append(CRLF).append('}').append(CRLF));
    }

    /** {@code {"code": 422, "message": "Unknown VS", "status": "fail"}}. */
    static byte[] error(int stat, String text) {
        return bytes(new StringBuilder("{ \"code\": ")
                .append(stat)
                .append(',')
                .append(CRLF)
                .append("  \"message\": ")
                .append(string(text))
                .append(',')
                .append(CRLF)
                .append("  \"status\": \"fail\"")
                .append(CRLF)
                .append('}')
                .append(CRLF));
    }

    private static void object(StringBuilder s, Entries entries) {
        s.append('{');
        boolean first = true;
        for (Entries.Entry e : entries.list()) {
            s.append(first ? "  " : "," + CRLF + " ");
            entry(s, e);
            first = false;
        }
        s.append(CRLF).append(" }");
    }

    private static void entry(StringBuilder s, Entries.Entry e) {
        s.append(string(e.name())).append(" : ");
        if (e instanceof Entries.Leaf leaf) {
            switch (leaf.kind()) {
                case INT -> s.append(leaf.value());
                case FLAG -> s.append("Y".equals(leaf.value()) ? "true" : "false");
                default -> s.append(string(leaf.value()));
            }
        } else if (e instanceof Entries.Opts opts) {
            s.append('[').append(CRLF);
            for (int i = 0; i < opts.values().size(); i++) {
                s.append(string(opts.values().get(i)))
                        .append(i + 1 < opts.values().size() ? "," : "")
                        .append(CRLF);
            }
            s.append(']');
        } else {
            Entries.Group group = (Entries.Group) e;
            s.append('[').append(CRLF);
            for (int i = 0; i < group.items().size(); i++) {
                object(s, group.items().get(i));
                s.append(i + 1 < group.items().size() ? "," : "").append(CRLF);
            }
            s.append(']');
        }
    }

    /** A JSON string literal: quotes, backslashes and control characters escaped, nothing else. */
    static String string(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static byte[] bytes(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }
}
