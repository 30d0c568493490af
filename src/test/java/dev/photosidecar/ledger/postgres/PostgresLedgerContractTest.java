package dev.photosidecar.ledger.postgres;

import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.LedgerContractTest;
import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import java.time.Clock;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ledger contract on a real PostgreSQL, each test on a fresh, empty database; "another process" is a second
 * connection pool on the same database, as a second replica would have.
 */
@PostgresTest
class PostgresLedgerContractTest extends LedgerContractTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    private PostgresUrl current;

    @Override
    protected Ledger openLedger(Clock clock) {
        current = PostgresUrl.parse(db.fresh().jdbcUrl(), db.user(), db.password());
        return PostgresLedger.open(current, clock, 4);
    }

    @Override
    protected Ledger openAnotherProcess(Clock clock) {
        return PostgresLedger.open(current, clock, 4);
    }
}
