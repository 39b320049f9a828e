package kubelmagent.loadmaster;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import kubelmagent.model.IpAddress;
import kubelmagent.model.Member;
import kubelmagent.model.RealServer;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads APIv1 XML answers: the {@code <Response stat=".." code="..">} envelope and the {@code showvs}
 * and {@code listvs} data inside it.
 *
 * <p>The body is parsed as bytes, so the parser honours the declared encoding
 * ({@code ISO-8859-1} on real appliances). A DOCTYPE fails the parse, so no entity is expanded and
 * nothing outside the body is loaded (no external DTD, entity or XInclude). Values are read
 * leniently: text is trimmed, numbers may carry whitespace, booleans may be {@code Y/N}, {@code 1/0}
 * or {@code true/false} in any case, and optional elements that older firmware omits
 * ({@code DnsName}, {@code RateLimit}, {@code Follow}, {@code Nrules}, ...) are not needed. Addresses
 * ({@code VSAddress}, an {@code <Rs>}'s {@code Addr}), IPv4 or IPv6, are read in canonical form
 * ({@link IpAddress#canonical}), so an answer spelling {@code FD00:0:0:0:0:0:0:1} reads as {@code fd00::1}.
 */
final class LoadMasterXml {

    /** Longest error text or parser message quoted in an operator-facing message. */
    private static final int MAX_QUOTED = 200;

    /** Real Server defaults on the LoadMaster, used when an element is missing. */
    private static final int DEFAULT_WEIGHT = 1000;

    private LoadMasterXml() {}

    /**
     * A parsed envelope.
     *
     * @param stat      the {@code stat} attribute, or -1 when absent or not a number
     * @param ok        {@code code="ok"} (or, without a {@code code}, a {@code <Success>} and no {@code <Error>})
     * @param success   the {@code <Success>} element, or null
     * @param errorText the {@code <Error>} text, trimmed and on one line, or null when absent or blank
     */
    record Envelope(int stat, boolean ok, Element success, String errorText) {}

    /** The body is not a LoadMaster XML envelope; {@link #getMessage()} is a short reason for operators. */
    static final class NotAnEnvelopeException extends Exception {
        private static final long serialVersionUID = 1L;

        NotAnEnvelopeException(String reason) {
            super(reason);
        }
    }

    /** The envelope is fine but its data cannot be turned into the model; the message says where. */
    static final class UnreadableDataException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableDataException(String reason) {
            super(reason);
        }
    }

    static Envelope envelope(byte[] body) throws NotAnEnvelopeException {
        expectXml(body);
        Document document;
        try {
            document = builder().parse(new ByteArrayInputStream(body));
        } catch (SAXException | IOException e) {
            throw unparsable(body, e);
        }
        Element root = document.getDocumentElement();
        expectResponse(root.getTagName());
        Element success = firstChild(root, "Success");
        Element error = firstChild(root, "Error");
        String errorText = error == null ? null : errorText(error.getTextContent());
        String code = root.hasAttribute("code") ? root.getAttribute("code").strip() : null;
        boolean ok = code != null ? code.equalsIgnoreCase("ok") : success != null && error == null;
        return new Envelope(parseIntOr(root.getAttribute("stat"), -1), ok, success, errorText);
    }

    /**
     * Turns a {@code showvs} answer's {@code <Success>} into a {@link VirtualService}: the flat VS
     * fields under {@code <Data>}, the {@code <Rs>} children and the {@code <SubVS>} children.
     */
    static VirtualService virtualService(Element success, VirtualServiceId requested) throws UnreadableDataException {
        Element data = data(success);
        int index = intOr(data, "Index", requested.index(), "<Index>");
        if (index != requested.index()) {
            throw new UnreadableDataException("it describes VS " + index + ", not VS " + requested);
        }
        return virtualServiceIn(data, VirtualServiceId.of(index));
    }

    /**
     * A {@code listvs} answer, read as it streams: its envelope (with no {@code success} element kept) and, when it
     * has a {@code <Success>}, the Virtual Services it lists, or why they cannot be read.
     *
     * @param list       the Virtual Services, when they could be read; else null
     * @param unreadable why the list cannot be read, when it cannot (also when there is no {@code <Success>} or
     *                   no {@code <Data>} in it); else null
     */
    record ListAnswer(Envelope envelope, VirtualServiceList list, UnreadableDataException unreadable) {}

    /**
     * Reads a {@code listvs} answer without holding the whole document: a LoadMaster with 1,000 Virtual Services
     * of 20 Real Servers answers some 9 MB, whose DOM would not fit the agent's heap. Only one {@code <VS>} at a
     * time is held as a DOM element, and read as {@link #virtualService} reads a {@code showvs} answer's {@code
     * <Data>}; the envelope is judged as {@link #envelope} judges it, with the same messages.
     *
     * <p>The list: one {@code <VS>} under {@code <Data>} per VS, SubVSs included. An empty {@code <Data>} is a
     * LoadMaster without Virtual Services. A VS whose fields cannot be read is listed as unreadable with the
     * reason. Anything else under {@code <Data>}, a {@code <VS>} without a valid {@code <Index>}, or an Index
     * listed twice makes the whole answer unreadable: it is then not known which VSs the answer lists, and a VS it
     * seems to leave out must not look deleted.
     */
    static ListAnswer listAnswer(byte[] body) throws NotAnEnvelopeException {
        expectXml(body);
        try {
            XMLStreamReader xml = STAX.get().createXMLStreamReader(new ByteArrayInputStream(body));
            try {
                return listAnswer(xml);
            } finally {
                xml.close();
            }
        } catch (XMLStreamException e) {
            throw unparsable(body, e);
        }
    }

    /** A body that is empty, or does not start with {@code <}, is not worth parsing. */
    private static void expectXml(byte[] body) throws NotAnEnvelopeException {
        int start = firstSignificantByte(body);
        if (start < 0) {
            throw new NotAnEnvelopeException("empty body");
        }
        if (body[start] != '<') {
            throw new NotAnEnvelopeException("not XML");
        }
    }

    /** Why a body the parser refused is not an envelope. */
    private static NotAnEnvelopeException unparsable(byte[] body, Exception e) {
        if (looksLikeHtml(body)) {
            return new NotAnEnvelopeException("an HTML page");
        }
        if (hasDoctype(body)) {
            // The parser refused it; say why in plain words rather than with the parser's feature URL.
            return new NotAnEnvelopeException("malformed XML: it contains a DOCTYPE declaration,"
                    + " which LoadMaster answers never have and the agent refuses");
        }
        return new NotAnEnvelopeException("malformed XML: " + shorten(oneLine(String.valueOf(e.getMessage()))));
    }

    /** An envelope's root is {@code <Response>}. */
    private static void expectResponse(String root) throws NotAnEnvelopeException {
        if (!"Response".equals(root)) {
            if ("html".equalsIgnoreCase(root)) {
                throw new NotAnEnvelopeException("an HTML page");
            }
            throw new NotAnEnvelopeException("root element <" + shorten(root) + ">, expected <Response>");
        }
    }

    private static ListAnswer listAnswer(XMLStreamReader xml) throws XMLStreamException, NotAnEnvelopeException {
        String root = null;
        while (xml.hasNext()) {
            int event = xml.next();
            if (event == XMLStreamConstants.DTD) {
                throw new XMLStreamException("DOCTYPE");
            }
            if (event == XMLStreamConstants.START_ELEMENT) {
                root = xml.getLocalName();
                break;
            }
        }
        if (root == null) {
            throw new XMLStreamException("no root element");
        }
        expectResponse(root);
        String statText = xml.getAttributeValue(null, "stat");
        String code = xml.getAttributeValue(null, "code");
        boolean success = false;
        boolean error = false;
        String errorText = null;
        VirtualServiceList list = null;
        UnreadableDataException unreadable = null;
        while (nextChild(xml)) {
            String name = xml.getLocalName();
            if ("Success".equals(name) && !success) {
                success = true;
                try {
                    list = successList(xml);
                } catch (UnreadableDataException e) {
                    unreadable = e;
                }
            } else if ("Error".equals(name) && !error) {
                error = true;
                errorText = errorText(elementText(xml));
            } else {
                skipElement(xml);
            }
        }
        while (xml.hasNext()) {
            xml.next(); // to the end: what follows the root must be well-formed too
        }
        if (list == null && unreadable == null) {
            unreadable = new UnreadableDataException("no <Data> in <Success>");
        }
        String trimmedCode = code == null ? null : code.strip();
        boolean ok = trimmedCode != null ? trimmedCode.equalsIgnoreCase("ok") : success && !error;
        Envelope envelope = new Envelope(parseIntOr(statText == null ? "" : statText, -1), ok, null, errorText);
        return new ListAnswer(envelope, list, unreadable);
    }

    /**
     * Reads the {@code <Success>} the reader is at, to its end: the list in its first {@code <Data>}, or null when
     * it has none.
     */
    private static VirtualServiceList successList(XMLStreamReader xml)
            throws XMLStreamException, UnreadableDataException {
        VirtualServiceList list = null;
        UnreadableDataException unreadable = null;
        while (nextChild(xml)) {
            if ("Data".equals(xml.getLocalName()) && list == null && unreadable == null) {
                try {
                    list = dataList(xml);
                } catch (UnreadableDataException e) {
                    unreadable = e;
                    skipRest(xml);
                }
            } else {
                skipElement(xml);
            }
        }
        if (unreadable != null) {
            throw unreadable;
        }
        return list;
    }

    /** Reads the {@code <Data>} the reader is at, to its end. */
    private static VirtualServiceList dataList(XMLStreamReader xml) throws XMLStreamException, UnreadableDataException {
        Document document = BUILDERS.get().newDocument();
        Map<VirtualServiceId, VirtualService> read = new TreeMap<>();
        Map<VirtualServiceId, String> unreadable = new TreeMap<>();
        int n = 0;
        while (nextChild(xml)) {
            String name = xml.getLocalName();
            if (!"VS".equals(name)) {
                skipElement(xml);
                throw new UnreadableDataException(
                        "<Data> holds <" + shorten(name) + ">, where a list has only <VS> elements");
            }
            n++;
            Element vs = copyElement(xml, document);
            VirtualServiceId id = vsId(vs, "Index", "<VS> #" + n);
            if (read.containsKey(id) || unreadable.containsKey(id)) {
                throw new UnreadableDataException("VS " + id + " is listed twice");
            }
            try {
                read.put(id, virtualServiceIn(vs, id));
            } catch (UnreadableDataException e) {
                unreadable.put(id, e.getMessage());
            }
        }
        return new VirtualServiceList(read, unreadable);
    }

    /** Moves to the next child element of the element the reader is in; false at that element's end. */
    private static boolean nextChild(XMLStreamReader xml) throws XMLStreamException {
        while (xml.hasNext()) {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                return true;
            }
            if (event == XMLStreamConstants.END_ELEMENT) {
                return false;
            }
        }
        throw new XMLStreamException("the document ends inside an element");
    }

    /** Skips the element the reader is at (at its start), to its end. */
    private static void skipElement(XMLStreamReader xml) throws XMLStreamException {
        int depth = 1;
        while (depth > 0) {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                depth++;
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
            }
        }
    }

    /** Skips the rest of the element the reader is in, to its end. */
    private static void skipRest(XMLStreamReader xml) throws XMLStreamException {
        while (nextChild(xml)) {
            skipElement(xml);
        }
    }

    /** All the text inside the element the reader is at, as DOM's {@code getTextContent}; to its end. */
    private static String elementText(XMLStreamReader xml) throws XMLStreamException {
        StringBuilder text = new StringBuilder();
        int depth = 1;
        while (depth > 0) {
            int event = xml.next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> depth++;
                case XMLStreamConstants.END_ELEMENT -> depth--;
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
                    text.append(xml.getText());
                default -> {}
            }
        }
        return text.toString();
    }

    /** The element the reader is at, to its end, as a DOM element of {@code document} (elements and text only). */
    private static Element copyElement(XMLStreamReader xml, Document document) throws XMLStreamException {
        Element top = document.createElement(xml.getLocalName());
        Element current = top;
        while (true) {
            int event = xml.next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> {
                    Element child = document.createElement(xml.getLocalName());
                    current.appendChild(child);
                    current = child;
                }
                case XMLStreamConstants.END_ELEMENT -> {
                    if (current == top) {
                        return top;
                    }
                    current = (Element) current.getParentNode();
                }
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
                    current.appendChild(document.createTextNode(xml.getText()));
                default -> {}
            }
        }
    }

    private static Element data(Element success) throws UnreadableDataException {
        Element data = success == null ? null : firstChild(success, "Data");
        if (data == null) {
            throw new UnreadableDataException("no <Data> in <Success>");
        }
        return data;
    }

    /** The VS whose fields, {@code <Rs>} and {@code <SubVS>} children are the children of {@code fields}. */
    private static VirtualService virtualServiceIn(Element fields, VirtualServiceId id) throws UnreadableDataException {
        // Canonical, as every address the agent compares: FD00:0:0::5 and fd00::5 are one VS address.
        String address = IpAddress.canonical(textOr(fields, "VSAddress", ""));
        int port = intOr(fields, "VSPort", 0, "<VSPort>");
        String protocol = textOr(fields, "Protocol", "");
        String nickName = textOr(fields, "NickName", "");
        int masterVs = intOr(fields, "MasterVS", 0, "<MasterVS>");
        int masterVsId = intOr(fields, "MasterVSID", 0, "<MasterVSID>");
        boolean transparent = booleanOr(fields, "Transparent", false, "<Transparent>");

        List<VirtualServiceId> subVsIds = new ArrayList<>();
        int n = 0;
        for (Element sub : children(fields, "SubVS")) {
            n++;
            subVsIds.add(vsId(sub, "VSIndex", "<SubVS> #" + n));
        }

        List<RealServer> realServers = new ArrayList<>();
        n = 0;
        for (Element rs : children(fields, "Rs")) {
            n++;
            realServers.add(realServer(rs, "<Rs> #" + n));
        }
        // MasterVS above 0 makes it a parent even if its SubVSs are not listed: never add RS to it.
        return new VirtualService(
                id,
                address,
                port,
                protocol,
                nickName,
                subVsIds,
                masterVs > 0,
                realServers,
                masterVsId > 0 ? VirtualServiceId.of(masterVsId) : null,
                transparent);
    }

    /**
     * The value of one global setting in a {@code get param=<name>} answer,
     * {@code <Data><name>value</name></Data>}, as a yes/no flag.
     */
    static boolean flagSetting(Element success, String name) throws UnreadableDataException {
        Element data = success == null ? null : firstChild(success, "Data");
        if (data == null || firstChild(data, name) == null) {
            throw new UnreadableDataException("no <Data><" + name + "> in <Success>");
        }
        return booleanOr(data, name, false, "<" + name + ">");
    }

    /** The VS id in {@code <name>} of {@code parent} ({@code where}, for messages): a number above 0. */
    private static VirtualServiceId vsId(Element parent, String name, String where) throws UnreadableDataException {
        int index = intOr(parent, name, 0, where + " <" + name + ">");
        if (index <= 0) {
            throw new UnreadableDataException(where + " has no valid <" + name + ">");
        }
        return VirtualServiceId.of(index);
    }

    private static RealServer realServer(Element rs, String where) throws UnreadableDataException {
        int rsIndex = intOr(rs, "RsIndex", 0, where + " <RsIndex>");
        String addr = textOr(rs, "Addr", "");
        if (addr.isEmpty()) {
            throw new UnreadableDataException(where + " has no <Addr>");
        }
        int port = intOr(rs, "Port", 0, where + " <Port>");
        Member member;
        try {
            member = new Member(addr, port);
        } catch (IllegalArgumentException e) {
            throw new UnreadableDataException(where + " (" + shorten(addr) + "): " + e.getMessage());
        }
        boolean enabled = booleanOr(rs, "Enable", true, where + " <Enable>");
        int weight = intOr(rs, "Weight", DEFAULT_WEIGHT, where + " <Weight>");
        return new RealServer(rsIndex, member, enabled, weight);
    }

    // ---- lenient values

    private static String textOr(Element parent, String name, String fallback) {
        Element e = firstChild(parent, name);
        return e == null ? fallback : e.getTextContent().strip();
    }

    private static int intOr(Element parent, String name, int fallback, String where) throws UnreadableDataException {
        Element e = firstChild(parent, name);
        if (e == null) {
            return fallback;
        }
        String text = e.getTextContent().strip();
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException ex) {
            throw new UnreadableDataException(where + " is not a number (got \"" + shorten(text) + "\")");
        }
    }

    private static boolean booleanOr(Element parent, String name, boolean fallback, String where)
            throws UnreadableDataException {
        Element e = firstChild(parent, name);
        if (e == null) {
            return fallback;
        }
        String text = e.getTextContent().strip().toLowerCase(Locale.ROOT);
        switch (text) {
            case "":
                return fallback;
            case "y":
            case "yes":
            case "1":
            case "true":
                return true;
            case "n":
            case "no":
            case "0":
            case "false":
                return false;
            default:
                throw new UnreadableDataException(where + " is not Y or N (got \"" + shorten(text) + "\")");
        }
    }

    private static int parseIntOr(String text, int fallback) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    // ---- DOM helpers

    private static Element firstChild(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && name.equals(((Element) n).getTagName())) {
                return (Element) n;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> result = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && name.equals(((Element) n).getTagName())) {
                result.add((Element) n);
            }
        }
        return result;
    }

    /**
     * Each thread's parser, made once: making one looks up the JDK's XML implementation and configures it, which
     * cost more than parsing a LoadMaster answer. Reset before each use, as a reused parser must be.
     */
    private static final ThreadLocal<DocumentBuilder> BUILDERS = ThreadLocal.withInitial(LoadMasterXml::newBuilder);

    /** Each thread's StAX factory, configured as the DOM parser is: no DTD, no external entity. */
    private static final ThreadLocal<XMLInputFactory> STAX = ThreadLocal.withInitial(() -> {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, false);
        return factory;
    });

    private static DocumentBuilder builder() {
        DocumentBuilder builder = BUILDERS.get();
        builder.reset();
        builder.setErrorHandler(QUIET);
        return builder;
    }

    private static DocumentBuilder newBuilder() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            factory.setNamespaceAware(false);
            factory.setValidating(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(QUIET);
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a required feature: " + e.getMessage(), e);
        }
    }

    /** Throws instead of printing {@code [Fatal Error]} lines to stderr, as the default handler does. */
    private static final ErrorHandler QUIET = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {
            // ignored
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    };

    // ---- text helpers

    private static int firstSignificantByte(byte[] body) {
        int i = 0;
        if (body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb && (body[2] & 0xff) == 0xbf) {
            i = 3; // UTF-8 byte order mark
        }
        for (; i < body.length; i++) {
            if (!Character.isWhitespace((char) (body[i] & 0xff))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean looksLikeHtml(byte[] body) {
        String head =
                new String(body, 0, Math.min(body.length, 1024), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        return head.contains("<html") || head.contains("<!doctype html");
    }

    /** Whether the body, read as ASCII-compatible bytes, declares a document type. */
    private static boolean hasDoctype(byte[] body) {
        return new String(body, StandardCharsets.ISO_8859_1).contains("<!DOCTYPE");
    }

    private static String errorText(String raw) {
        String text = oneLine(raw);
        return text.isEmpty() ? null : shorten(text);
    }

    /** Trims, and joins lines with single spaces. */
    static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    static String shorten(String text) {
        return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
    }
}
