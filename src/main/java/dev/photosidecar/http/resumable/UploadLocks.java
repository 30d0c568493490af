package dev.photosidecar.http.resumable;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One request at a time per resumable upload. A second request on an upload that is busy is refused at
 * once with 423 Locked rather than queued: its offset would be stale by the time it ran. The holder is
 * typically a request that is still streaming, or one whose client vanished without closing the connection;
 * the latter holds the upload until the server's idle timeout ends it.
 */
final class UploadLocks {
    private final ConcurrentHashMap<String, Thread> busy = new ConcurrentHashMap<>();

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
        return Optional.of(() -> busy.remove(id, me));
    }
}
