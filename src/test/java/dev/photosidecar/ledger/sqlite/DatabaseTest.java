package dev.photosidecar.ledger.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.ledger.jdbc.MigrationHistory;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * Opening a ledger skips Flyway only when its schema is already exactly this build's: a new, older, newer or edited
 * ledger still goes through Flyway, which migrates and validates it as before.
 */
@UnitTest
class DatabaseTest {
    @TempDir
    Path dir;

    private static SQLiteDataSource plain(Path file) {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return ds;
    }

    private static Flyway flyway(Path file, String target) {
        return Flyway.configure().dataSource(plain(file)).locations(Database.MIGRATIONS).target(target).load();
    }

    private static void sql(Path file, String statement) {
        Jdbi.create(plain(file)).useHandle(h -> h.execute(statement));
    }

    @Test
    void theBundledListIsWhatFlywayRecordsForEveryMigrationFile() {
        Path file = dir.resolve("flyway.db");
        flyway(file, "latest").migrate();
        List<MigrationHistory.Applied> recorded = Jdbi.create(plain(file)).withHandle(h -> h.createQuery(
                        "SELECT version, description, checksum FROM flyway_schema_history ORDER BY installed_rank")
                .map((rs, ctx) -> new MigrationHistory.Applied(rs.getString(1), rs.getString(2), rs.getInt(3))).list());
        assertThat(Database.BUNDLED)
                .as("Database.BUNDLED lists every file in db/sqlite with the checksum Flyway gives it; a new or edited"
                        + " migration must be entered there")
                .isEqualTo(recorded);
    }

    @Test
    void aLedgerMigratedByFlywayIsCurrentAndOpensAsItIs() {
        Path file = dir.resolve("ledger.db");
        flyway(file, "latest").migrate();
        assertThat(MigrationHistory.isCurrent(plain(file), Database.BUNDLED)).isTrue();
        Database.open(file).useHandle(h -> h.execute("INSERT INTO users (id, created_at) VALUES ('alice', 1)"));
        assertThat(MigrationHistory.isCurrent(plain(file), Database.BUNDLED)).isTrue();
    }

    @Test
    void aNewLedgerIsNotCurrentAndOpeningMigratesIt() {
        Path file = dir.resolve("ledger.db");
        assertThat(MigrationHistory.isCurrent(plain(file), Database.BUNDLED)).isFalse();
        Database.open(file);
        assertThat(MigrationHistory.isCurrent(plain(file), Database.BUNDLED)).isTrue();
    }

    @Test
    void anOlderLedgerIsNotCurrentAndOpeningMigratesIt() {
        Path file = dir.resolve("ledger.db");
        flyway(file, "3").migrate();
        assertThat(MigrationHistory.isCurrent(plain(file), Database.BUNDLED)).isFalse();
        Database.open(file);
        assertThat(MigrationHistory.isCurrent(plain(file), Database.BUNDLED)).isTrue();
        Integer applied = Jdbi.create(plain(file)).withHandle(h -> h.createQuery(
                "SELECT count(*) FROM flyway_schema_history WHERE success = 1").mapTo(Integer.class).one());
        assertThat(applied).isEqualTo(Database.BUNDLED.size());
    }

    @Test
    void anEditedMigrationIsNotCurrentAndFlywayStillRefusesIt() {
        Path file = dir.resolve("ledger.db");
        flyway(file, "latest").migrate();
        sql(file, "UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '3'");
        assertThat(MigrationHistory.isCurrent(plain(file), Database.BUNDLED)).isFalse();
        assertThatThrownBy(() -> Database.open(file)).isInstanceOf(FlywayValidateException.class);
    }

    @Test
    void aFailedOrNewerMigrationIsNotCurrent() {
        Path failed = dir.resolve("failed.db");
        flyway(failed, "latest").migrate();
        sql(failed, "UPDATE flyway_schema_history SET success = 0 WHERE version = '6'");
        assertThat(MigrationHistory.isCurrent(plain(failed), Database.BUNDLED)).isFalse();

        Path newer = dir.resolve("newer.db");
        flyway(newer, "latest").migrate();
        int next = Database.BUNDLED.size() + 1;
        sql(newer, ("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                + " installed_by, execution_time, success) VALUES (%d, '%d', 'from a newer sidecar', 'SQL', 'V%d__x.sql', 1,"
                + " 'x', 1, 1)").formatted(next, next, next));
        assertThat(MigrationHistory.isCurrent(plain(newer), Database.BUNDLED)).isFalse();
    }
}
