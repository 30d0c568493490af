package dev.photosidecar.ledger.jdbc;

import dev.photosidecar.ledger.AdminSessions;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** {@link AdminSessions} in the {@code admin_sessions} table, times as epoch milliseconds like every other table. */
public final class JdbcAdminSessions implements AdminSessions {
    private final Jdbi jdbi;
    private final Dialect dialect;

    public JdbcAdminSessions(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.dialect = dialect;
    }

    @Override
    public void open(String idHash, Instant expiresAt, Instant now, int max) {
        dialect.inTransaction(jdbi, h -> {
            h.createUpdate("DELETE FROM admin_sessions WHERE expires_at <= :now").bind("now", now.toEpochMilli()).execute();
            // Keep room for the new one: the sessions closest to their end make way, as the in-memory map did.
            h.createUpdate("""
                    DELETE FROM admin_sessions WHERE id_hash IN
                        (SELECT id_hash FROM admin_sessions ORDER BY expires_at, id_hash
                         LIMIT (SELECT %s(0, count(*) - :keep) FROM admin_sessions))""".formatted(dialect.greatest()))
                    .bind("keep", max - 1).execute();
            h.createUpdate("INSERT INTO admin_sessions (id_hash, expires_at) VALUES (:id, :until)")
                    .bind("id", idHash).bind("until", expiresAt.toEpochMilli()).execute();
            return null;
        });
    }

    @Override
    public Optional<Instant> expiresAt(String idHash) {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT expires_at FROM admin_sessions WHERE id_hash = :id")
                .bind("id", idHash).mapTo(Long.class).findOne().map(Instant::ofEpochMilli));
    }

    @Override
    public void close(String idHash) {
        dialect.withHandle(jdbi, h -> h.createUpdate("DELETE FROM admin_sessions WHERE id_hash = :id").bind("id", idHash).execute());
    }

    @Override
    public int count() {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT count(*) FROM admin_sessions").mapTo(Integer.class).one());
    }
}
