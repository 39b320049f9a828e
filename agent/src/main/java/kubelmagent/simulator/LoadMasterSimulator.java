package kubelmagent.simulator;

import com.sun.net.httpserver.HttpServer;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import kubelmagent.http.LocalServers;
import kubelmagent.log.JournalLogManager;
import kubelmagent.log.Log;
import kubelmagent.tls.SelfSignedCertificate;

/**
 * A LoadMaster simulator: the LoadMaster API over HTTPS (or HTTP) on top of a
 * {@link SimulatedLoadMaster}, for end-to-end tests, benchmarks and the demo.
 *
 * <pre>{@code
 * try (LoadMasterSimulator lm = LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults().apiKey("k3y")
 *         .nonLocalRs(true))) {  // pods outside 10.0.0.0/24 are non-local; a new LoadMaster refuses them
 *     lm.engine().addVirtualService(3, "10.0.0.5", 80, "tcp", "web");
 *     // point the agent at lm.url() with caFile lm.caFile() and apiKey k3y
 *     lm.engine().realServers(3);      // what the agent did
 *     lm.engine().calls("addrs");      // how many calls it took
 *     lm.engine().faults().dropNext("showvs");
 *     lm.writes();                     // who wrote what, and when
 * }
 * }</pre>
 *
 * <p>Two agents with credentials of their own, told apart afterwards:
 * <pre>{@code
 * LoadMasterSimulator.start(LoadMasterSimulator.Options.defaults()
 *         .apiKey("agent-a", "key-a")          // agent a authenticates with key-a
 *         .user("agent-b", "password-b"));     // agent b with user agent-b and its password
 * // ... lm.writes(): each Write names "agent-a" or "agent-b" as its credential
 * }</pre>
 *
 * <p>Paths: {@code /access/<cmd>} (APIv1, XML), {@code /accessv2} (APIv2, JSON), and the simulator's own
 * {@code /simulator/state}, {@code /simulator/faults} and {@code /simulator/writes} (see
 * {@link InspectionHandler}); anything else answers 404. Run it as a program with {@link #main}; see
 * {@link SimulatorCli} for the options.
 */
public final class LoadMasterSimulator implements AutoCloseable {

    static {
        // Before the first logger exists (the field below), as in kubelmagent.cli.Main: log lines keep
        // flowing while the program shuts down after SIGTERM.
        System.setProperty("java.util.logging.manager", JournalLogManager.class.getName());
    }

    private static final Log LOG = Log.get(LoadMasterSimulator.class);

    static final String V1_PATH = "/access";
    static final String V2_PATH = "/accessv2";
    static final String INSPECTION_PATH = "/simulator";

    /**
     * How to start a simulator. Defaults: an ephemeral port on 127.0.0.1, HTTPS with a fresh
     * self-signed certificate, no credentials (the API is open), no state file, {@code nonlocalrs} as the
     * state file says or else off (as on a new appliance), a temporary work directory removed on
     * {@link #close()}.
     *
     * <p>Credentials: any number of named API keys ({@link #apiKey(String, String)}) and users
     * ({@link #user}), plus the single unnamed key ({@link #apiKey(String)}, named
     * {@value #DEFAULT_API_KEY_NAME}) and user ({@link #credentials}, named after the user) of older
     * set-ups. A request is accepted with any of them, and its {@link Write}s carry that credential's
     * name. Two keys may not be the same, nor two users have one name; a key and a user may share a name
     * (one user with a password and an API key, as on the appliance).
     */
    public static final class Options {

        /** The credential name of the key given with {@link #apiKey(String)}. */
        public static final String DEFAULT_API_KEY_NAME = "apikey";

        private int port;
        private String bindAddress = "127.0.0.1";
        private boolean https = true;
        private String apiKey;
        private String username;
        private String password;
        private final List<Auth.ApiKey> namedApiKeys = new ArrayList<>();
        private final List<Auth.User> namedUsers = new ArrayList<>();
        private Path stateFile;
        private Path workDir;
        private Boolean nonLocalRs;
        private LongSupplier nanoClock = System::nanoTime;

        private Options() {}

        public static Options defaults() {
            return new Options();
        }

