package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.jdbc.JdbcResumableLedger;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/** The {@link JdbcResumableLedger} in SQLite; kept as a name so that callers holding a bare {@link Jdbi} need no dialect. */
public final class SqliteResumableLedger extends JdbcResumableLedger {
    /** The resumable uploads on the SQLite database behind {@code jdbi}. */
    public SqliteResumableLedger(Jdbi jdbi, Clock clock) {
        super(jdbi, clock, SqliteDialect.INSTANCE);
    }
}
