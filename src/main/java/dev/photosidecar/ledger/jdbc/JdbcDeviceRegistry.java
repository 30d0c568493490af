package dev.photosidecar.ledger.jdbc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.EnrolledDevice;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.LedgerException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Users and their devices, and the bearer-token check every API call makes. Tokens are stored only
 * as their SHA-256. Token lookups are cached briefly (they are the hottest query there is); a
 * revocation made by another process (the CLI) or another replica takes effect within {@link #TOKEN_CACHE_TTL},
 * and at once in {@link #requireStillActive}, which asks the database.
 */
public class JdbcDeviceRegistry implements DeviceRegistry {
    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final Cache<String, Optional<Device>> byTokenHash;

    /** The registry on {@code jdbi}, speaking {@code dialect}. */
    public JdbcDeviceRegistry(Jdbi jdbi, Clock clock, Dialect dialect) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
        Ticker ticker = () -> clock.millis() * 1_000_000L;
        this.byTokenHash = Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfterWrite(TOKEN_CACHE_TTL)
                .maximumSize(10_000)
                .build();
    }

    /**
     * Creates the device (and its user, the first time) and returns its one-time token. Two enrolments of a new
     * user's first devices at once: the second {@code INSERT ... ON CONFLICT DO NOTHING} waits for the first to
     * commit and then finds the user, so both devices are added under one user.
     */
    @Override
    public EnrolledDevice add(String userId, String name) {
        DeviceRegistry.validateUserId(userId);
        DeviceRegistry.nameProblem(name).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        String token = Ids.deviceToken();
        Device device = new Device(Ids.deviceId(), userId, name.strip(), Instant.ofEpochMilli(clock.millis()), Optional.empty());
        dialect.inTransaction(jdbi, h -> {
            h.createUpdate("INSERT INTO users (id, created_at) VALUES (:id, :now) ON CONFLICT (id) DO NOTHING")
                    .bind("id", userId).bind("now", clock.millis()).execute();
            return h.createUpdate("""
                    INSERT INTO devices (id, user_id, name, token_hash, created_at)
                    VALUES (:id, :user, :name, :hash, :now)""")
                    .bind("id", device.id()).bind("user", userId).bind("name", device.name())
                    .bind("hash", Ids.tokenHash(token)).bind("now", device.createdAt().toEpochMilli()).execute();
        });
        return new EnrolledDevice(device, token);
    }

    /** The active device this bearer token belongs to, or a 401 problem. */
    @Override
    public Device authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > 200) {
            throw unauthorized();
        }
        // Looked up by the token's SHA-256, never compared with it: a timing difference in the index or map
        // lookup can only tell an attacker about hashes of tokens, which reveal nothing about the 256-bit
        // random tokens they would have to guess (and no per-address lockout: see docs/security.md).
        String hash = Ids.tokenHash(token);
        Optional<Device> device = byTokenHash.get(hash, h -> dialect.withHandle(jdbi, handle -> handle
                .createQuery("SELECT * FROM devices WHERE token_hash = :hash AND revoked_at IS NULL")
                .bind("hash", h).map(Rows::device).findOne()));
        return device.orElseThrow(JdbcDeviceRegistry::unauthorized);
    }

    /**
     * Refuses with 401 when {@code device} was revoked after its request was let in: an upload checks this just
     * before it is committed, so that a body still arriving when its device is revoked never becomes a job. Asked
     * of the ledger, not the token cache, so that a revocation by another process (the CLI) counts at once.
     */
    @Override
    public void requireStillActive(String deviceId) {
        boolean active = dialect.withHandle(jdbi, h -> h.createQuery("SELECT count(*) FROM devices WHERE id = :id AND revoked_at IS NULL")
                .bind("id", deviceId).mapTo(Long.class).one()) > 0;
        if (!active) {
            throw revokedWhileArriving(deviceId);
        }
    }

    /** The refusal of a body whose device was revoked while it arrived (also the job ledger's, on insert). */
    public static LedgerException.Unauthorized revokedWhileArriving(String deviceId) {
        return new LedgerException.Unauthorized("device " + deviceId + " was revoked while this upload was arriving;"
                + " nothing was kept");
    }

    private static LedgerException.Unauthorized unauthorized() {
        return new LedgerException.Unauthorized("missing, unknown or revoked device token");
    }

    @Override
    public List<Device> list() {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT * FROM devices ORDER BY user_id, created_at")
                .map(Rows::device).list());
    }

    @Override
    public Optional<Device> find(String deviceId) {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT * FROM devices WHERE id = :id")
                .bind("id", deviceId).map(Rows::device).findOne());
    }

    @Override
    public List<String> users() {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT id FROM users ORDER BY id").mapTo(String.class).list());
    }

    @Override
    public long countActive() {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT count(*) FROM devices WHERE revoked_at IS NULL")
                .mapTo(Long.class).one());
    }

    /** Revokes a device; its token stops working at once in this process. Returns false if unknown or already revoked. */
    @Override
    public boolean revoke(String deviceId) {
        int changed = dialect.withHandle(jdbi, h -> h.createUpdate(
                        "UPDATE devices SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
                .bind("now", clock.millis()).bind("id", deviceId).execute());
        byTokenHash.invalidateAll();
        return changed == 1;
    }
}
