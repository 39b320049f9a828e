package kubelmagent.ownership;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;
import kubelmagent.log.Log;
import kubelmagent.model.Ledger;

/**
 * The ledger as one JSON file, {@code owned-real-servers.json} in the state directory. Each change
 * rewrites the file through a temporary file, {@code fsync} and an atomic rename, so the file is
 * always either the old or the new version. A lock file keeps a second agent off the same directory.
 */
public final class FileOwnershipLedger implements OwnershipLedger, AutoCloseable {

    public static final String FILE_NAME = "owned-real-servers.json";
    private static final String LOCK_NAME = "lock";

    private static final Log LOG = Log.get(FileOwnershipLedger.class);
    private static final String ADOPT_HINT = "To take over Real Servers that match ready endpoints inside"
            + " kubernetes.podCidrs, run the agent once with --adopt.";

    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** What the file holds; replaced only once a new version is durable. */
    private Ledger content;

    private FileOwnershipLedger(Path file, FileChannel lockChannel, FileLock lock, Ledger content) {
        this.file = file;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.content = content;
    }

    /**
     * Opens the ledger for writing, creating the directory if needed and taking its lock.
     *
     * @throws IOException if the directory cannot be used, another agent holds the lock, or the file
     *                     is not a ledger; the message says what to do
     */
    public static FileOwnershipLedger open(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path lockFile = stateDir.resolve(LOCK_NAME);
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("another kube-lm-agent is running with state directory " + stateDir + " (" + lockFile
                    + " is locked); stop it first, or give this one its own sync.stateDir");
        }
        Path file = stateDir.resolve(FILE_NAME);
        try {
            return new FileOwnershipLedger(file, channel, lock, loadOrSetAside(file));
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    /**
     * Reads the ledger. A damaged one (unreadable JSON, say, after a disk fault; the agent's own writes
     * cannot tear it) is renamed aside and replaced by an empty ledger, so the agent goes on adding but
     * removes nothing it cannot prove it added.
     */
    private static Ledger loadOrSetAside(Path file) throws IOException {
        if (!Files.exists(file)) {
            LOG.notice("no ownership ledger yet (" + file + "): the agent owns no Real Servers, so it removes"
                    + " none. " + ADOPT_HINT);
            return Ledger.EMPTY;
        }
        try {
            return load(file);
        } catch (DamagedLedgerException e) {
            Path aside = file.resolveSibling(FILE_NAME + ".damaged-" + System.currentTimeMillis());
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
            LOG.err(e.getMessage() + "; it was moved to " + aside + " and the agent starts with an empty ledger:"
                    + " it removes none of the Real Servers it added before, which now count as hand-made. "
                    + ADOPT_HINT);
            return Ledger.EMPTY;
        }
    }

    /**
     * Opens the ledger for reading only, without the lock, so a dry run can preview while the service
     * runs. A missing directory or file reads as empty; a damaged file is an error (a preview changes nothing).
     */
    public static FileOwnershipLedger readOnly(Path stateDir) throws IOException {
        return new FileOwnershipLedger(stateDir.resolve(FILE_NAME), null, null, load(stateDir.resolve(FILE_NAME)));
    }

    @Override
    public synchronized Ledger snapshot() {
        return content;
    }

    @Override
    public synchronized void record(UnaryOperator<Ledger> transition) throws IOException {
        replace(transition.apply(content));
    }

    /** Writes {@code next} unless it is what the file holds already; the content changes once it is durable. */
    private void replace(Ledger next) throws IOException {
        if (next.equals(content)) {
            return;
        }
        if (lock == null) {
            throw new IllegalStateException("the ledger was opened read-only (dry run)");
        }
        try {
            write(LedgerJson.format(next));
        } catch (IOException e) {
            throw new IOException(
                    "cannot write the ownership ledger " + file + ": " + e.getMessage()
                            + "; check that the state directory is writable and the disk is not full",
                    e);
        }
        content = next;
    }

    private void write(String json) throws IOException {
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        try (FileChannel out = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the state directory does not support atomic rename", e);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // make the rename itself durable
        } catch (IOException e) {
            // Some file systems cannot fsync a directory; the rename is still atomic.
        }
    }

    private static Ledger load(Path file) throws IOException {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Ledger.EMPTY;
        }
        try {
            return LedgerJson.parse(json);
        } catch (RuntimeException e) {
            throw new DamagedLedgerException(
                    "the ownership ledger " + file + " is damaged (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (lock != null) {
            lock.release();
            lockChannel.close();
        }
    }

    /** The file exists but is not a ledger. */
    static final class DamagedLedgerException extends IOException {
        private static final long serialVersionUID = 1L;

        DamagedLedgerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
