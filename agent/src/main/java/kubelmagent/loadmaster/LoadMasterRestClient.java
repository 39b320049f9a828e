package kubelmagent.loadmaster;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import kubelmagent.http.ApiObserver;
import kubelmagent.http.Backoff;
import kubelmagent.http.HttpClients;
import kubelmagent.http.NoAnswer;
import kubelmagent.http.Readings;
import kubelmagent.http.Redaction;
import kubelmagent.http.Reply;
import kubelmagent.http.RetryRule;
import kubelmagent.http.Transport;
import kubelmagent.log.Log;
import kubelmagent.model.IpAddress;
import kubelmagent.model.Member;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;
import kubelmagent.secret.Secret;
import kubelmagent.secret.SecretFile;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.w3c.dom.Element;

/**
 * {@link LoadMaster} over the LoadMaster's APIv1: {@code POST <url>/access/<command>} with the parameters
 * in a form body, answers in XML.
 *
 * <p><b>Requests.</b> Every call is a {@code POST} to exactly {@code /access/<command>} (after any path
 * in {@code loadmaster.url}), with no query string, {@code Content-Type:
 * application/x-www-form-urlencoded} and all parameters in the body, as Kemp's programmer guide
 * recommends because form parameters "are not passed in the URL" (the appliance takes {@code GET}
 * query parameters and {@code POST} form parameters alike). Parameters go in a fixed order:
 * {@code vs}, {@code rs}, {@code rsport}, {@code non_local} (on {@code addrs} and {@code modrs} when
 * {@link LoadMasterConnection#nonLocal()}), {@code enable} or {@code param}, then {@code apikey} when an
 * API key is configured, e.g. {@code vs=3&rs=10.244.1.7&rsport=8080&non_local=1&apikey=...} ({@code listvs}
 * has no parameters: {@code apikey=...} alone, or an empty body). An IPv6 Real Server goes in its canonical
 * form ({@link Member} keeps it so), percent-encoded: {@code rs=fd00%3A%3A1}. Without an
 * API key the client sends HTTP Basic credentials from username and password in an
 * {@code Authorization} header. So no credential is ever part of a request line, which proxies and
 * web servers log.
 *
 * <p><b>Answers.</b> A call succeeds when the HTTP status is 2xx and the envelope says
 * {@code code="ok"}. Otherwise it throws a {@link LoadMasterException} whose message names the
 * command and its non-secret parameters, never the request body (which carries the API key) nor a
 * credential:
 * <ul>
 *   <li>{@code showvs vs=3: LoadMaster answered 422 "Unknown VS"} (as an
 *       {@link UnknownVirtualServiceException}); any other {@code <Error>} text likewise, with the
 *       HTTP status;</li>
 *   <li>401, 403 and 404 carry a hint at the usual cause;</li>
 *   <li>{@code showvs vs=3: no answer from LoadMaster https://10.0.0.2 (SocketTimeoutException: Read timed out)}
 *       with status 0 (refused, timed out, TLS failure, connection dropped);</li>
 *   <li>{@code showvs vs=3: LoadMaster sent a response that is not a LoadMaster XML envelope (malformed XML: ...)}
 *       for a 2xx answer that cannot be read, with status 0: the LoadMaster did not refuse, and a
 *       write may have taken effect;</li>
 *   <li>other statuses without an envelope: {@code LoadMaster answered 500 with no LoadMaster XML envelope (an HTML page)}.</li>
 * </ul>
 *
 * <p><b>Retries.</b> Reads ({@code listvs}, {@code showvs}, {@code get}) are tried up to three times ({@link Backoff#READS}: capped
 * exponential backoff with full jitter, at most 0.6 s of waiting) when no answer came (connection
 * refused, reset or dropped, timeout, an answer cut short) or the LoadMaster answered 5xx; never after a
 * 4xx (429 included), a refusal in the envelope, an answer that cannot be read, or a TLS failure: the
 * one {@link RetryRule} of both clients, with 429 not worth retrying. {@code addrs}, {@code delrs} and
 * {@code modrs} are never retried this way: the first attempt may have taken effect, so the caller
 * reads the VS again on its next pass instead.
 *
 * <p><b>401.</b> When the credential came from a file ({@link LoadMasterConnection#apiKeyFile()} or
 * {@link LoadMasterConnection#passwordFile()}), a 401 makes the client read that file again and send
 * the same call once more with what it holds (a 401 means the call was not executed, so this holds for
 * writes too); later calls use it as well. If the LoadMaster still answers 401:
 * {@code showvs vs=3: LoadMaster at https://10.0.0.2 refused the API key in /etc/kube-lm-agent/lm-apikey
 * (401 Unauthorized), also after reading the file again; check that ...}. If the file cannot be read,
 * the message names it and says why. Without a file, a 401 fails at once with {@link #HINT_401}.
 *
 * <p>Each request is logged at debug level with the command, its non-secret parameters, the status
 * and the elapsed time.
 *
 * <p>Thread-safe. The connection pool holds {@link LoadMasterConnection#maxInFlight()} connections (at least 4),
 * so the writes a pass sends at once never wait for one another's connection.
 */
