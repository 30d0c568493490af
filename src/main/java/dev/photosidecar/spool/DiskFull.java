package dev.photosidecar.spool;

import dev.photosidecar.ledger.LedgerErrors;
import java.io.IOException;

/**
 * Recognises "the disk is full" wherever it surfaces: as an {@link IOException} from a file write or
 * fsync (ENOSPC, EDQUOT), or as the ledger database's own "full" error from a ledger write (SQLite's
 * {@code SQLITE_FULL}, recognised by the ledger implementation through {@link LedgerErrors}), however deeply
 * it is wrapped (Jdbi, the JDBC driver). A full disk is a transient condition the client may retry after (507),
 * never an internal error (500).
 */
public final class DiskFull {
    private DiskFull() {
    }

    /** Whether {@code error} or any of its causes says the file system has no space left. */
    public static boolean causedBy(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // The JDK reports ENOSPC only through the message text ("No space left on device").
            if (t instanceof IOException && isNoSpaceMessage(t.getMessage())) {
                return true;
            }
            if (LedgerErrors.diskFull(t)) {
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
