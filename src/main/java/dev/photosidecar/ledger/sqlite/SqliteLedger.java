package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.ChunkProgress;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.LedgerStats;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.ledger.jdbc.JdbcChunkProgress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The ledger in one SQLite file ({@link Database}): never shared, since the data-folder lock keeps it to one
 * server process (the CLI's short calls go through SQLite's own locking).
 */
public final class SqliteLedger implements Ledger {
    private final Jdbi jdbi;
    private final Clock clock;
    private final AutoCloseable connections;
    private final SqliteJobLedger jobs;
    private final SqliteResumableLedger resumable;
    private final SqliteDeviceRegistry devices;
    private final JdbcChunkProgress chunks;
    private final SqliteLedgerStats stats;

    /** The ledger on connections from {@code jdbi}; {@code connections} is closed with it. */
    public SqliteLedger(Jdbi jdbi, Clock clock, AutoCloseable connections) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.connections = connections;
        this.jobs = new SqliteJobLedger(jdbi, clock);
        this.resumable = new SqliteResumableLedger(jdbi, clock);
        this.devices = new SqliteDeviceRegistry(jdbi, clock);
        this.chunks = new JdbcChunkProgress(jdbi, clock, SqliteDialect.INSTANCE);
        this.stats = new SqliteLedgerStats(jdbi, clock);
    }

    /** For a command that makes a few calls and exits: a new connection per call, nothing kept open. */
    public static SqliteLedger open(Path file, Clock clock) {
        return new SqliteLedger(Database.open(file), clock, () -> { });
    }

    /** For the server: up to {@code connections} connections kept open; close the ledger when the server stops. */
    public static SqliteLedger openPooled(Path file, Clock clock, int connections) {
        Database.Pooled pooled = Database.openPooled(file, connections);
        return new SqliteLedger(pooled.jdbi(), clock, pooled);
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
        return new SqliteCredentialStore(jdbi, box, clock);
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

    /** SQLite's {@code PRAGMA integrity_check} ("ok" is no problem) and the newest migration Flyway applied. */
    @Override
    public Health health() {
        List<String> integrity = jdbi.withHandle(h -> h.createQuery("PRAGMA integrity_check").mapTo(String.class).list());
        String version = jdbi.withHandle(h -> h.createQuery(
                        "SELECT version FROM flyway_schema_history WHERE success = 1 ORDER BY installed_rank DESC LIMIT 1")
                .mapTo(String.class).findOne().orElse("?"));
        return new Health(integrity.equals(List.of("ok")) ? List.of() : integrity, version);
    }

    /** The connections, for tests and benchmarks that read the file directly. */
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