public final class LoadMasterRestClient implements LoadMaster, AutoCloseable {

    private static final Log LOG = Log.get(LoadMasterRestClient.class);

    /** Answers larger than this are not read to the end (a VS with thousands of RSs is a few MiB). */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    /** Form parameters, percent-encoded as UTF-8 (so the body itself is ASCII); no charset parameter. */
    private static final ContentType FORM = ContentType.create("application/x-www-form-urlencoded");

    static final String HINT_401 = "check the API key in loadmaster.apiKeyFile (or username/passwordFile)"
            + " and that the user may use the API";
    static final String HINT_403 =
            "the API user lacks permission for Real Server changes" + " (System Administration > User Management)";
    static final String HINT_404 = "the API is disabled or the URL is wrong;"
            + " enable it under Certificates & Security > Remote Access > Enable API Interface";

    private final LoadMasterConnection connection;
    private final String base;
    /** Reads are retried per the one rule; a 429 is a refusal, as any other 4xx. */
    private final RetryRule retries;

    private final Transport transport;
    /** The last {@code listvs}, not parsed again while the LoadMaster answers the same. */
    private final Readings readings = new Readings();
    /** Whether the client authenticates with an API key; otherwise with HTTP Basic, if a username is set. */
    private final boolean usesApiKey;
    /** The file to read again after a 401, or null when the credential was not given as a file. */
    private final Path credentialFile;
    /**
     * The credentials in use: those configured, until a 401 makes the client read the file again. Volatile: with
     * {@code loadmaster.maxInFlight} above 1 the writes of a pass come from several threads.
     */
    private volatile Secret apiKey;

    private volatile Secret password;
    /**
     * The credential in use before the file was last read again, or null: a call sent with it by another thread
     * may still be under way, so messages keep masking it.
     */
    private volatile Secret previous;

    /** Whether a write may still be sent: asked as its body goes on the wire. */
    private final BooleanSupplier mayWrite;

    /** What a write is sent with: how long it may wait for its answer. */
    private final RequestConfig writeConfig;

    public LoadMasterRestClient(LoadMasterConnection c) {
        this(c, Backoff.READS, ApiObserver.NONE);
    }

    /** @param observer told how long each request took, for the metrics */
    public LoadMasterRestClient(LoadMasterConnection c, ApiObserver observer) {
        this(c, Backoff.READS, observer, () -> true, c.timeout());
    }

    /**
     * @param mayWrite    whether a write ({@code addrs}, {@code delrs}, {@code modrs}) may still be sent, asked as
     *                    its body goes on the wire, after the connection is made: with {@code ha}, whether this agent
     *                    still holds the Lease. A write it refuses is not sent: the LoadMaster gets at most the head
     *                    of a request cut short, never what to change.
     * @param writeWithin how long a write sent may wait for its answer before the client gives it up and drops the
     *                    connection: with {@code ha}, at most the time between the renew deadline and the end of the
     *                    lease, so that no write of this agent is still under way when the other may take over
     */
    public LoadMasterRestClient(
            LoadMasterConnection c, ApiObserver observer, BooleanSupplier mayWrite, Duration writeWithin) {
        this(c, Backoff.READS, observer, mayWrite, writeWithin);
    }

    /** With another backoff for reads; tests pass one without waits. */
    LoadMasterRestClient(LoadMasterConnection c, Backoff reads) {
        this(c, reads, ApiObserver.NONE, () -> true, c.timeout());
    }

