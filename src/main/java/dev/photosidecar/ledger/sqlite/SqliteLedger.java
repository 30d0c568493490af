package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.jdbc.JdbcLedger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The ledger in one SQLite file ({@link Database}): never shared, since the data-folder lock keeps it to one
 * server process (the CLI's short calls go through SQLite's own locking).
 */
public final class SqliteLedger extends JdbcLedger {
    /** The ledger on connections from {@code jdbi}; {@code connections} is closed with it. */
    public SqliteLedger(Jdbi jdbi, Clock clock, AutoCloseable connections) {
        super(jdbi, clock, SqliteDialect.INSTANCE, connections);
    }

    /** For a command that makes a few calls and exits: a new connection per call, nothing kept open. */
    public static SqliteLedger open(Path file, Clock clock) {
        return new SqliteLedger(Database.open(file), clock, () -> { });
    }

    /** For the server: up to {@code connections} connections kept open; close the ledger when the server stops. */
    public static SqliteLedger openPooled(Path file, Clock clock, int connections) {
        Database.Pooled pooled = Database.openPooled(file, connections);
        return new SqliteLedger(pooled.jdbi(), clock, pooled);
    }

    /** SQLite's {@code PRAGMA integrity_check} ("ok" is no problem) and the newest migration Flyway applied. */
    @Override
    public Health health() {
        List<String> integrity = jdbi().withHandle(h -> h.createQuery("PRAGMA integrity_check").mapTo(String.class).list());
        String version = jdbi().withHandle(h -> h.createQuery(
                        "SELECT version FROM flyway_schema_history WHERE success = 1 ORDER BY installed_rank DESC LIMIT 1")
                .mapTo(String.class).findOne().orElse("?"));
        return new Health(integrity.equals(List.of("ok")) ? List.of() : integrity, version);
    }
}
