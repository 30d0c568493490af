package dev.photosidecar.ledger.postgres;

import dev.photosidecar.ledger.jdbc.Dialect;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/**
 * PostgreSQL's differences from the one JDBC ledger, for a database every replica shares: claims skip rows another
 * replica is claiming ({@code FOR UPDATE SKIP LOCKED}), a read that precedes a write locks its rows in id order, and
 * work the server rolled back as a deadlock or serialization failure runs once more ({@link Retried}). Inserts
 * commit side by side, so nothing is grouped.
 */
public final class PostgresDialect implements Dialect {
    /** The one dialect; it holds no state. */
    public static final PostgresDialect INSTANCE = new PostgresDialect();

    private PostgresDialect() {
    }

    /**
     * The inner select locks the rows it picks and skips rows another claimer has locked, so replicas claiming at
     * once each get other jobs instead of queueing. {@code = ANY(ARRAY(...))} evaluates the pick once: with
     * {@code IN (SELECT ...)} PostgreSQL may run the locking subquery again and claim more than {@code max}. The
     * outer {@code state = 'pending'} keeps the statement guarded whatever the pick saw.
     */
    @Override
    public String claimDue() {
        return """
                UPDATE jobs SET state = 'delivering', attempts = attempts + 1, next_attempt_at = NULL,
                                lease_owner = :owner, lease_expires_at = :until
                WHERE seq = ANY(ARRAY(SELECT seq FROM jobs WHERE state = 'pending' AND next_attempt_at <= :now
                                        AND user_id NOT IN (<skip>)
                                      ORDER BY next_attempt_at, seq LIMIT :max FOR UPDATE SKIP LOCKED))
                  AND state = 'pending'
                RETURNING *""";
    }

    /** In id order, so two transactions locking overlapping rows queue rather than deadlock. */
    @Override
    public String lockForUpdate() {
        return " ORDER BY id FOR UPDATE";
    }

    @Override
    public String greatest() {
        return "GREATEST";
    }

    @Override
    public String countWhere(String condition) {
        return "count(*) FILTER (WHERE " + condition + ")";
    }

    /** A database server: other replicas may hold live leases. */
    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public boolean groupsCommits() {
        return false;
    }

    @Override
    public boolean isUniqueViolation(Throwable error) {
        return PostgresErrors.isUniqueViolation(error);
    }

    @Override
    public <R> R withHandle(Jdbi jdbi, HandleCallback<R, RuntimeException> work) {
        return new Retried(jdbi).withHandle(work);
    }

    @Override
    public <R> R inTransaction(Jdbi jdbi, HandleCallback<R, RuntimeException> work) {
        return new Retried(jdbi).inTransaction(work);
    }
}