    private LoadMasterRestClient(LoadMasterConnection c, Backoff reads, ApiObserver observer) {
        this(c, reads, observer, () -> true, c.timeout());
    }

    private LoadMasterRestClient(
            LoadMasterConnection c,
            Backoff reads,
            ApiObserver observer,
            BooleanSupplier mayWrite,
            Duration writeWithin) {
        this.mayWrite = Objects.requireNonNull(mayWrite, "mayWrite");
        this.writeConfig = HttpClients.requestConfig(
                c.timeout(), writeWithin.compareTo(c.timeout()) < 0 ? writeWithin : c.timeout());
        this.connection = Objects.requireNonNull(c, "connection");
        this.base = base(c.url());
        this.retries = new RetryRule(Objects.requireNonNull(reads, "reads"), false);
        this.usesApiKey = c.apiKey() != null && !c.apiKey().isEmpty();
        this.credentialFile = usesApiKey ? c.apiKeyFile() : c.username() != null ? c.passwordFile() : null;
        this.apiKey = c.apiKey();
        this.password = c.password();
        this.transport = Transport.create(
                c.tls(), c.timeout(), c.maxInFlight(), MAX_BODY_BYTES, Objects.requireNonNull(observer, "observer"));
    }

    @Override
    public String address() {
        return base;
    }

    /** Each VS that cannot be read is listed as unreadable with a message that names the command and the VS. */
    @Override
    public VirtualServiceList listVirtualServices() throws LoadMasterException {
        ApiCall call = ApiCall.listvs();
        return call(
                call,
                answer -> readings.read(call.command(), answer, VirtualServiceList.class, a -> {
                    // Read as it streams: the whole list as a DOM would not fit a small heap at 1,000 VSs.
                    LoadMasterXml.ListAnswer read =
                            judged(call, a, LoadMasterXml::listAnswer, LoadMasterXml.ListAnswer::envelope);
                    if (read.unreadable() != null) {
                        throw cannotRead(call, "a list of Virtual Services", read.unreadable());
                    }
                    Map<VirtualServiceId, String> unreadable = new TreeMap<>();
                    read.list()
                            .unreadable()
                            .forEach((id, why) -> unreadable.put(
                                    id,
                                    call.description() + ": LoadMaster sent VS " + id
                                            + " in a form the agent cannot read (" + why + ")"));
                    return new VirtualServiceList(read.list().virtualServices(), unreadable);
                }));
    }

    @Override
    public VirtualService showVirtualService(VirtualServiceId vs) throws LoadMasterException {
        ApiCall call = ApiCall.showvs(vs);
        Element success = call(call);
        try {
            return LoadMasterXml.virtualService(success, vs);
        } catch (LoadMasterXml.UnreadableDataException e) {
            throw cannotRead(call, "a Virtual Service", e);
        }
    }

    @Override
    public boolean nonLocalRealServersEnabled() throws LoadMasterException {
        ApiCall call = ApiCall.get("nonlocalrs");
        Element success = call(call);
        try {
            return LoadMasterXml.flagSetting(success, "nonlocalrs");
        } catch (LoadMasterXml.UnreadableDataException e) {
            throw cannotRead(call, "an answer", e);
        }
    }

