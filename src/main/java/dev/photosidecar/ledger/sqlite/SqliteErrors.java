package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.LedgerErrors;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * SQLite's error codes, read in one place: a unique-key violation (a duplicate upload key) and a full disk. Registered
 * as the SQLite {@link LedgerErrors} (META-INF/services), so the spool and the HTTP edge recognise SQLITE_FULL
 * without importing the driver.
 */
public final class SqliteErrors implements LedgerErrors {
    /** Whether {@code error} or one of its causes is SQLite refusing a row for a UNIQUE constraint. */
    static boolean isUniqueViolation(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLiteException s && s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean isDiskFull(Throwable t) {
        if (t instanceof SQLiteException s && (s.getResultCode() == SQLiteErrorCode.SQLITE_FULL
                // Growing the WAL index (ledger.db-shm) fails this way when the file system is full: even a
                // read can need it (seen on a full tmpfs in DiskFaultTest).
                || s.getResultCode() == SQLiteErrorCode.SQLITE_IOERR_SHMSIZE)) {
            return true;
        }
        // The driver may also surface SQLITE_FULL as a plain SQLException with its text.
        return t instanceof SQLException && String.valueOf(t.getMessage()).contains("SQLITE_FULL");
    }
}
