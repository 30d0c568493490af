package dev.photosidecar.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One writer per unfinished upload across every process on the spool: an OS byte-range lock on {@code partial.lock},
 * one byte per upload, at an offset made from the upload's id. The OS lets go of a dead process's locks (NFSv4 when
 * its lease ends), so a replica that dies mid-append never leaves its upload locked for good.
 *
 * <p>Why one file and not a lock on the partial file itself: closing any channel on a file drops every POSIX lock the
 * process holds on it, and the partial file is opened and closed by every offset request; the lock file is opened
 * once per spool and never closed while the process runs. Why a byte per upload and not a lock file per upload: a
 * lock file would have to be deleted some time, and one deleted while another process opens it leaves two "holders"
 * on two files. Two ids share a byte only when their first 60 bits are equal (never, in practice; the cost would be a
 * 423 for one of them).
 *
 * <p>In one JVM a second lock on a held range throws {@link OverlappingFileLockException}: callers take their
 * in-memory lock first, so this is only ever another process (or another sidecar in the same JVM, a test), and it is
 * answered as held.
 */
public final class PartialLocks implements AutoCloseable {
    private final FileChannel channel;

    PartialLocks(Path file) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    /** A held upload; closing it lets another process's request in. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** The upload's lock, or empty when another process (or another sidecar in this JVM) holds it. */
    public Optional<Held> tryHold(String id) {
        FileLock lock;
        try {
            lock = channel.tryLock(offsetOf(id), 1, false);
        } catch (OverlappingFileLockException heldInThisJvm) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock the upload " + id + " in the spool: " + e.getMessage(), e);
        }
        if (lock == null) {
            return Optional.empty();
        }
        return Optional.of(() -> {
            try {
                lock.release();
            } catch (IOException e) {
                // Only a closed channel fails here, and closing it let go of the lock.
            }
        });
    }

    /** The first 12 base-32 characters of the id (60 bits), so that every id has a byte of its own. */
    static long offsetOf(String id) {
        if (!Spool.JOB_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an upload id: " + id);
        }
        long offset = 0;
        for (int i = 0; i < 12; i++) {
            char c = id.charAt(i);
            offset = (offset << 5) | (c >= 'a' ? c - 'a' : c - '2' + 26);
        }
        return offset;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the locks go with the channel or the process
        }
    }
}
