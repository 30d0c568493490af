package dev.photosidecar.spool;

import java.io.IOException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Recognises "the disk is full" wherever it surfaces: as an {@link IOException} from a file write or
 * fsync (ENOSPC, EDQUOT), or as SQLite's {@code SQLITE_FULL} from a ledger write, however deeply it is
 * wrapped (Jdbi, the JDBC driver). A full disk is a transient condition the client may retry after (507),
 * never an internal error (500).
 */
public final class DiskFull {
    private DiskFull() {
    }

    /** Whether {@code error} or any of its causes says the file system has no space left. */
    public static boolean causedBy(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException && isNoSpaceMessage(t.getMessage())) {
                return true;
            }
            if (t instanceof SQLiteException s && (s.getResultCode() == SQLiteErrorCode.SQLITE_FULL
                    // Growing the WAL index (ledger.db-shm) fails this way when the file system is full: even a
                    // read can need it (seen on a full tmpfs in DiskFaultTest).
                    || s.getResultCode() == SQLiteErrorCode.SQLITE_IOERR_SHMSIZE)) {
                return true;
            }
            // The JDK reports ENOSPC only through the message text ("No space left on device"); the
            // SQLite driver may also surface SQLITE_FULL as a plain SQLException with its text.
            if (t instanceof java.sql.SQLException && String.valueOf(t.getMessage()).contains("SQLITE_FULL")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNoSpaceMessage(String message) {
        String m = String.valueOf(message);
        return m.contains("No space left") || m.contains("Disk quota exceeded");
    }
}
