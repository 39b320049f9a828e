package kubelmagent.simulator;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The simulator's state as JSON: to preload a demo or a test, to save the result on exit, and as the
 * body of {@code GET /simulator/state}. Every field is optional when loading; a minimal file:
 *
 * <pre>{@code
 * {"virtualServices": [
 *   {"index": 1, "address": "10.0.0.100", "port": 80, "settings": {"NickName": "web"}},
 *   {"index": 2, "parent": 1, "settings": {"NickName": "api"}},
 *   {"index": 3, "address": "10.0.0.101", "port": 443,
 *    "realServers": [{"addr": "10.0.0.50", "port": 8080, "weight": 500}]}
 * ]}
 * }</pre>
 *
 * <ul>
 *   <li>{@code nonlocalrs} (default false, as on a new appliance), {@code apiEnabled} (default true),
 *       {@code localSubnets} (default none: the /24 around each VS);</li>
 *   <li>{@code lastVsIndex}, {@code lastRsIndex}: the counters, at least the highest index present;</li>
 *   <li>a VS: {@code index}, {@code address} and {@code port} (or {@code parent}, the Index of the
 *       parent, for a SubVS, with optional {@code slotRsIndex}), {@code protocol} (default tcp),
 *       {@code settings} by element name as {@code showvs} writes them (only those that differ from the
 *       defaults are saved), {@code realServers};</li>
 *   <li>a Real Server: {@code addr}, {@code port}, and optionally {@code rsIndex} (next free one when
 *       absent), {@code status}, {@code dnsName}, {@code forward}, {@code weight}, {@code limit},
 *       {@code rateLimit}, {@code follow}, {@code enable}, {@code critical};</li>
 *   <li>{@code calls}: calls per command; written, ignored when loading.</li>
 *   <li>Addresses (IPv4 or IPv6) may be written in any spelling; they are loaded, and saved, in canonical
 *       form ({@code fd00::1}).</li>
 * </ul>
 */
public final class StateFile {

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private StateFile() {}

    record State(
            Boolean nonlocalrs,
            Boolean apiEnabled,
            List<String> localSubnets,
            Integer lastVsIndex,
            Integer lastRsIndex,
            List<VsState> virtualServices,
            Map<String, Integer> calls) {}

    record VsState(
            int index,
            String address,
            Integer port,
            String protocol,
            Integer parent,
            Integer slotRsIndex,
            Map<String, String> settings,
            List<RsState> realServers) {}

    record RsState(
            Integer rsIndex,
            String addr,
            int port,
            String status,
            String dnsName,
            String forward,
            Integer weight,
            Integer limit,
            Integer rateLimit,
            Integer follow,
            Boolean enable,
            Boolean critical) {}

    /** The engine's state as JSON. */
    public static String toJson(SimulatedLoadMaster engine) {
        return GSON.toJson(engine.capture());
    }

    /**
     * Replaces the engine's Virtual Services and settings with those in {@code json}.
     *
     * @throws IllegalArgumentException if the JSON is malformed or describes an impossible state; the
     *                                  message says what is wrong
     */
    public static void fromJson(SimulatedLoadMaster engine, String json) {
        State state;
        try {
            state = GSON.fromJson(json, State.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not a simulator state: " + e.getMessage(), e);
        }
        if (state == null) {
            throw new IllegalArgumentException("not a simulator state: empty");
        }
        engine.restore(state);
    }

    /** Loads {@code file} into the engine. */
    public static void load(SimulatedLoadMaster engine, Path file) throws IOException {
        String json = Files.readString(file, StandardCharsets.UTF_8);
        try {
            fromJson(engine, json);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the engine's state to {@code file} (through a temporary file and a rename). */
    public static void save(SimulatedLoadMaster engine, Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, absolute.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, toJson(engine) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
