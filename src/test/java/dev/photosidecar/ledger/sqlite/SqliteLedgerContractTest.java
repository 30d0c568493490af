package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.LedgerContractTest;
import dev.photosidecar.support.UnitTest;
import java.time.Clock;

/** The ledger contract against a fresh SQLite file. */
@UnitTest
class SqliteLedgerContractTest extends LedgerContractTest {
    @Override
    protected Ledger openLedger(Clock clock) {
        return SqliteLedger.open(scratch.resolve("ledger.db"), clock);
    }

    @Override
    protected Ledger openAnotherProcess(Clock clock) {
        return SqliteLedger.open(scratch.resolve("ledger.db"), clock);
    }
}
