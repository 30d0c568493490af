package dev.photosidecar.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Who may use a spool folder: {@code {spool}/.lock}, locked for the life of the process (an OS lock, so a process
 * that dies lets go of it). A sidecar on the embedded SQLite ledger locks it exclusively: a second ledger beside the
 * same spool would see the first one's files as unknown and quarantine them, and fail its jobs as copies missing. A
 * sidecar on a shared (PostgreSQL) ledger locks it shared, so replicas on that ledger use the folder together while an
 * SQLite sidecar is kept out, and they out of its.
 *
 * <p>A replica first tries the exclusive lock: when it gets it, no other sidecar holds the spool, so whatever is in
 * it that no job knows was left by runs that have ended, and start-up may sweep it as a lone sidecar does. It then
 * {@link #share()}s, before it takes a request. A replica that gets only the shared lock is not alone: its start-up
 * leaves alone what could be another replica's work in progress (docs/architecture.md, "A spool shared by replicas").
 */
public final class SpoolDirLock implements AutoCloseable {
    /** How long a replica waits for another one's start-up, which holds the lock exclusively while it sweeps. */
    private static final Duration STARTING_REPLICA_WAIT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 100;

    /**
     * One channel per spool per process: closing any channel on a file drops every POSIX lock this process holds on
     * it, so a second sidecar in the same JVM (tests) shares the first one's lock instead of opening the file again.
     */
    private static final Map<Path, Holder> HELD = new HashMap<>();

    private final Path file;
    private final boolean sharedLedger;
    private boolean alone;
    private boolean closed;

    private SpoolDirLock(Path file, boolean sharedLedger, boolean alone) {
        this.file = file;
        this.sharedLedger = sharedLedger;
        this.alone = alone;
    }

    private static final class Holder {
        final FileChannel channel;
        FileLock lock;
        int users;

        Holder(FileChannel channel) {
            this.channel = channel;
        }
    }

    /**
     * @param sharedLedger whether the ledger is one several sidecars share (PostgreSQL)
     * @throws ConfigException when the folder cannot be used, or a sidecar that cannot share it holds it
     */
    public static SpoolDirLock acquire(Path spoolDir, boolean sharedLedger) {
        return acquire(spoolDir, sharedLedger, STARTING_REPLICA_WAIT);
    }

    /** As {@link #acquire(Path, boolean)}, waiting at most {@code wait} for a starting replica (tests wait less). */
    public static SpoolDirLock acquire(Path spoolDir, boolean sharedLedger, Duration wait) {
        Path file = spoolDir.resolve(".lock");
        synchronized (HELD) {
            Holder inThisProcess = HELD.get(file);
            if (inThisProcess != null) {
                if (!sharedLedger || !inThisProcess.lock.isShared()) {
                    throw inUse(spoolDir, sharedLedger);
                }
                inThisProcess.users++;
                return new SpoolDirLock(file, true, false);
            }
            FileChannel channel;
            try {
                Files.createDirectories(spoolDir);
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw ConfigException.unusable("SIDECAR_SPOOL_DIR=" + spoolDir + ": cannot use the spool folder ("
                        + e.getMessage() + "); make it writable for the user running photo-sidecar or set SIDECAR_SPOOL_DIR"
                        + " to a writable folder");
            }
            Holder h = new Holder(channel);
            try {
                h.lock = tryLock(channel, false);
                boolean alone = h.lock != null;
                if (h.lock == null && sharedLedger) {
                    h.lock = waitFor(channel, true, wait);
                }
                if (h.lock == null) {
                    channel.close();
                    throw inUse(spoolDir, sharedLedger);
                }
                h.users = 1;
                HELD.put(file, h);
                return new SpoolDirLock(file, sharedLedger, alone);
            } catch (IOException e) {
                closeQuietly(channel);
                throw ConfigException.unusable("SIDECAR_SPOOL_DIR=" + spoolDir + ": cannot lock the spool folder ("
                        + e.getMessage() + "); the spool needs a file system with working file locks"
                        + " (docs/architecture.md, \"A spool shared by replicas\")");
            }
        }
    }

    /** Whether no other sidecar held the spool when this one took it (start-up may treat every unknown file as left over). */
    public boolean alone() {
        return alone;
    }

    /** Whether the ledger beside this spool is shared (PostgreSQL): the lock is shared after start-up. */
    public boolean sharedLedger() {
        return sharedLedger;
    }

    /**
     * After start-up recovery, on a shared ledger: lets other replicas in. The exclusive lock is let go and the shared
     * one taken; another replica may slip in between and run its own lone start-up first, which is why this waits.
     */
    public void share() {
        if (!sharedLedger || !alone) {
            return;
        }
        synchronized (HELD) {
            Holder h = HELD.get(file);
            try {
                h.lock.release();
                h.lock = waitFor(h.channel, true, STARTING_REPLICA_WAIT);
            } catch (IOException e) {
                h.lock = null;
            }
            if (h.lock == null) {
                throw inUse(file.getParent(), true);
            }
            alone = false;
        }
    }

    private static FileLock waitFor(FileChannel channel, boolean shared, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            FileLock lock = tryLock(channel, shared);
            if (lock != null || System.nanoTime() > deadline) {
                return lock;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private static FileLock tryLock(FileChannel channel, boolean shared) throws IOException {
        try {
            return channel.tryLock(0, Long.MAX_VALUE, shared);
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    private static ConfigException inUse(Path spoolDir, boolean sharedLedger) {
        return ConfigException.unusable("SIDECAR_SPOOL_DIR=" + spoolDir + ": another photo-sidecar uses this spool folder"
                + " and it cannot be shared: "
                + (sharedLedger
                        ? "it is held by a sidecar on the embedded SQLite ledger (or by a replica whose start-up took"
                                + " longer than " + STARTING_REPLICA_WAIT.toSeconds() + "s). Give the SQLite sidecar its own"
                                + " SIDECAR_SPOOL_DIR, or put it on this PostgreSQL ledger (SIDECAR_DATABASE_URL)"
                        : "a sidecar on the embedded SQLite ledger needs a spool of its own, since two ledgers would"
                                + " quarantine each other's uploads. Give this sidecar its own SIDECAR_SPOOL_DIR, or run"
                                + " every sidecar that shares the folder on one PostgreSQL ledger (SIDECAR_DATABASE_URL)"));
    }

    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            Holder h = HELD.get(file);
            if (h == null || --h.users > 0) {
                return;
            }
            HELD.remove(file);
            try {
                if (h.lock != null) {
                    h.lock.release();
                }
            } catch (IOException ignored) {
                // closing the channel lets go of it anyway
            }
            closeQuietly(h.channel);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the process is ending or the lock was never taken; the OS drops the lock anyway
        }
    }
}
