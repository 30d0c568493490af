package dev.photosidecar.ledger.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UnitTest
class WalCheckpointsTest {
    @TempDir
    Path dir;

    @Test
    void theServersConnectionsLeaveTheWalToTheCheckpointThreadWhichCopiesItAllBack() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (Database.Pooled pooled = Database.openPooled(file, 2)) {
            int autocheckpoint = pooled.jdbi().withHandle(h -> h.createQuery("PRAGMA wal_autocheckpoint").mapTo(Integer.class).one());
            assertThat(autocheckpoint).isEqualTo(WalCheckpoints.BACKSTOP_PAGES);
            pooled.jdbi().useHandle(h -> h.execute("CREATE TABLE scratch (x TEXT)"));
            for (int i = 0; i < 1_500; i++) {
                int n = i;
                // One commit each, more pages than SQLite's own threshold of 1,000: no commit copied them back.
                pooled.jdbi().useHandle(h -> h.execute("INSERT INTO scratch VALUES (?)", "row " + n + " " + "x".repeat(200)));
            }
            assertThat(Files.size(dir.resolve("ledger.db-wal"))).as("the WAL grew past SQLite's own threshold of 1,000 pages").isGreaterThan(1_200L * 4_120);

            assertThat(pooled.checkpoints().checkpoint()).as("pages left in the WAL").isZero();
            int rows = pooled.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM scratch").mapTo(Integer.class).one());
            assertThat(rows).isEqualTo(1_500);
        }
    }
}
