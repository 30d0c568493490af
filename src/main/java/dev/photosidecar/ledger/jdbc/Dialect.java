package dev.photosidecar.ledger.jdbc;

import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/**
 * What one database does differently from the others, for the one JDBC ledger ({@link JdbcJobLedger} and its
 * siblings): the claim statement, row locks, a few spellings, how work is run and retried, and which errors mean a
 * duplicate key. Everything else is the same SQL on every database, so it lives once in the Jdbc* classes.
 */
public interface Dialect {
    /**
     * The statement that moves up to {@code :max} due pending jobs to delivering for {@code :owner}, skipping the users
     * in {@code <skip>}, and returns the rows it changed. Binds: owner, until, now, max, skip (a list).
     */
    String claimDue();

    /**
     * What follows a {@code SELECT} whose rows the same transaction will then update, so that they stay as read:
     * empty where the transaction already holds the whole database, a row lock in a fixed order where it does not.
     */
    String lockForUpdate();

    /** The scalar function that returns the larger of two values ({@code max} in SQLite, {@code GREATEST} elsewhere). */
    String greatest();

    /**
     * An aggregate that counts the grouped rows for which {@code condition} holds, zero when none does (SQLite sums
     * the boolean; PostgreSQL does not sum booleans, so it filters the count).
     */
    String countWhere(String condition);

    /** Whether other server processes may use the same ledger at once (so their leases may be alive). */
    boolean shared();

    /**
     * Whether writes that arrive together should share one commit ({@link GroupCommit}): worth it where commits
     * cannot overlap and each costs an fsync, pointless where the server commits them side by side.
     */
    boolean groupsCommits();

    /** Whether {@code error} or one of its causes is the database refusing a row for a UNIQUE constraint. */
    boolean isUniqueViolation(Throwable error);

    /** Runs {@code work} on one handle in auto-commit. */
    default <R> R withHandle(Jdbi jdbi, HandleCallback<R, RuntimeException> work) {
        return jdbi.withHandle(work);
    }

    /** Runs {@code work} in one transaction. */
    default <R> R inTransaction(Jdbi jdbi, HandleCallback<R, RuntimeException> work) {
        return jdbi.inTransaction(work);
    }
}
