package dev.photosidecar.server;

import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.Units;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.spool.HeldFiles;
import java.nio.file.Files;
import java.util.Optional;

/**
 * Whether a ledger can be the one that wrote the spool beside it. A ledger that is missing, or has no job and no
 * unfinished upload, beside a spool that holds uploads means the ledger that knew them is elsewhere (a restore
 * that went wrong, a volume mounted at the wrong place): going on would treat every photo in the spool as an
 * orphan. Start-up refuses with one line that names the files and the fix; a fresh data folder, whose spool is
 * empty, is no gap. It lives with start-up, which sees both: it counts the spool's files and asks the ledger
 * only whether it holds anything, so that neither the ledger nor the spool knows the other.
 */
public final class LedgerGap {
    /** The flag that accepts the gap: the spool's files go to quarantine and the ledger starts empty. */
    public static final String ACCEPT_FLAG = "--accept-empty-ledger";

    private LedgerGap() {
    }

    /**
     * The refusal when the ledger file does not exist but the spool holds uploads; checked before it is created. A
     * ledger on a database server is never a missing file ({@link #ifEmpty} still applies to it).
     */
    public static Optional<DataGap> ifMissing(SidecarConfig config) {
        if (config.database().isPresent() || Files.exists(config.ledgerFile())) {
            return Optional.empty();
        }
        HeldFiles held = HeldFiles.in(config.spoolDir());
        return held.isEmpty() ? Optional.empty() : Optional.of(refusal(config.ledgerFile() + " is missing", config, held));
    }

    /** The refusal when the open ledger has no job and no unfinished upload but the spool holds uploads. */
    public static Optional<DataGap> ifEmpty(Ledger ledger, SidecarConfig config) {
        if (!ledger.holdsNothing()) {
            return Optional.empty();
        }
        HeldFiles held = HeldFiles.in(config.spoolDir());
        return held.isEmpty() ? Optional.empty() : Optional.of(refusal(Ledgers.where(config) + " has no jobs", config, held));
    }

    private static DataGap refusal(String what, SidecarConfig config, HeldFiles held) {
        return new DataGap(what + ", but " + config.spoolDir() + " holds " + held.files() + " upload file(s) ("
                + Units.formatBytes(held.bytes()) + ") that phones were told are safe", "Restore ledger.db (with ledger.db-wal, if"
                + " the backup has one) from your backup, or point SIDECAR_DATA_DIR at the folder that has it; to start without"
                + " it, run photo-sidecar serve " + ACCEPT_FLAG + " once: those files are then moved to "
                + config.quarantineDir() + " (never deleted) and the ledger starts empty");
    }
}
