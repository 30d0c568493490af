package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.jdbc.JdbcJobLedger;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/** The {@link JdbcJobLedger} in SQLite; kept as a name so that callers holding a bare {@link Jdbi} need no dialect. */
public final class SqliteJobLedger extends JdbcJobLedger {
    /** The job ledger on the SQLite database behind {@code jdbi}. */
    public SqliteJobLedger(Jdbi jdbi, Clock clock) {
        super(jdbi, clock, SqliteDialect.INSTANCE);
    }
}
