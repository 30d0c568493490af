package dev.photosidecar.ledger.postgres;

import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/**
 * Runs ledger work on PostgreSQL, once more if the server rolled it back as a deadlock (40P01) or a
 * serialization failure (40001). The ledger takes its row locks in one order (by id) where it can, so a deadlock
 * is rare; when two bulk changes (an operator's retry-all, a lost-spool sweep) still cross, PostgreSQL aborts one of
 * them, and since nothing of it was kept and no log line was written yet, running it again is the same request. A
 * second failure is surfaced as it is: the caller sees a database error, as it would on SQLite after its busy
 * timeout.
 */
final class Retried {
    private final Jdbi jdbi;

    Retried(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** {@code work} on one handle in auto-commit (one statement is its own transaction). */
    <R> R withHandle(HandleCallback<R, RuntimeException> work) {
        try {
            return jdbi.withHandle(work);
        } catch (RuntimeException e) {
            if (!PostgresErrors.isTransient(e)) {
                throw e;
            }
            return jdbi.withHandle(work);
        }
    }

    /** {@code work} in one transaction. */
    <R> R inTransaction(HandleCallback<R, RuntimeException> work) {
        try {
            return jdbi.inTransaction(work);
        } catch (RuntimeException e) {
            if (!PostgresErrors.isTransient(e)) {
                throw e;
            }
            return jdbi.inTransaction(work);
        }
    }

    Jdbi jdbi() {
        return jdbi;
    }
}
