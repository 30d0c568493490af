package dev.photosidecar.ledger;

import java.time.Instant;
import java.util.Optional;

/** What the intake knows about an upload once its bytes are durable in the spool. */
public record NewJob(
        String id,
        String deviceId,
        String userId,
        String key,
        String filename,
        ResourceType resourceType,
        Optional<String> assetId,
        String contentType,
        long size,
        String sha256,
        Optional<Instant> createdAt) {
}