    /** Accepts both answers: the created {@code <Rs>} in {@code <Data>}, and {@code Command completed ok}. */
    @Override
    public void addRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        call(ApiCall.addrs(vs, member, connection.nonLocal()));
    }

    @Override
    public void deleteRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        call(ApiCall.delrs(vs, member));
    }

    @Override
    public void setRealServerEnabled(VirtualServiceId vs, Member member, boolean enabled) throws LoadMasterException {
        call(ApiCall.modrs(vs, member, enabled, connection.nonLocal()));
    }

    @Override
    public void close() {
        transport.close();
    }

    /**
     * Sends the call (reads with retries) and returns the envelope's {@code <Success>} (null when
     * absent); after a 401, reads the credential file again and sends it once more.
     */
    private Element call(ApiCall call) throws LoadMasterException {
        return call(call, answer -> interpret(call, answer));
    }

    /** As {@link #call(ApiCall)}, with what is made of the answer: {@code reading} (which interprets it first). */
    private <T> T call(ApiCall call, Readings.Reading<T, LoadMasterException> reading) throws LoadMasterException {
        try {
            return callWithRetries(call, reading);
        } catch (LoadMasterException e) {
            if (e.status() != 401 || credentialFile == null) {
                throw e;
            }
            return callWithCredentialReadAgain(call, reading);
        }
    }

    private <T> T callWithCredentialReadAgain(ApiCall call, Readings.Reading<T, LoadMasterException> reading)
            throws LoadMasterException {
        String d = call.description();
        LOG.debug(d + ": LoadMaster answered 401 Unauthorized; reading the " + credentialName() + " again from "
                + credentialFile + " and trying once more");
        readCredentialAgain(call);
        try {
            T success = callWithRetries(call, reading);
            LOG.info(d + ": LoadMaster accepted the " + credentialName() + " read again from " + credentialFile);
            return success;
        } catch (LoadMasterException e) {
            if (e.status() == 401) {
                throw new LoadMasterException(refusedAgain(call), 401);
            }
            throw e;
        }
    }

    private <T> T callWithRetries(ApiCall call, Readings.Reading<T, LoadMasterException> reading)
            throws LoadMasterException {
        Backoff backoff = retries.backoffFor(call.read());
        try {
            return backoff.run(() -> callOnce(call, reading), LoadMasterException.class, e -> tryAgain(call, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoadMasterException(call.description() + ": interrupted while waiting to try again", 0);
        }
    }

    /**
     * A read is tried again when no answer came for a reason that may pass, or the LoadMaster answered
     * 5xx (in the HTTP status or the envelope's {@code stat}); see {@link RetryRule}.
     */
    private boolean tryAgain(ApiCall call, LoadMasterException failure) {
        boolean again = failure instanceof NoAnswerException noAnswer
                ? retries.worthRetrying(noAnswer.kind, call.read())
                : retries.worthRetrying(failure.status(), call.read());
        if (again) {
            LOG.debug(call.description() + ": trying again");
        }
        return again;
    }

    private <T> T callOnce(ApiCall call, Readings.Reading<T, LoadMasterException> reading) throws LoadMasterException {
        String d = call.description();
        Reply answer;
        try {
            answer = transport.send(request(call), call.command(), redaction());
        } catch (NoAnswer e) {
            if (e.failure() instanceof NotSent) {
                throw new LoadMasterException(
                        d + ": not sent: this agent no longer holds the Lease (it could not renew"
                                + " it in time), so it writes nothing more to the LoadMaster",
                        0);
            }
            LOG.debug(d + ": no answer after " + e.elapsed().toMillis() + " ms (" + describe(e.failure()) + ")");
            throw new NoAnswerException(
                    d + ": no answer from LoadMaster " + base + " (" + describe(e.failure()) + ")",
                    e.cause(),
                    e.kind());
        }
        LOG.debug(d + ": " + answer.status() + " in " + answer.elapsed().toMillis() + " ms");
        return reading.read(answer);
    }

    private static Element interpret(ApiCall call, Reply answer) throws LoadMasterException {
        return judged(call, answer, LoadMasterXml::envelope, envelope -> envelope)
                .success();
    }

    /** Reads an answer's body into what holds its envelope; the body is not one ({@code NotAnEnvelopeException}). */
    @FunctionalInterface
    private interface BodyReader<T> {
        T read(byte[] body) throws LoadMasterXml.NotAnEnvelopeException;
    }

    /**
     * Reads the answer with {@code reader} and judges it by its status and the envelope that {@code envelopeOf}
     * finds in what was read: what was read if the call succeeded, else the failure as an exception.
     */
    private static <T> T judged(
            ApiCall call, Reply answer, BodyReader<T> reader, Function<T, LoadMasterXml.Envelope> envelopeOf)
            throws LoadMasterException {
        T read = null;
        String notAnEnvelope = null;
        if (answer.tooLarge()) {
            notAnEnvelope = "larger than " + (MAX_BODY_BYTES / (1024 * 1024)) + " MiB";
        } else {
            try {
                read = reader.read(answer.body());
            } catch (LoadMasterXml.NotAnEnvelopeException e) {
                notAnEnvelope = e.getMessage();
            }
        }
        judge(call, answer.status(), read == null ? null : envelopeOf.apply(read), notAnEnvelope);
        return read;
    }

    /**
     * Judges an answer by its status and its envelope (null when it has none, and {@code notAnEnvelope} says
     * why): returns if the call succeeded, else throws the failure.
     */
    private static void judge(ApiCall call, int status, LoadMasterXml.Envelope envelope, String notAnEnvelope)
            throws LoadMasterException {
        String d = call.description();

        if (status >= 200 && status < 300) {
            if (envelope == null) {
                throw new LoadMasterException(
                        d + ": LoadMaster sent a response that is not a LoadMaster XML envelope (" + notAnEnvelope
                                + ")",
                        0);
            }
            if (envelope.ok()) {
                return;
            }
            String text = envelope.errorText() == null ? "(no error text)" : envelope.errorText();
            if (envelope.stat() >= 400 && envelope.stat() < 600) {
                // HTTP said 2xx, the envelope says fail: believe the envelope.
                throw call.refusal(envelope.stat(), text);
            }
            throw new LoadMasterException(
                    d + ": LoadMaster sent a response that is not a LoadMaster XML envelope"
                            + " (code=\"fail\" with stat " + envelope.stat() + ": \"" + text + "\")",
                    0);
        }

        String text = envelope == null ? null : envelope.errorText();
        switch (status) {
            case 401:
                throw new LoadMasterException(d + ": LoadMaster answered 401 Unauthorized: " + HINT_401, status);
            case 403:
                throw new LoadMasterException(
                        d + ": LoadMaster answered 403" + (text == null ? "" : " \"" + text + "\"") + ": " + HINT_403,
                        status);
            case 404:
                throw new LoadMasterException(d + ": LoadMaster answered 404: " + HINT_404, status);
            default:
                break;
        }
        if (status >= 300 && status < 400) {
            // Never follow: a redirected POST could take the form body, API key included, elsewhere.
            throw new LoadMasterException(
                    d + ": LoadMaster answered " + status
                            + ": a redirect, which the agent does not follow; check the scheme and address in loadmaster.url",
                    status);
        }
        if (text != null) {
            throw call.refusal(status, text);
        }
        String why = envelope != null ? "an envelope without an error text" : notAnEnvelope;
        throw new LoadMasterException(
                d + ": LoadMaster answered " + status + " with no LoadMaster XML envelope (" + why + ")", status);
    }

    // ---- requests

    private HttpPost request(ApiCall call) {
        HttpPost post = new HttpPost(URI.create(base + "/access/" + call.command()));
        post.addHeader(HttpHeaders.ACCEPT, "text/xml, application/xml");
        if (!usesApiKey && connection.username() != null) {
            post.addHeader(HttpHeaders.AUTHORIZATION, basic(connection.username(), password));
        }
        if (call.read()) {
            post.setEntity(new StringEntity(form(call), FORM));
        } else {
            post.setEntity(new GatedEntity(form(call), mayWrite));
            post.setConfig(writeConfig);
        }
        return post;
    }

    /**
     * A write's body, which asks whether it may still be sent as it is written to the connection: the last moment
     * before its bytes leave the agent (the request line and headers are still in the connection's buffer then). A
     * write stopped here reaches the LoadMaster not at all. What the check cannot cover is a pause of the process
     * between it and the socket write, a few microseconds, and bytes that the network holds back after they left.
     */
    private static final class GatedEntity extends HttpEntityWrapper {

        private final BooleanSupplier mayWrite;

        GatedEntity(String form, BooleanSupplier mayWrite) {
            super(new StringEntity(form, FORM));
            this.mayWrite = mayWrite;
        }

        @Override
        public void writeTo(java.io.OutputStream out) throws IOException {
            if (!mayWrite.getAsBoolean()) {
                throw new NotSent();
            }
            super.writeTo(out);
        }
    }

    /** A write that {@link GatedEntity} stopped before it was sent. */
    private static final class NotSent extends IOException {
        private static final long serialVersionUID = 1L;

        NotSent() {
            super("not sent: this agent may no longer write");
        }
    }

    /** The form body: {@code vs=3&rs=10.244.1.7&rsport=8080&non_local=1&apikey=...}. */
    private String form(ApiCall call) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, String> p : call.params().entrySet()) {
            s.append(s.length() == 0 ? "" : "&").append(p.getKey()).append('=').append(encode(p.getValue()));
        }
        if (usesApiKey) {
            s.append(s.length() == 0 ? "" : "&").append("apikey=").append(encode(apiKey.reveal()));
        }
        return s.toString();
    }

    // ---- failures

    /** {@code showvs vs=3: LoadMaster sent a Virtual Service the agent cannot read (<Rs> #2 has no <Addr>)}. */
    private static LoadMasterException cannotRead(ApiCall call, String what, LoadMasterXml.UnreadableDataException e) {
        return new LoadMasterException(
                call.description() + ": LoadMaster sent " + what + " the agent cannot read (" + e.getMessage() + ")",
                0);
    }

    /** No answer came: the call may or may not have taken effect. */
    private static final class NoAnswerException extends LoadMasterException {

        private static final long serialVersionUID = 1L;

        /** What kind of failure it was, for the {@link RetryRule}. */
        private final NoAnswer.Kind kind;

        NoAnswerException(String message, IOException cause, NoAnswer.Kind kind) {
            super(message, 0, cause);
            this.kind = kind;
        }
    }

    /** The message when the LoadMaster refuses the credential read again as well. */
    private String refusedAgain(ApiCall call) {
        String d = call.description() + ": LoadMaster at " + base + " refused ";
        if (usesApiKey) {
            return d + "the API key in " + credentialFile + " (401 Unauthorized), also after reading the file again;"
                    + " check that the key is current (LoadMaster UI: Certificates & Security > Remote Access > API key)"
                    + " and that the file holds only the key";
        }
        return d + "user " + connection.username() + " with the password in " + credentialFile
                + " (401 Unauthorized), also after reading the file again; check that the password is current,"
                + " that the user may use the API (System Administration > User Management),"
                + " and that the file holds only the password";
    }

    /** Replaces the credential in use with the file's content. */
    private void readCredentialAgain(ApiCall call) throws LoadMasterException {
        Secret fresh;
        try {
            fresh = SecretFile.read(credentialFile, credentialName(), SecretFile.Form.LINE);
        } catch (SecretFile.UnusableException e) {
            String fix = usesApiKey
                    ? "write the current API key into it (LoadMaster UI: Certificates & Security > Remote Access"
                            + " > API key) or fix loadmaster.apiKeyFile in the configuration"
                    : "write the current password of user " + connection.username()
                            + " into it or fix loadmaster.passwordFile in the configuration";
            throw new LoadMasterException(
                    call.description() + ": LoadMaster at " + base
                            + " answered 401 Unauthorized, and the " + credentialName() + " file " + credentialFile
                            + " "
                            + e.reason() + "; " + fix,
                    401);
        }
        synchronized (this) {
            if (usesApiKey) {
                previous = apiKey;
                apiKey = fresh;
            } else {
                previous = password;
                password = fresh;
            }
        }
    }

    private String credentialName() {
        return usesApiKey ? "API key" : "password";
    }

    /** {@code SocketTimeoutException: Read timed out}, with any credential masked. */
    private String describe(Throwable e) {
        String message = e.getMessage();
        String text = message == null || message.isBlank()
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + LoadMasterXml.oneLine(message);
        return redaction().apply(text);
    }

    /** The credentials in use, to keep out of every message and log line. */
    private Redaction redaction() {
        return Redaction.of("(secret)", usesApiKey ? apiKey : null, password, previous);
    }

    // ---- helpers

    private static String basic(String username, Secret password) {
        String pair = username + ":" + (password == null ? "" : password.reveal());
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code scheme://host[:port][/path]} without user info, query, fragment, default port or trailing slash,
     * the host lower-case (an IP in canonical form): the prefix of every request, the address shown in
     * messages, and what the ownership ledger records as the LoadMaster.
     */
    private static String base(URI url) {
        Objects.requireNonNull(url, "loadmaster url");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || url.getHost() == null) {
            throw new IllegalArgumentException("the LoadMaster URL must be https://<address>[:port]");
        }
        String host = url.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = "[" + IpAddress.canonical(host.substring(1, host.length() - 1)) + "]";
        } else {
            host = IpAddress.canonical(host);
        }
        StringBuilder s = new StringBuilder(scheme).append("://").append(host);
        int defaultPort = scheme.equals("https") ? 443 : 80;
        if (url.getPort() != -1 && url.getPort() != defaultPort) {
            s.append(':').append(url.getPort());
        }
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return s.append(path).toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
