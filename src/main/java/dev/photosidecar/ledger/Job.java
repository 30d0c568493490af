package dev.photosidecar.ledger;

import java.time.Instant;
import java.util.Optional;

/** One upload job as the ledger holds it. Immutable; every change goes through {@link JobLedger}. */
public record Job(
        long seq,
        String id,
        String deviceId,
        String userId,
        String key,
        JobState state,
        String filename,
        ResourceType resourceType,
        Optional<String> assetId,
        String contentType,
        long size,
        String sha256,
        Instant createdAt,
        Instant receivedAt,
        int attempts,
        Optional<Instant> nextAttemptAt,
        Optional<String> leaseOwner,
        Optional<String> lastError,
        Optional<String> remotePath,
        Optional<String> remoteEtag,
        Optional<String> remoteFileId,
        Optional<Instant> deliveredAt) {

    /** Whether another upload of {@code size} bytes hashing to {@code sha256} is the same content. */
    public boolean sameContent(long otherSize, String otherSha256) {
        // A job still receiving has no SHA-256 yet, so it is never the same content as a whole body.
        return sha256 != null && size == otherSize && sha256.equals(otherSha256);
    }
}
