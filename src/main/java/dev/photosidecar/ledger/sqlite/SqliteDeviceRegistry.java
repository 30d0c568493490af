package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.jdbc.JdbcDeviceRegistry;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/** The {@link JdbcDeviceRegistry} in SQLite; kept as a name so that callers holding a bare {@link Jdbi} need no dialect. */
public final class SqliteDeviceRegistry extends JdbcDeviceRegistry {
    /** The devices on the SQLite database behind {@code jdbi}. */
    public SqliteDeviceRegistry(Jdbi jdbi, Clock clock) {
        super(jdbi, clock, SqliteDialect.INSTANCE);
    }
}
