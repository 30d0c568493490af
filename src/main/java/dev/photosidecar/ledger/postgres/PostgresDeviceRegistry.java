package dev.photosidecar.ledger.postgres;

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
 * Users and their devices on PostgreSQL, and the bearer-token check. Token lookups are cached per replica for
 * {@link #TOKEN_CACHE_TTL}: a device revoked through one replica (or the CLI) is refused by the others within that
 * time, and at once by {@link #requireStillActive}, which asks the database.
 */
public final class PostgresDeviceRegistry implements DeviceRegistry {
    private final Retried db;
    private final Clock clock;
    private final Cache<String, Optional<Device>> byTokenHash;

    public PostgresDeviceRegistry(Jdbi jdbi, Clock clock) {
        this.db = new Retried(jdbi);
        this.clock = clock;
        Ticker ticker = () -> clock.millis() * 1_000_000L;
        this.byTokenHash = Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfterWrite(TOKEN_CACHE_TTL)
                .maximumSize(10_000)
                .build();
    }

    /**
     * Creates the device, and its user the first time. Two replicas enrolling a new user's first devices at once:
     * the second {@code INSERT ... ON CONFLICT DO NOTHING} waits for the first to commit and then finds the user, so
     * both devices are added under one user.
     */
    @Override
    public EnrolledDevice add(String userId, String name) {
        DeviceRegistry.validateUserId(userId);
        DeviceRegistry.nameProblem(name).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        String token = Ids.deviceToken();
        Device device = new Device(Ids.deviceId(), userId, name.strip(), Instant.ofEpochMilli(clock.millis()), Optional.empty());
        db.inTransaction(h -> {
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

    @Override
    public Device authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > 200) {
            throw unauthorized();
        }
        // Looked up by the token's SHA-256, never compared with it (see SqliteDeviceRegistry and docs/security.md).
        String hash = Ids.tokenHash(token);
        Optional<Device> device = byTokenHash.get(hash, h -> db.withHandle(handle -> handle
                .createQuery("SELECT * FROM devices WHERE token_hash = :hash AND revoked_at IS NULL")
                .bind("hash", h).map(PostgresRows::device).findOne()));
        return device.orElseThrow(PostgresDeviceRegistry::unauthorized);
    }

    @Override
    public void requireStillActive(Device device) {
        boolean active = db.withHandle(h -> h.createQuery("SELECT count(*) FROM devices WHERE id = :id AND revoked_at IS NULL")
                .bind("id", device.id()).mapTo(Long.class).one()) > 0;
        if (!active) {
            throw new LedgerException.Unauthorized("device " + device.id() + " was revoked while this upload was arriving;"
                    + " nothing was kept");
        }
    }

    private static LedgerException.Unauthorized unauthorized() {
        return new LedgerException.Unauthorized("missing, unknown or revoked device token");
    }

    @Override
    public List<Device> list() {
        return db.withHandle(h -> h.createQuery("SELECT * FROM devices ORDER BY user_id, created_at")
                .map(PostgresRows::device).list());
    }

    @Override
    public Optional<Device> find(String deviceId) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM devices WHERE id = :id")
                .bind("id", deviceId).map(PostgresRows::device).findOne());
    }

    @Override
    public List<String> users() {
        return db.withHandle(h -> h.createQuery("SELECT id FROM users ORDER BY id").mapTo(String.class).list());
    }

    @Override
    public long countActive() {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM devices WHERE revoked_at IS NULL")
                .mapTo(Long.class).one());
    }

    @Override
    public boolean revoke(String deviceId) {
        int changed = db.withHandle(h -> h.createUpdate(
                        "UPDATE devices SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
                .bind("now", clock.millis()).bind("id", deviceId).execute());
        byTokenHash.invalidateAll();
        return changed == 1;
    }
}
