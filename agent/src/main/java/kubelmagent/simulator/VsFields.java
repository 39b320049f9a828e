package kubelmagent.simulator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of a Virtual Service in the order, kinds and defaults of the captured {@code showvs},
 * {@code listvs}, {@code addvs} and {@code modvs} answers.
 *
 * <p>Derived fields (Status, Index, VSAddress, VSPort, Layer, Protocol, MasterVS, MasterVSID,
 * NumberOfRSs) come from the VS itself. All others are settings: {@code addvs} and {@code modvs}
 * set them by a parameter of the same name in any case ({@code nickname=web}, {@code checkhost=...}).
 * Optional fields (NickName, DefaultGW, CheckHost, CheckUrl, CheckCodes) appear only when set, as in
 * the captures.
 *
 * <p>The two formats differ where the captures differ: XML has {@code ResponseStatusRemap} and
 * {@code ResponseRemapMsgFormat}, JSON does not; JSON lists CheckCodes before CheckHost and CheckUrl,
 * XML after. The captures put DefaultGW at four different places; the simulator uses the
 * {@code addvs} capture's place in each format.
 */
final class VsFields {

    /** How a value is written: XML writes every kind as text; JSON as shown. */
    enum Kind {
        /** A JSON string. */
        TEXT,
        /** A JSON number. */
        INT,
        /** {@code Y}/{@code N} in XML, {@code true}/{@code false} in JSON. */
        FLAG,
        /** A number written as a JSON string ({@code VSPort}, {@code ErrorCode}, ...). */
        NUMTEXT,
        /** A list: {@code <X><Opt>a</Opt>...</X>} in XML, an array of strings in JSON. */
        OPTS
    }

    /**
     * @param derived  computed from the VS, not a setting
     * @param optional written only when not empty
     * @param xmlOnly  absent from APIv2 answers
     */
    record Field(String name, Kind kind, String defaultValue, boolean derived, boolean optional, boolean xmlOnly) {}

    private static final List<Field> XML;
    private static final List<Field> JSON;
    private static final Map<String, Field> SETTINGS;

