package dev.photosidecar.ledger.postgres;

import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.ChunkProgress;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.LedgerStats;
import dev.photosidecar.ledger.ResumableLedger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The ledger on a PostgreSQL server that several sidecars (replicas) share: {@link #shared()} is true, so start-up
 * gives back only leases that ran out, never a live replica's. Backups are the database's own business
 * ({@code pg_dump}, see {@link #BACKUP_ADVICE}); the health check is a cheap round trip and the migration history.
 */
public final class PostgresLedger implements Ledger {
    /** What {@code backup} says on PostgreSQL instead of copying a file. */
    public static final String BACKUP_ADVICE = "the ledger is on PostgreSQL; back it up with the database's own tools,"
            + " e.g. pg_dump --format=custom --file=ledger.dump DATABASE (a consistent snapshot while the sidecars run),"
            + " and keep the shared spool folder and the secret key beside it (docs/operations.md)";

    private final Jdbi jdbi;
    private final Clock clock;
    private final AutoCloseable connections;
    private final PostgresJobLedger jobs;
    private final PostgresResumableLedger resumable;
    private final PostgresDeviceRegistry devices;
    private final PostgresChunkProgress chunks;
    private final PostgresLedgerStats stats;

    /** The ledger on connections from {@code jdbi} (an already migrated database); {@code connections} closes with it. */
    public PostgresLedger(Jdbi jdbi, Clock clock, AutoCloseable connections) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.connections = connections;
        this.jobs = new PostgresJobLedger(jdbi, clock);
        this.resumable = new PostgresResumableLedger(jdbi, clock);
        this.devices = new PostgresDeviceRegistry(jdbi, clock);
        this.chunks = new PostgresChunkProgress(jdbi, clock);
        this.stats = new PostgresLedgerStats(jdbi, clock);
    }

    /**
     * Connects to {@code url} with up to {@code connections} pooled connections, migrating the schema first
     * ({@link PostgresDatabase#open}); close the ledger when the process stops.
     */
    public static PostgresLedger open(PostgresUrl url, Clock clock, int connections) {
        PostgresDatabase.Pooled pooled = PostgresDatabase.open(url, connections);
        return new PostgresLedger(pooled.jdbi(), clock, pooled);
    }

    @Override
    public JobLedger jobs() {
        return jobs;
    }

    @Override
    public ResumableLedger resumable() {
        return resumable;
    }

    @Override
    public DeviceRegistry devices() {
        return devices;
    }

    @Override
    public CredentialStore credentials(SecretBox box) {
        return new PostgresCredentialStore(jdbi, box, clock);
    }

    @Override
    public ChunkProgress chunks() {
        return chunks;
    }

    @Override
    public LedgerStats stats() {
        return stats;
    }

    @Override
    public boolean holdsNothing() {
        return jdbi.withHandle(h -> h.createQuery(
                "SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM resumable_uploads)").mapTo(Long.class).one()) == 0;
    }

    @Override
    public List<String> usersWithStoredCredentials() {
        return jdbi.withHandle(h -> h.createQuery("SELECT user_id FROM user_credentials ORDER BY user_id")
                .mapTo(String.class).list());
    }

    /**
     * PostgreSQL has no {@code PRAGMA integrity_check}, and checking every page is the server's job (checksums,
     * {@code amcheck}), not a sidecar's. This asks what a sidecar can: the server answers a query on the ledger's
     * tables, and no migration is recorded as failed. The version is the newest migration applied.
     */
    @Override
    public Health health() {
        return jdbi.withHandle(h -> {
            List<String> problems = new ArrayList<>();
            h.createQuery("SELECT version, description FROM flyway_schema_history WHERE NOT success ORDER BY installed_rank")
                    .map((rs, ctx) -> "migration " + rs.getString(1) + " (" + rs.getString(2) + ") failed; see flyway_schema_history")
                    .forEach(problems::add);
            // Touches each table (one row at most): a missing table or a missing permission shows here as an error.
            h.createQuery("SELECT (SELECT count(*) FROM (SELECT 1 FROM jobs LIMIT 1) j)"
                    + " + (SELECT count(*) FROM (SELECT 1 FROM devices LIMIT 1) d)"
                    + " + (SELECT count(*) FROM (SELECT 1 FROM resumable_uploads LIMIT 1) r)").mapTo(Long.class).one();
            String version = h.createQuery(
                            "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC LIMIT 1")
                    .mapTo(String.class).findOne().orElse("?");
            return new Health(problems, version);
        });
    }

    /** The connections, for tests that read the tables directly. */
    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public void close() {
        try {
            connections.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close the ledger's connections: " + e.getMessage(), e);
        }
    }
}
