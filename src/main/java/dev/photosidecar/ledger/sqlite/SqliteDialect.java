package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.jdbc.Dialect;

/**
 * SQLite's few differences from the one JDBC ledger. Every transaction begins IMMEDIATE ({@link Database}), so it
 * holds the database's one write lock from its first read: no row locks are needed, and a claim cannot race
 * another. Commits cannot overlap and each costs an fsync, so writes that arrive together share one.
 */
public final class SqliteDialect implements Dialect {
    /** The one dialect; it holds no state. */
    public static final SqliteDialect INSTANCE = new SqliteDialect();

    private SqliteDialect() {
    }

    @Override
    public String claimDue() {
        return """
                UPDATE jobs SET state = 'delivering', attempts = attempts + 1, next_attempt_at = NULL,
                                lease_owner = :owner, lease_expires_at = :until
                WHERE seq IN (SELECT seq FROM jobs WHERE state = 'pending' AND next_attempt_at <= :now
                                AND user_id NOT IN (<skip>)
                              ORDER BY next_attempt_at, seq LIMIT :max)
                  AND state = 'pending'
                RETURNING *""";
    }

    /** Nothing: the transaction has held the write lock since its first read. */
    @Override
    public String lockForUpdate() {
        return "";
    }

    @Override
    public String greatest() {
        return "max";
    }

    @Override
    public String countWhere(String condition) {
        return "coalesce(sum(" + condition + "), 0)";
    }

    /** One file, kept to one server process by the data-folder lock: never shared. */
    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public boolean groupsCommits() {
        return true;
    }

    @Override
    public boolean isUniqueViolation(Throwable error) {
        return SqliteErrors.isUniqueViolation(error);
    }
}