    static {
        List<Field> head = List.of(
                derived("Status", Kind.TEXT),
                derived("Index", Kind.INT),
                derived("VSAddress", Kind.TEXT),
                derived("VSPort", Kind.NUMTEXT),
                derived("Layer", Kind.INT),
                optional("NickName"),
                flag("Enable", "Y"),
                flag("SSLReverse", "N"),
                flag("SSLReencrypt", "N"),
                num("InterceptMode", 0),
                flag("Intercept", "N"),
                opts("InterceptOpts", "opnormal;auditrelevant;reqdatadisable;resdatadisable"),
                num("AlertThreshold", 0),
                opts("OwaspOpts", "opnormal;auditnone;reqdatadisable;resdatadisable"));
        Field defaultGw = optional("DefaultGW");
        List<Field> waf = List.of(
                num("BlockingParanoia", 0),
                flag("IPReputationBlocking", "N"),
                num("ExecutingParanoia", 0),
                num("AnomalyScoringThreshold", 0),
                num("PCRELimit", 0),
                num("JSONDLimit", 0));
        List<Field> middle = List.of(
                num("BodyLimit", 0),
                num("Transactionlimit", 0),
                flag("Transparent", "N"),
                flag("SubnetOriginating", "Y"),
                num("ServerInit", 0),
                num("StartTLSMode", 0),
                num("Idletime", 660),
                flag("Cache", "N"),
                flag("Compress", "N"),
                num("Verify", 0),
                flag("UseforSnat", "N"),
                flag("ForceL4", "N"),
                flag("ForceL7", "Y"),
                flag("MultiConnect", "N"),
                num("ClientCert", 0),
                num("SecurityHeaderOptions", 0),
                num("SameSite", 0),
                flag("VerifyBearer", "N"),
                numText("ErrorCode", "0"),
                flag("CheckUse1.1", "N"),
                num("MatchLen", 0),
                num("CheckUseGet", 0),
                numText("SSLRewrite", "0"),
                text("VStype", "http"),
                num("FollowVSID", 0),
                derived("Protocol", Kind.TEXT),
                text("Schedule", "rr"),
                text("CheckType", "http"),
                numText("PersistTimeout", "0"),
                numText("CheckPort", "0"));
        Field checkHost = optional("CheckHost");
        Field checkUrl = optional("CheckUrl");
        Field checkCodes = optional("CheckCodes");
        List<Field> tail = List.of(
                flag("HTTPReschedule", "N"),
                num("NRules", 0),
                num("NRequestRules", 0),
                num("NResponseRules", 0),
                num("NMatchBodyRules", 0),
                num("NPreProcessRules", 0),
                flag("EspEnabled", "N"),
                num("InputAuthMode", 0),
                num("OutputAuthMode", 0),
                derived("MasterVS", Kind.INT),
                derived("MasterVSID", Kind.INT),
                num("IsTransparent", 2),
                num("AddVia", 0),
                num("QoS", 0),
                numText("TlsType", "0"),
                flag("NeedHostName", "N"),
                flag("OCSPVerify", "N"),
                flag("AllowHTTP2", "N"),
                flag("PassCipher", "N"),
                flag("PassSni", "N"),
                num("ChkInterval", 0),
                num("ChkTimeout", 0),
                num("ChkRetryCount", 0),
                num("Bandwidth", 0),
                num("ConnsPerSecLimit", 0),
                num("RequestsPerSecLimit", 0),
                num("MaxConnsLimit", 0),
                flag("RefreshPersist", "N"),
                new Field("ResponseStatusRemap", Kind.FLAG, "N", false, false, true),
                new Field("ResponseRemapMsgFormat", Kind.INT, "0", false, false, true),
                flag("EnhancedHealthChecks", "N"),
                num("RsMinimum", 0),
                derived("NumberOfRSs", Kind.INT));

        List<Field> xml = new ArrayList<>(head);
        xml.add(defaultGw);
        xml.addAll(waf);
        xml.addAll(middle);
        xml.addAll(List.of(checkHost, checkUrl, checkCodes));
        xml.addAll(tail);
        XML = Collections.unmodifiableList(xml);

        List<Field> json = new ArrayList<>(head);
        json.addAll(waf);
        json.add(defaultGw);
        json.addAll(middle);
        json.addAll(List.of(checkCodes, checkHost, checkUrl));
        tail.stream().filter(f -> !f.xmlOnly()).forEach(json::add);
        JSON = Collections.unmodifiableList(json);

        Map<String, Field> settings = new LinkedHashMap<>();
        for (Field f : XML) {
            if (!f.derived() && f.kind() != Kind.OPTS) {
                settings.put(f.name().toLowerCase(Locale.ROOT), f);
            }
        }
        SETTINGS = Collections.unmodifiableMap(settings);
    }

    private VsFields() {}

    /** The fields in the order the given format writes them. */
    static List<Field> order(Format format) {
        return format == Format.XML ? XML : JSON;
    }

    /** The setting a parameter names (case-insensitive), or null. */
    static Field setting(String parameter) {
        return SETTINGS.get(parameter.toLowerCase(Locale.ROOT));
    }

    /** Every setting with its default value, by element name (optional ones empty). */
    static Map<String, String> defaults() {
        Map<String, String> values = new LinkedHashMap<>();
        for (Field f : SETTINGS.values()) {
            values.put(f.name(), f.defaultValue());
        }
        return values;
    }

    /** The default entries of a list field such as {@code InterceptOpts}. */
    static List<String> opts(Field f) {
        return List.of(f.defaultValue().split(";"));
    }

    private static Field derived(String name, Kind kind) {
        return new Field(name, kind, "", true, false, false);
    }

    private static Field optional(String name) {
        return new Field(name, Kind.TEXT, "", false, true, false);
    }

    private static Field flag(String name, String value) {
        return new Field(name, Kind.FLAG, value, false, false, false);
    }

    private static Field num(String name, int value) {
        return new Field(name, Kind.INT, Integer.toString(value), false, false, false);
    }

    private static Field numText(String name, String value) {
        return new Field(name, Kind.NUMTEXT, value, false, false, false);
    }

    private static Field text(String name, String value) {
        return new Field(name, Kind.TEXT, value, false, false, false);
    }

    private static Field opts(String name, String values) {
        return new Field(name, Kind.OPTS, values, false, false, false);
    }
}
