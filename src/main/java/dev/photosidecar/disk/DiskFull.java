package dev.photosidecar.disk;

import java.io.IOException;
import java.util.function.Predicate;

/**
 * Recognises "the disk is full" wherever it surfaces: as an {@link IOException} from a file write or fsync
 * (ENOSPC, EDQUOT), or as a database's own "full" error that the caller knows how to recognise (the ledger's
 * {@code LedgerErrors::diskFull}), however deeply it is wrapped (Jdbi, the JDBC driver). A full disk is a
 * transient condition the client may retry after (507), never an internal error (500). This package knows no
 * database, so that the spool and the ledger can both stand on it.
 */
public final class DiskFull {
    private DiskFull() {
    }

    /** Whether {@code error} or any of its causes says the file system has no space left. */
    public static boolean causedBy(Throwable error) {
        return causedBy(error, t -> false);
    }

    /**
     * Whether {@code error} or any of its causes says the file system has no space left, or is one that
     * {@code databaseFull} recognises as its database's disk being full.
     */
    public static boolean causedBy(Throwable error, Predicate<Throwable> databaseFull) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // The JDK reports ENOSPC only through the message text ("No space left on device").
            if (t instanceof IOException && isNoSpaceMessage(t.getMessage())) {
                return true;
            }
            if (databaseFull.test(t)) {
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
