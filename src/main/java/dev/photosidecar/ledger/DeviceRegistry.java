package dev.photosidecar.ledger;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Users and their devices, and the bearer-token check every API call makes. Tokens are stored only as their
 * SHA-256. Token lookups may be cached briefly (they are the hottest query there is); a revocation made by
 * another process (the CLI) takes effect within {@link #TOKEN_CACHE_TTL}.
 */
public interface DeviceRegistry {
    Duration TOKEN_CACHE_TTL = Duration.ofSeconds(5);
    int MAX_NAME_LENGTH = 100;

    /** Creates the device (and its user, the first time) and returns its one-time token. */
    EnrolledDevice add(String userId, String name);

    /**
     * Why {@code name} cannot name a device, or empty: it must have 1-{@value #MAX_NAME_LENGTH} characters, not only
     * blanks, and obey the same character rule as file names, since it is shown on the status page, in logs and in
     * the {device} path token.
     */
    static Optional<String> nameProblem(String name) {
        return DeviceNames.nameProblem(name);
    }

    /** Refuses (IllegalArgumentException) a user id that is not 1-64 letters, digits, spaces or {@code . _ @ ' + -}. */
    static void validateUserId(String userId) {
        DeviceNames.validateUserId(userId);
    }

    /** The active device this bearer token belongs to; {@link LedgerException.Unauthorized} if there is none. */
    Device authenticate(String token);

    /**
     * Refuses with {@link LedgerException.Unauthorized} when {@code device} was revoked after its request was let in:
     * an upload checks this just before it is committed, so that a body still arriving when its device is revoked
     * never becomes a job. Asked of the ledger, not the token cache, so that a revocation by another process counts
     * at once.
     */
    default void requireStillActive(Device device) {
        requireStillActive(device.id());
    }

    /** {@link #requireStillActive(Device)} by the device's id. */
    void requireStillActive(String deviceId);

    List<Device> list();

    Optional<Device> find(String deviceId);

    long countActive();

    /** Every user the ledger knows (one who had a device), by id. */
    List<String> users();

    /** Revokes a device; its token stops working at once in this process. Returns false if unknown or already revoked. */
    boolean revoke(String deviceId);
}
