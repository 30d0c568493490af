package dev.photosidecar.ledger;

import dev.photosidecar.config.SecretBox;
import java.util.List;

/**
 * One open ledger, whatever database holds it: it hands out the small interfaces the rest of the sidecar uses
 * (jobs, resumable uploads, devices, credentials, chunk progress, statistics) and answers the few questions
 * start-up and {@code doctor} ask of the database as a whole. An implementation lives in its own package
 * ({@code ledger.sqlite}); the composition root picks and opens one.
 */
public interface Ledger extends AutoCloseable {
    JobLedger jobs();

    ResumableLedger resumable();

    DeviceRegistry devices();

    /** The stored host credentials, sealed and opened with {@code box}. */
    CredentialStore credentials(SecretBox box);

    ChunkProgress chunks();

    LedgerStats stats();

    /** Values every process using this ledger must agree on. */
    SharedState sharedState();

    /** The admin page's open sessions, known to every process using this ledger. */
    AdminSessions adminSessions();

    /** Whether several processes may use this ledger at once; see {@link JobLedger#shared()}. */
    default boolean shared() {
        return jobs().shared();
    }

    /** Whether the ledger holds no job and no unfinished upload (a fresh one, or one that lost its rows). */
    boolean holdsNothing();

    /** The users who have a sealed password stored, by id (read without the key that opens them). */
    List<String> usersWithStoredCredentials();

    /** What the database says about itself: intact or not, and the schema version this build migrated it to. */
    Health health();

    /**
     * The database's own verdict ({@code problems} empty when it found none) and its schema version ("?" if
     * unknown).
     */
    record Health(List<String> problems, String schemaVersion) {
        public boolean intact() {
            return problems.isEmpty();
        }
    }

    /** Closes the connections this ledger keeps open, if any. */
    @Override
    void close();
}
