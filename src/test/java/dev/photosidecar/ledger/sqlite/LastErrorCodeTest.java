package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.LastErrorCodeContractTest;
import dev.photosidecar.ledger.jdbc.JdbcLedger;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The code of a job's last error beside its text, against a real SQLite file. */
@UnitTest
class LastErrorCodeTest extends LastErrorCodeContractTest {
    @TempDir
    Path dir;

    @Override
    protected JdbcLedger openLedger(MutableClock clock) {
        return SqliteLedger.open(dir.resolve("ledger.db"), clock);
    }
}
