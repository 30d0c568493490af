package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.ledger.LedgerErrors;
import dev.photosidecar.support.UnitTest;
import java.sql.SQLException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;

/** PostgreSQL's SQLSTATEs are read as the ledger's typed errors, and the disk-full one is registered for the spool. */
@UnitTest
class PostgresErrorsTest {
    @Test
    void aFullDiskOnPostgresqlIsRecognisedThroughTheRegisteredLedgerErrors() {
        assertThat(LedgerErrors.diskFull(new SQLException("could not extend file: No space left on device", "53100"))).isTrue();
        assertThat(LedgerErrors.diskFull(new SQLException("duplicate key", "23505"))).isFalse();
    }

    @Test
    void aUniqueViolationIsFoundUnderTheStatementException() {
        var wrapped = new UnableToExecuteStatementException(new SQLException("duplicate key", "23505"), null);
        assertThat(PostgresErrors.isUniqueViolation(wrapped)).isTrue();
        assertThat(PostgresErrors.isUniqueViolation(new SQLException("check", "23514"))).isFalse();
    }

    @Test
    void onlyDeadlocksAndSerializationFailuresAreWorthRunningAgain() {
        assertThat(PostgresErrors.isTransient(new RuntimeException(new SQLException("deadlock", "40P01")))).isTrue();
        assertThat(PostgresErrors.isTransient(new SQLException("serialization", "40001"))).isTrue();
        assertThat(PostgresErrors.isTransient(new SQLException("lock timeout", "55P03"))).isFalse();
    }
}
