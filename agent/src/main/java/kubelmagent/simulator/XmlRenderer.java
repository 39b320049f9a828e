package kubelmagent.simulator;

import java.nio.charset.StandardCharsets;

/**
 * Writes APIv1 answers byte for byte in the captured layout: the ISO-8859-1 declaration, CRLF line
 * ends, {@code <Response stat=".." code="ok|fail">}, then {@code <Success><Data>...</Data></Success>},
 * {@code <Success>Command completed ok</Success>} or {@code <Error>text</Error>}. Characters outside
 * ISO-8859-1 are written as character references.
 */
final class XmlRenderer {

    static final String CONTENT_TYPE = "text/xml";
    private static final String CRLF = "\r\n";
    private static final String DECLARATION = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + CRLF;

    private XmlRenderer() {}

    static byte[] reply(Reply reply) {
        Entries data = Views.data(reply, Format.XML);
        StringBuilder s = new StringBuilder(DECLARATION)
                .append("<Response stat=\"200\" code=\"ok\">")
                .append(CRLF);
        if (data == null) {
            s.append("<Success>")
                    .append(escape(((Reply.Message) reply).text()))
                    .append("</Success>")
                    .append(CRLF);
        } else {
            s.append("<Success><Data>");
            entries(s, data);
            s.append("</Data></Success>").append(CRLF);
        }
        return bytes(s.append("</Response>").append(CRLF));
    }

    static byte[] error(int stat, String text) {
        return bytes(new StringBuilder(DECLARATION)
                .append("<Response stat=\"")
                .append(stat)
                .append("\" code=\"fail\">")
                .append(CRLF)
                .append("<Error>")
                .append(escape(text))
                .append("</Error>")
                .append(CRLF)
                .append("</Response>")
                .append(CRLF));
    }

    private static void entries(StringBuilder s, Entries entries) {
        for (Entries.Entry e : entries.list()) {
            if (e instanceof Entries.Leaf leaf) {
                element(s, leaf.name(), leaf.value());
            } else if (e instanceof Entries.Opts opts) {
                s.append('<').append(opts.name()).append('>').append(CRLF);
                for (String v : opts.values()) {
                    element(s, "Opt", v);
                }
                s.append("</").append(opts.name()).append('>').append(CRLF);
            } else {
                Entries.Group group = (Entries.Group) e;
                for (Entries item : group.items()) {
                    s.append('<').append(group.name()).append('>').append(CRLF);
                    entries(s, item);
                    s.append("</").append(group.name()).append('>').append(CRLF);
                }
            }
        }
    }

    private static void element(StringBuilder s, String name, String value) {
        s.append('<')
                .append(name)
                .append('>')
                .append(escape(value))
                .append("</")
                .append(name)
                .append('>')
                .append(CRLF);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> {
                    if (c > 0xff || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
                        int cp = Character.codePointAt(text, i);
                        if (Character.isSupplementaryCodePoint(cp)) {
                            i++;
                        }
                        out.append("&#").append(cp).append(';');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    private static byte[] bytes(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
