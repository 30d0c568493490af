package dev.photosidecar.http.resumable;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.spool.PartialLocks;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One request at a time per resumable upload. A second request on an upload that is busy is refused at
 * once with 423 Locked rather than queued: its offset would be stale by the time it ran. The holder is
 * typically a request that is still streaming, or one whose client vanished without closing the connection;
 * the latter holds the upload until the server's idle timeout ends it.
 *
 * <p>Two locks, in this order: this process's own (a map), then the spool's lock that holds across processes
 * ({@link PartialLocks}), so that a request on another replica sharing the spool is refused the same way. The
 * in-memory one comes first because within one JVM a second OS lock on a held range is an error, not a "no".
 * Both are let go together, on every path, by closing the {@link Held}.
 */
final class UploadLocks {
    private final ConcurrentHashMap<String, Thread> busy = new ConcurrentHashMap<>();
    private final Function<String, Optional<PartialLocks.Held>> acrossProcesses;

    /** @param acrossProcesses the spool's lock for an upload id, empty when another process holds it */
    UploadLocks(Function<String, Optional<PartialLocks.Held>> acrossProcesses) {
        this.acrossProcesses = acrossProcesses;
    }

    /** A held upload; closing it lets the next request in. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    Held hold(String id) {
        return tryHold(id).orElseThrow(() -> new Problem(ErrorCode.UPLOAD_LOCKED,
                "another request is writing to this upload right now; ask for its offset (HEAD) again shortly"));
    }

    Optional<Held> tryHold(String id) {
        Thread me = Thread.currentThread();
        if (busy.putIfAbsent(id, me) != null) {
            return Optional.empty();
        }
        Optional<PartialLocks.Held> shared;
        try {
            shared = acrossProcesses.apply(id);
        } catch (RuntimeException e) {
            busy.remove(id, me);
            throw e;
        }
        if (shared.isEmpty()) {
            busy.remove(id, me);
            return Optional.empty();
        }
        PartialLocks.Held across = shared.get();
        return Optional.of(() -> {
            try {
                across.close();
            } finally {
                busy.remove(id, me);
            }
        });
    }
}
