package dev.photosidecar.ledger.jdbc;

import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.AdminSessions;
import dev.photosidecar.ledger.ChunkProgress;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.LedgerStats;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.ledger.SharedState;
import java.time.Clock;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * A {@link Ledger} on a JDBC database: builds the one JDBC implementation of each part with the database's
 * {@link Dialect}. A subclass per database opens the connections (pool, migrations) and answers {@link #health()},
 * the one question each database answers its own way.
 */
public abstract class JdbcLedger implements Ledger {
    private final Jdbi jdbi;
    private final Clock clock;
    private final Dialect dialect;
    private final AutoCloseable connections;
    private final JdbcJobLedger jobs;
    private final JdbcResumableLedger resumable;
    private final JdbcDeviceRegistry devices;
    private final JdbcChunkProgress chunks;
    private final JdbcLedgerStats stats;
    private final JdbcSharedState shared;
    private final JdbcAdminSessions adminSessions;

    /** The ledger on connections from {@code jdbi}, speaking {@code dialect}; {@code connections} closes with it. */
    protected JdbcLedger(Jdbi jdbi, Clock clock, Dialect dialect, AutoCloseable connections) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.dialect = dialect;
        this.connections = connections;
        this.jobs = new JdbcJobLedger(jdbi, clock, dialect);
        this.resumable = new JdbcResumableLedger(jdbi, clock, dialect);
        this.devices = new JdbcDeviceRegistry(jdbi, clock, dialect);
        this.chunks = new JdbcChunkProgress(jdbi, clock, dialect);
        this.stats = new JdbcLedgerStats(jdbi, clock, dialect);
        this.shared = new JdbcSharedState(jdbi, dialect);
        this.adminSessions = new JdbcAdminSessions(jdbi, dialect);
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
        return new JdbcCredentialStore(jdbi, box, clock, dialect);
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
    public SharedState sharedState() {
        return shared;
    }

    @Override
    public AdminSessions adminSessions() {
        return adminSessions;
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

    /** The connections, for tests and benchmarks that read the tables directly. */
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
