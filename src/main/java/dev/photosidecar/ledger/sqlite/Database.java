package dev.photosidecar.ledger.sqlite;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.photosidecar.ledger.jdbc.MigrationHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.BusyHandler;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

/**
 * Opens the ledger: one SQLite file in WAL mode, migrated to the newest schema.
 *
 * <p>synchronous=FULL because a 2xx promises the job row is durable; transactions begin IMMEDIATE so
 * that two writers never deadlock on a read-to-write upgrade (they queue on the busy timeout instead).
 *
 * <p>A writer that finds the database locked waits in short steps ({@link ShortWaits}), not with SQLite's
 * own busy handler: that one sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms between tries, so
 * under concurrent uploads and deliveries a writer kept sleeping tens of milliseconds for a lock held for
 * one commit (about one fsync), and intake fell to a tenth of what the disk allows (docs/performance.md).
 */
public final class Database {
    /** How long a writer waits for the lock before SQLITE_BUSY, as before. */
    static final long BUSY_TIMEOUT_MILLIS = 30_000;
    /** SQLite's migrations; the file names and contents are what existing ledgers were checksummed with. */
    public static final String MIGRATIONS = "classpath:db/sqlite";
    /**
     * The migrations in {@link #MIGRATIONS} as Flyway records them once applied, oldest first: a ledger whose history
     * is exactly this opens without Flyway ({@link MigrationHistory}). A new migration file goes here too, with the
     * checksum Flyway gives it; DatabaseTest fails until this list and the folder agree.
     */
    static final List<MigrationHistory.Applied> BUNDLED = List.of(
            new MigrationHistory.Applied("1", "ledger", 43649326),
            new MigrationHistory.Applied("2", "user credentials", -783498637),
            new MigrationHistory.Applied("3", "nextcloud", 1763803571),
            new MigrationHistory.Applied("4", "resumable uploads", 923637668),
            new MigrationHistory.Applied("5", "resumable protocol versions", 1746221341),
            new MigrationHistory.Applied("6", "last error code", -1414496230),
            new MigrationHistory.Applied("7", "shared state", 93251403));

    private Database() {
    }

    /**
     * The ledger for a command that makes a few calls and exits: a new connection per call, nothing to close.
     */
    public static Jdbi open(Path file) {
        return Jdbi.create(migrated(file));
    }

    /**
     * The ledger for the server: up to {@code connections} connections kept open and reused. Opening a SQLite
     * connection reads and parses the schema and maps the WAL index; per call, that was a sixth of the CPU of
     * a delivery (docs/performance.md). Close it when the server stops.
     */
    public static Pooled openPooled(Path file, int connections) {
        SQLiteDataSource source = migrated(file);
        WalCheckpoints checkpoints = new WalCheckpoints(source).start();
        // The server's connections leave the WAL to the checkpoint thread, up to the backstop.
        source.getConfig().setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, String.valueOf(WalCheckpoints.BACKSTOP_PAGES));
        HikariConfig pool = new HikariConfig();
        pool.setDataSource(source);
        pool.setPoolName("ledger");
        pool.setMaximumPoolSize(connections);
        pool.setMinimumIdle(1);
        // A caller that finds every connection busy waits as a writer waits for SQLite's lock.
        pool.setConnectionTimeout(BUSY_TIMEOUT_MILLIS);
        HikariDataSource dataSource = new HikariDataSource(pool);
        return new Pooled(Jdbi.create(dataSource), dataSource, checkpoints);
    }

    /** A pooled ledger: its {@link Jdbi}, and {@link #close()} to close its connections and stop its checkpoints. */
    public record Pooled(Jdbi jdbi, HikariDataSource dataSource, WalCheckpoints checkpoints) implements AutoCloseable {
        @Override
        public void close() {
            checkpoints.close();
            dataSource.close();
        }
    }

    /**
     * Creates the folder, migrates the file to the newest schema, and returns its connection source. Flyway runs
     * only when the schema is not already this build's ({@link MigrationHistory}): a new, older or doubtful ledger
     * is migrated and validated by Flyway exactly as before.
     */
    private static SQLiteDataSource migrated(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create the folder for the ledger " + file + ": " + e.getMessage(), e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout((int) BUSY_TIMEOUT_MILLIS);
        config.enforceForeignKeys(true);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        SQLiteDataSource dataSource = new ShortWaitDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        if (!MigrationHistory.isCurrent(dataSource, BUNDLED)) {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations(MIGRATIONS)
                    .loggers("slf4j")
                    .load()
                    .migrate();
        }
        return dataSource;
    }

    /** Connections that wait for a locked database with {@link ShortWaits}. */
    private static final class ShortWaitDataSource extends SQLiteDataSource {
        ShortWaitDataSource(SQLiteConfig config) {
            super(config);
        }

        @Override
        public SQLiteConnection getConnection(String username, String password) throws SQLException {
            SQLiteConnection connection = super.getConnection(username, password);
            BusyHandler.setHandler(connection, new ShortWaits());
            return connection;
        }
    }

    /**
     * Waits 50 µs, then twice as long each time up to 1 ms, until {@link #BUSY_TIMEOUT_MILLIS} has passed; the
     * lock is usually free again within one commit.
     */
    static final class ShortWaits extends BusyHandler {
        private static final long MAX_WAIT_NANOS = 1_000_000;
        private long waitedNanos;

        @Override
        protected int callback(int previousCalls) {
            if (previousCalls == 0) {
                waitedNanos = 0;
            }
            if (waitedNanos >= BUSY_TIMEOUT_MILLIS * 1_000_000) {
                return 0; // give up: the statement fails with SQLITE_BUSY
            }
            long wait = Math.min(MAX_WAIT_NANOS, 50_000L << Math.min(previousCalls, 5));
            long start = System.nanoTime();
            LockSupport.parkNanos(wait);
            waitedNanos += System.nanoTime() - start;
            return 1;
        }
    }
}
