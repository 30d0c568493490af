package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.disk.Durable;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.sqlite.SQLiteConfig;

/**
 * A consistent copy of the live ledger, taken with SQLite's {@code VACUUM INTO} while a server may be
 * writing to it. {@code VACUUM INTO} reads inside one transaction, so the copy is one committed state of the
 * whole database (WAL included), never a mix; it only reads the ledger, so it needs neither the data folder
 * lock that {@code serve} holds nor a pause in uploads.
 *
 * <p>The copy is written under a temporary name beside the destination, checked with
 * {@code PRAGMA integrity_check}, fsynced, and only then linked to its final name, which must not exist:
 * a backup never overwrites anything, and a failed backup leaves nothing that looks like one.
 */
public final class LedgerBackup {
    private LedgerBackup() {
    }

    /** What a finished backup holds. */
    public record Copy(Path file, long bytes, long jobs) {
    }

    /** A backup that could not be made; the message says why and what to do. */
    public static final class BackupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BackupException(String message, Throwable cause) {
            super(message, cause);
        }

        BackupException(String message) {
            super(message);
        }
    }

    /**
     * Copies {@code ledger} to {@code destination}.
     *
     * @throws BackupException when the destination exists, the ledger is missing, or the copy fails its check
     */
    public static Copy copy(Path ledger, Path destination) {
        Path target = destination.toAbsolutePath();
        if (Files.exists(target)) {
            throw new BackupException(target + " exists already; a backup never overwrites, choose a new file name");
        }
        if (!Files.isRegularFile(ledger)) {
            throw new BackupException("there is no ledger at " + ledger + " (check SIDECAR_DATA_DIR)");
        }
        Path parent = target.getParent();
        if (!Files.isDirectory(parent)) {
            throw new BackupException("the folder " + parent + " does not exist; create it first");
        }
        Path temp = parent.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            vacuumInto(ledger, temp);
            long jobs = check(temp);
            Durable.fsyncFile(temp);
            // A hard link fails atomically if the name was taken in the meantime: never overwrite.
            Files.createLink(target, temp);
            Files.delete(temp);
            Durable.fsyncDirectory(parent);
            return new Copy(target, Files.size(target), jobs);
        } catch (FileAlreadyExistsException e) {
            throw new BackupException(target + " appeared while the backup ran; nothing was overwritten", e);
        } catch (IOException e) {
            throw new BackupException("cannot write the backup to " + parent + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new BackupException("cannot copy the ledger " + ledger + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover hidden .tmp file is harmless
            }
        }
    }

    private static void vacuumInto(Path ledger, Path temp) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        // Wait for a writing server instead of failing: its transactions are short.
        config.setBusyTimeout(30_000);
        try (Connection c = config.createConnection("jdbc:sqlite:" + ledger.toAbsolutePath());
             java.sql.PreparedStatement s = c.prepareStatement("VACUUM INTO ?")) {
            s.setString(1, temp.toString());
            s.execute();
        }
    }

    /** Runs {@code PRAGMA integrity_check} on the copy and counts its jobs. */
    private static long check(Path copy) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection c = config.createConnection("jdbc:sqlite:" + copy); Statement s = c.createStatement()) {
            List<String> problems = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                while (rs.next()) {
                    problems.add(rs.getString(1));
                }
            }
            if (!problems.equals(List.of("ok"))) {
                throw new BackupException("the copy failed SQLite's integrity check: " + String.join("; ", problems)
                        + "; the ledger itself may be damaged, run photo-sidecar doctor");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM jobs")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
