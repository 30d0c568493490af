package dev.photosidecar.spool;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;

/**
 * The SHA-256 of each unfinished resumable upload's bytes so far, carried in memory from one append to the next, so
 * that a finished upload is not read back from disk to be hashed (for a video sent in one request, that read-back
 * was as long as hashing it again: docs/performance.md, issue 17).
 *
 * <p>A hash stands only for exactly the bytes {@code [0, offset)} of the upload's file: an append continues it only
 * when it starts at that offset, and hands it back only once its own bytes are durable. Anything else (a rolled-back
 * append, a failed write, another replica appending, a restart, an entry evicted) leaves no hash or one whose offset
 * does not match, and the upload is then hashed from its file as before. Memory is bounded: at most 10,000 uploads,
 * each a digest's state of about a hundred bytes, forgotten a day after their last append.
 */
final class RunningHashes {
    private record Running(long offset, MessageDigest digest) {
    }

    private final Cache<String, Running> byUpload = Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterAccess(Duration.ofDays(1))
            .build();

    /**
     * The hash to continue with an append that starts at {@code offset}, taken out so that only that append holds
     * it: the upload's own if it covers exactly the bytes before {@code offset}, a new one at 0, else null.
     */
    MessageDigest resume(String id, long offset) {
        Running r = byUpload.asMap().remove(id);
        if (offset == 0) {
            return Sha256.newDigest();
        }
        return r != null && r.offset() == offset ? r.digest() : null;
    }

    /** After an append whose bytes are durable: {@code digest} covers exactly {@code [0, offset)} of the file. */
    void covered(String id, long offset, MessageDigest digest) {
        byUpload.put(id, new Running(offset, digest));
    }

    /** The SHA-256 of the upload's first {@code size} bytes, if a hash covers exactly those; kept for a retry. */
    Optional<byte[]> digestOf(String id, long size) {
        Running r = byUpload.getIfPresent(id);
        if (r == null || r.offset() != size) {
            return Optional.empty();
        }
        try {
            return Optional.of(((MessageDigest) r.digest().clone()).digest());
        } catch (CloneNotSupportedException e) {
            return Optional.empty(); // a provider whose digest cannot be copied: read the file instead
        }
    }

    void forget(String id) {
        byUpload.invalidate(id);
    }
}
