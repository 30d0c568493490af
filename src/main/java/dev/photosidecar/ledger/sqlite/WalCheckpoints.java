package dev.photosidecar.ledger.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the server's WAL back into the database file on a thread of its own, so that no upload or claim pays for
 * it. Left to SQLite, the commit that finds the WAL past 1,000 pages runs the checkpoint itself, and on a ledger of
 * 100,000 jobs that made one claim in a hundred take five times as long as the rest (docs/performance.md, queue
 * scale). A PASSIVE checkpoint waits for nobody and nobody waits for it; the server's own connections then
 * checkpoint only past {@link #BACKSTOP_PAGES}, should this thread ever fall behind. Durability does not change: a
 * commit is durable in the WAL (synchronous=FULL) whether or not it has been copied back yet.
 */
final class WalCheckpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpoints.class);
    /** The server's connections checkpoint themselves only past this many WAL pages (about 40 MB). */
    static final int BACKSTOP_PAGES = 10_000;
    private static final long EVERY_MILLIS = 500;

    private final DataSource ledger;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ledger-checkpoint");
        t.setDaemon(true);
        return t;
    });
    private Connection connection;
    private boolean warned;

    WalCheckpoints(DataSource ledger) {
        this.ledger = ledger;
    }

    WalCheckpoints start() {
        thread.scheduleWithFixedDelay(this::checkpointQuietly, EVERY_MILLIS, EVERY_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One PASSIVE checkpoint; the WAL pages still not copied back (0 when the WAL is all in the file). */
    synchronized long checkpoint() throws SQLException {
        if (connection == null) {
            connection = ledger.getConnection();
        }
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            rs.next();
            return rs.getLong(2) < 0 ? 0 : rs.getLong(2) - rs.getLong(3);
        }
    }

    private void checkpointQuietly() {
        try {
            checkpoint();
            warned = false;
        } catch (SQLException | RuntimeException e) {
            // The commits' own checkpoint past BACKSTOP_PAGES still bounds the WAL; say so once, not every 500 ms.
            if (!warned) {
                log.warn("The ledger's background checkpoint failed ({}); the WAL is copied back by commits instead",
                        e.getMessage());
                warned = true;
            }
            closeConnection();
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }

    private synchronized void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing a connection we no longer need
            }
            connection = null;
        }
    }
}
