package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A ledger connection waits for a row another sidecar holds as long as a SQLite writer waits, unless the URL says. */
@PostgresTest
class LockTimeoutTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    @Test
    void theLedgersConnectionsGiveUpOnALockAfterThirtySeconds() {
        try (PostgresDatabase.Pooled pool = PostgresDatabase.open(db.jdbcUrl(), db.user(), db.password(), 1)) {
            assertThat(lockTimeout(pool)).isEqualTo("30s");
        }
    }

    @Test
    void aLockTimeoutInTheUrlsOptionsIsKept() {
        // As docs/configuration.md writes it: the space as %20 (PostgresUrl reads a '+' as itself).
        String url = db.jdbcUrl() + "?options=-c%20lock_timeout%3D7s";
        try (PostgresDatabase.Pooled pool = PostgresDatabase.open(url, db.user(), db.password(), 1)) {
            assertThat(lockTimeout(pool)).isEqualTo("7s");
        }
    }

    private static String lockTimeout(PostgresDatabase.Pooled pool) {
        return pool.jdbi().withHandle(h -> h.createQuery("SHOW lock_timeout").mapTo(String.class).one());
    }
}
