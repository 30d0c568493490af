package dev.photosidecar.ledger.jdbc;

import dev.photosidecar.ledger.SharedState;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** {@link SharedState} in the {@code shared_state} table; both databases speak the same upsert. */
public final class JdbcSharedState implements SharedState {
    private final Jdbi jdbi;
    private final Dialect dialect;

    public JdbcSharedState(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.dialect = dialect;
    }

    @Override
    public Optional<String> get(String name) {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT value FROM shared_state WHERE name = :name")
                .bind("name", name).mapTo(String.class).findOne());
    }

    @Override
    public void put(String name, String value) {
        dialect.withHandle(jdbi, h -> h.createUpdate("""
                INSERT INTO shared_state (name, value) VALUES (:name, :value)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value""")
                .bind("name", name).bind("value", value).execute());
    }

    @Override
    public String putIfAbsent(String name, String value) {
        // Insert-or-nothing, then read: whichever process inserted first, every process reads the same row after.
        return dialect.withHandle(jdbi, h -> {
            h.createUpdate("INSERT INTO shared_state (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING")
                    .bind("name", name).bind("value", value).execute();
            return h.createQuery("SELECT value FROM shared_state WHERE name = :name").bind("name", name)
                    .mapTo(String.class).one();
        });
    }
}