        /** The port; 0 (the default) picks a free one. */
        public Options port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535 (got " + port + ")");
            }
            this.port = port;
            return this;
        }

        /** The address to listen on; 127.0.0.1 by default. */
        public Options bindAddress(String address) {
            this.bindAddress = address;
            return this;
        }

        /** HTTPS (the default) or plain HTTP. */
        public Options https(boolean https) {
            this.https = https;
            return this;
        }

        /**
         * Requires this API key ({@code apikey=}), unless a user and password are sent instead; its writes
         * are journalled as {@value #DEFAULT_API_KEY_NAME}. Called again, it replaces the key; null or
         * empty removes it.
         */
        public Options apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /**
         * Requires this user and password (HTTP Basic, or APIv2 {@code apiuser}/{@code apipass}), unless an
         * API key is sent; its writes are journalled under the user name. Called again, it replaces them; a
         * null or empty user removes them.
         */
        public Options credentials(String username, String password) {
            this.username = username;
            this.password = password;
            return this;
        }

        /**
         * Adds an API key of {@code name}'s, besides any others: requests with it are accepted and their
         * writes journalled as {@code name}.
         *
         * @throws IllegalArgumentException if the name or key is empty, or the name is
         *                                  {@value Write#ANONYMOUS}
         */
        public Options apiKey(String name, String key) {
            namedApiKeys.add(new Auth.ApiKey(name, key));
            return this;
        }

        /**
         * Adds a user {@code name} with {@code password}, besides any others: requests with both are
         * accepted and their writes journalled as {@code name}.
         *
         * @throws IllegalArgumentException if the name is empty or {@value Write#ANONYMOUS}
         */
        public Options user(String name, String password) {
            namedUsers.add(new Auth.User(name, password));
            return this;
        }

        /** Loads this file when it exists, and saves the state to it on {@link #close()}. */
        public Options stateFile(Path stateFile) {
            this.stateFile = stateFile;
            return this;
        }

        /**
         * Starts with "Enable Non-Local Real Servers" ({@code nonlocalrs}) on or off, whatever the state
         * file says; needed on for pods outside the /24 of their VS.
         */
        public Options nonLocalRs(boolean on) {
            this.nonLocalRs = on;
            return this;
        }

        /** The clock of the read-after-write delay, for tests that move time by hand; System.nanoTime by default. */
        Options nanoClock(LongSupplier nanoClock) {
            this.nanoClock = nanoClock;
            return this;
        }

        /** Where the certificate is written; a temporary directory (removed on close) by default. */
        public Options workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        int port() {
            return port;
        }

        boolean https() {
            return https;
        }

        String apiKey() {
            return apiKey;
        }

        String username() {
            return username;
        }

        String password() {
            return password;
        }

        Path stateFile() {
            return stateFile;
        }

        /**
         * Every credential: the unnamed key and user first, then the named ones in the order added.
         *
         * @throws IllegalArgumentException if two keys are the same or two users have the same name
         */
        Auth auth() {
            List<Auth.ApiKey> keys = new ArrayList<>();
            if (!Auth.empty(apiKey)) {
                keys.add(new Auth.ApiKey(DEFAULT_API_KEY_NAME, apiKey));
            }
            keys.addAll(namedApiKeys);
            List<Auth.User> users = new ArrayList<>();
            if (!Auth.empty(username)) {
                users.add(new Auth.User(username, password));
            }
            users.addAll(namedUsers);
            return new Auth(keys, users);
        }

        /** The {@code nonlocalrs} to start with, or null to keep the state file's (or the default, off). */
        Boolean nonLocalRs() {
            return nonLocalRs;
        }
    }

    private final SimulatedLoadMaster engine;
    private final HttpServer server;
    private final ExecutorService executor;
    private final URI url;
    private final Path caFile;
    private final Path stateFile;
    private final Path ownedWorkDir;
    private boolean closed;

    private LoadMasterSimulator(
            SimulatedLoadMaster engine,
            HttpServer server,
            ExecutorService executor,
            URI url,
            Path caFile,
            Path stateFile,
            Path ownedWorkDir) {
        this.engine = engine;
        this.server = server;
        this.executor = executor;
        this.url = url;
        this.caFile = caFile;
        this.stateFile = stateFile;
        this.ownedWorkDir = ownedWorkDir;
    }

    /**
     * Starts a simulator and returns it once it accepts connections.
     *
     * @throws IOException if the state file cannot be read, the certificate cannot be made or the port
     *                     cannot be bound
     */
    public static LoadMasterSimulator start(Options options) throws IOException {
        Auth auth = options.auth();
        SimulatedLoadMaster engine = new SimulatedLoadMaster(options.nanoClock);
        if (options.stateFile != null && Files.exists(options.stateFile)) {
            StateFile.load(engine, options.stateFile);
        }
        if (options.nonLocalRs != null) {
            engine.setNonLocalRs(options.nonLocalRs);
        }
        Path workDir = options.workDir;
        Path owned = null;
        if (workDir == null && options.https) {
            workDir = Files.createTempDirectory("lm-simulator");
            owned = workDir;
        }
        try {
            InetSocketAddress address = new InetSocketAddress(options.bindAddress, options.port);
            HttpServer server;
            Path caFile = null;
            if (options.https) {
                SelfSignedCertificate cert =
                        SelfSignedCertificate.generate(workDir, "kube-lm-agent LoadMaster simulator");
                server = LocalServers.https(address, cert);
                caFile = cert.pem();
            } else {
                server = LocalServers.http(address);
            }
            ApiHandler api = new ApiHandler(engine, auth);
            server.createContext(V1_PATH + "/", api);
            server.createContext(V2_PATH, api);
            server.createContext(INSPECTION_PATH + "/", new InspectionHandler(engine));
            server.createContext("/", exchange -> {
                try (exchange) {
                    ApiHandler.body(exchange); // read it all before answering, as every handler does
                    byte[] page = ApiHandler.NOT_FOUND_PAGE.getBytes(StandardCharsets.ISO_8859_1);
                    exchange.getResponseHeaders().set("Content-Type", "text/html");
                    exchange.sendResponseHeaders(404, page.length);
                    exchange.getResponseBody().write(page);
                }
            });
            ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
            server.setExecutor(executor);
            server.start();
            String host = server.getAddress().getAddress().isAnyLocalAddress() ? "127.0.0.1" : options.bindAddress;
            if (host.indexOf(':') >= 0) {
                host = "[" + host + "]";
            }
            URI url = URI.create((options.https ? "https" : "http") + "://" + host + ":"
                    + server.getAddress().getPort());
            LOG.info("LoadMaster simulator listening on " + url
                    + (auth.open()
                            ? " (no credentials required)"
                            : " (credentials: " + String.join(", ", auth.names()) + ")")
                    + (caFile == null ? "" : "; CA certificate " + caFile));
            return new LoadMasterSimulator(engine, server, executor, url, caFile, options.stateFile, owned);
        } catch (IOException | RuntimeException e) {
            if (owned != null) {
                ScratchDirectory.deleteQuietly(owned);
            }
            throw e;
        }
    }

    /** {@code https://127.0.0.1:<port>} (or http), without a trailing slash: the agent's {@code loadmaster.url}. */
    public URI url() {
        return url;
    }

    /** The self-signed certificate as PEM, to give the agent as {@code loadmaster.caFile}; null for HTTP. */
    public Path caFile() {
        return caFile;
    }

    /** The simulated LoadMaster: set it up, inspect it, count calls, inject faults. */
    public SimulatedLoadMaster engine() {
        return engine;
    }

    /**
     * The write journal: every API request that changed or tried to change state, oldest first, with the
     * credential that made it; see {@link SimulatedLoadMaster#writes()}.
     */
    public List<Write> writes() {
        return engine.writes();
    }

    /** Writes the state file now (if one was given). */
    public void saveState() throws IOException {
        if (stateFile != null) {
            StateFile.save(engine, stateFile);
        }
    }

    /** Stops serving, saves the state file if one was given, removes a temporary work directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        try {
            saveState();
        } catch (IOException e) {
            LOG.err("LoadMaster simulator: cannot save the state to " + stateFile + ": " + e.getMessage());
        }
        if (ownedWorkDir != null) {
            ScratchDirectory.deleteQuietly(ownedWorkDir);
        }
        LOG.info("LoadMaster simulator on " + url + " stopped");
    }

    /** The program: see {@link SimulatorCli}. */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = SimulatorCli.run(args, out, err);
        if (code != SimulatorCli.OK) {
            System.exit(code);
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "lm-simulator-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
