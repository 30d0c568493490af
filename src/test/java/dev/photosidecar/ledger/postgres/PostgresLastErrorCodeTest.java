package dev.photosidecar.ledger.postgres;

import dev.photosidecar.ledger.LastErrorCodeContractTest;
import dev.photosidecar.ledger.jdbc.JdbcLedger;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The code of a job's last error beside its text, as on SQLite, against a fresh PostgreSQL database per test. */
@PostgresTest
class PostgresLastErrorCodeTest extends LastErrorCodeContractTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    @Override
    protected JdbcLedger openLedger(MutableClock clock) {
        return PostgresLedger.open(PostgresUrl.parse(db.fresh().jdbcUrl(), db.user(), db.password()), clock, 2);
    }
}
