package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.jdbc.JdbcLedgerStats;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/** The {@link JdbcLedgerStats} in SQLite; kept as a name so that callers holding a bare {@link Jdbi} need no dialect. */
public final class SqliteLedgerStats extends JdbcLedgerStats {
    /** The figures of the SQLite ledger behind {@code jdbi}. */
    public SqliteLedgerStats(Jdbi jdbi, Clock clock) {
        super(jdbi, clock, SqliteDialect.INSTANCE);
    }
}
