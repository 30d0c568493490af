package dev.photosidecar.ledger.postgres;

import dev.photosidecar.ledger.LedgerErrors;
import java.sql.SQLException;
import java.util.Set;

/**
 * PostgreSQL's error codes (SQLSTATE), read in one place: a unique-key violation (a duplicate upload key), a full
 * disk, and the two errors that only say "try the transaction again". Registered as the PostgreSQL
 * {@link LedgerErrors} (META-INF/services), so the HTTP edge treats 53100 as it treats SQLITE_FULL.
 */
public final class PostgresErrors implements LedgerErrors {
    /** unique_violation */
    static final String UNIQUE_VIOLATION = "23505";
    /** disk_full */
    static final String DISK_FULL = "53100";
    /** deadlock_detected and serialization_failure: nothing was changed, the same transaction may succeed now. */
    private static final Set<String> TRANSIENT = Set.of("40P01", "40001");

    /** Whether {@code error} or one of its causes is PostgreSQL refusing a row for a UNIQUE constraint. */
    static boolean isUniqueViolation(Throwable error) {
        return causeWithState(error, Set.of(UNIQUE_VIOLATION));
    }

    /** Whether {@code error} or one of its causes is a deadlock or serialization failure PostgreSQL rolled back. */
    static boolean isTransient(Throwable error) {
        return causeWithState(error, TRANSIENT);
    }

    @Override
    public boolean isDiskFull(Throwable t) {
        return t instanceof SQLException s && DISK_FULL.equals(s.getSQLState());
    }

    private static boolean causeWithState(Throwable error, Set<String> states) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && states.contains(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
