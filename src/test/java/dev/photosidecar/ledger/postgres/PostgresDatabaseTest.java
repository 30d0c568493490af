package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ledger opens on a real PostgreSQL from the operator's settings, migrated, by one replica or several at once. */
@PostgresTest
class PostgresDatabaseTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    /** Every migration the jar ships for PostgreSQL, in order: "the newest schema" is all of them, applied once. */
    private static final List<String> SHIPPED_VERSIONS = shippedVersions();

    @Test
    void opensFromAPostgresqlUrlWithItsPasswordAndMigratesToTheNewestSchema() {
        try (PostgresDatabase.Pooled ledger = PostgresDatabase.open(db.uri(), null, null, 2)) {
            assertThat(appliedVersions(ledger)).containsExactlyElementsOf(SHIPPED_VERSIONS);
            ledger.jdbi().useHandle(h -> h.execute("INSERT INTO users (id, created_at) VALUES ('alice', 1)"));
            long createdAt = ledger.jdbi().withHandle(h -> h.createQuery("SELECT created_at FROM users WHERE id = 'alice'")
                    .mapTo(Long.class).one());
            assertThat(createdAt).isEqualTo(1L);
        }
    }

    @Test
    void opensFromAJdbcUrlWithSeparateCredentialsAndFindsTheSchemaCurrent() {
        try (PostgresDatabase.Pooled first = PostgresDatabase.open(db.uri(), null, null, 1)) {
            assertThat(appliedVersions(first)).hasSize(SHIPPED_VERSIONS.size());
        }
        try (PostgresDatabase.Pooled again = PostgresDatabase.open(db.jdbcUrl(), db.user(), db.password(), 1)) {
            assertThat(appliedVersions(again)).containsExactlyElementsOf(SHIPPED_VERSIONS);
        }
    }

    @Test
    void severalReplicasOpeningAnEmptyDatabaseAtOnceMigrateItOnce() throws Exception {
        PostgresTestDatabase.Fresh empty = db.fresh();
        int replicas = 3;
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        List<PostgresDatabase.Pooled> opened = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<PostgresDatabase.Pooled>> results = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return PostgresDatabase.open(empty.jdbcUrl(), db.user(), db.password(), 1);
                }));
            }
            go.countDown();
            for (Future<PostgresDatabase.Pooled> r : results) {
                opened.add(r.get(60, TimeUnit.SECONDS));
            }
            assertThat(appliedVersions(opened.get(0))).containsExactlyElementsOf(SHIPPED_VERSIONS);
        } finally {
            opened.forEach(PostgresDatabase.Pooled::close);
            pool.shutdownNow();
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithTheServersReasonAndWithoutThePassword() {
        String wrong = db.password() + "-wrong";
        assertThatThrownBy(() -> PostgresDatabase.open(db.jdbcUrl(), db.user(), wrong, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot connect to the ledger database postgresql://" + db.user() + ":***@127.0.0.1:")
                .hasMessageContaining("password authentication failed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong));
    }

    @Test
    void aMissingDatabaseIsNamed() {
        assertThatThrownBy(() -> PostgresDatabase.open(db.jdbcUrl() + "_missing", db.user(), db.password(), 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/" + db.name() + "_missing")
                .hasMessageContaining("does not exist");
    }

    private static List<String> appliedVersions(PostgresDatabase.Pooled ledger) {
        return ledger.jdbi().withHandle(h -> h.createQuery(
                "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL ORDER BY installed_rank")
                .mapTo(String.class).list());
    }

    private static List<String> shippedVersions() {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(
                java.nio.file.Path.of(PostgresDatabaseTest.class.getResource("/db/postgresql").toURI()))) {
            List<String> versions = files.map(f -> f.getFileName().toString())
                    .filter(name -> name.matches("V\\d+__.*\\.sql"))
                    .map(name -> name.substring(1, name.indexOf("__")))
                    .sorted(java.util.Comparator.comparingInt(Integer::parseInt)).toList();
            assertThat(versions).as("migrations found in db/postgresql").isNotEmpty().startsWith("1", "2", "3", "4");
            return versions;
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot list db/postgresql", e);
        }
    }
}
