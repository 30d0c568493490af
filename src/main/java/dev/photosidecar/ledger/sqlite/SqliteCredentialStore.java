package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.Credentials;
import dev.photosidecar.ledger.DeviceRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Per-user credentials for the delivery host, kept in the ledger sealed with {@link SecretBox}. The
 * password is never returned by listings and never logged.
 */
public final class SqliteCredentialStore implements CredentialStore {
    private final Jdbi jdbi;
    private final SecretBox box;
    private final Clock clock;

    public SqliteCredentialStore(Jdbi jdbi, SecretBox box, Clock clock) {
        this.jdbi = jdbi;
        this.box = box;
        this.clock = clock;
    }

    public void set(String userId, String login, String password) {
        DeviceRegistry.validateUserId(userId);
        if (login == null || login.isBlank() || login.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("the login must be printable and not empty");
        }
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("the password is empty");
        }
        byte[] sealed = box.seal(password, userId);
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO user_credentials (user_id, login, secret, updated_at) VALUES (:user, :login, :secret, :now)
                ON CONFLICT (user_id) DO UPDATE SET login = excluded.login, secret = excluded.secret,
                                                    updated_at = excluded.updated_at""")
                .bind("user", userId).bind("login", login).bind("secret", sealed).bind("now", clock.millis()).execute());
    }

    public Optional<Credentials> find(String userId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT login, secret FROM user_credentials WHERE user_id = :user")
                .bind("user", userId)
                .map((rs, ctx) -> new Credentials(rs.getString(1), box.open(rs.getBytes(2), userId)))
                .findOne());
    }

    /** When the user's credentials last changed (0 if they have none): a changed value ends a pause. */
    public long version(String userId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT updated_at FROM user_credentials WHERE user_id = :user")
                .bind("user", userId).mapTo(Long.class).findOne().orElse(0L));
    }

    public List<Entry> list() {
        return jdbi.withHandle(h -> h.createQuery("SELECT user_id, login, updated_at FROM user_credentials ORDER BY user_id")
                .map((rs, ctx) -> new Entry(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))))
                .list());
    }

    public boolean remove(String userId) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM user_credentials WHERE user_id = :user")
                .bind("user", userId).execute()) == 1;
    }
}
