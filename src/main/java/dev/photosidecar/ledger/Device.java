package dev.photosidecar.ledger;

import java.time.Instant;
import java.util.Optional;

/** A phone (or script) allowed to upload for one user. */
public record Device(String id, String userId, String name, Instant createdAt, Optional<Instant> revokedAt) {
    public boolean isActive() {
        return revokedAt.isEmpty();
    }
}
