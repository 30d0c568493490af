package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The database guards the job state machine's invariants itself, on PostgreSQL as on SQLite: every row that
 * SQLite's CHECKs refuse, PostgreSQL's refuse too (SQLState 23514), and the valid rows pass on both. Also pins
 * what the PostgreSQL ledger will have to map: a second job for one (device, key) is SQLState 23505.
 */
@PostgresTest
class CheckConstraintParityTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    @TempDir
    static Path tmp;

    private static final String SHA = "a".repeat(64);
    private static final AtomicInteger NEXT_ID = new AtomicInteger();
    private static Connection sqlite;
    private static Connection pg;

    @BeforeAll
    static void migrateBothAndAddADevice() throws SQLException {
        Path file = tmp.resolve("ledger.db");
        Database.open(file);
        PostgresDatabase.open(db.uri(), null, null, 1).close();
        sqlite = DriverManager.getConnection("jdbc:sqlite:" + file);
        pg = db.connect();
        for (Connection c : List.of(sqlite, pg)) {
            insert(c, "users", Map.of("id", "alice", "created_at", 1L));
            insert(c, "devices", Map.of("id", "phone", "user_id", "alice", "name", "Phone", "token_hash", "h", "created_at", 1L));
        }
    }

    @AfterAll
    static void close() throws SQLException {
        sqlite.close();
        pg.close();
    }

    @Test
    void anUnknownJobStateIsRefusedOnPostgresql() {
        // Without a due time, so that only the state's own CHECK can object (a due time is for pending jobs only).
        SQLException refused = refusal(pg, "jobs", job(nulls(Map.of("state", "lost"), "next_attempt_at")),
                "a job in the state 'lost'");
        assertThat(refused.getSQLState()).isEqualTo("23514"); // check_violation
        assertThat(refused.getMessage()).contains("jobs_state_check");
    }

    static Stream<Arguments> refusedRows() {
        return Stream.of(
                Arguments.of("an unknown state", nulls(Map.of("state", "lost"), "next_attempt_at")),
                Arguments.of("a negative size", Map.of("size", -1L)),
                Arguments.of("a SHA-256 that is not 64 characters", Map.of("sha256", "abc")),
                Arguments.of("negative attempts", Map.of("attempts", -1)),
                Arguments.of("pending without a due time", nulls(Map.of(), "next_attempt_at")),
                Arguments.of("failed with a due time", Map.of("state", "failed")),
                Arguments.of("delivering without a lease", nulls(Map.of("state", "delivering"), "next_attempt_at")),
                Arguments.of("delivering with an owner but no expiry",
                        nulls(Map.of("state", "delivering", "lease_owner", "w1"), "next_attempt_at")),
                Arguments.of("pending with a lease", Map.of("lease_owner", "w1", "lease_expires_at", 5L)),
                Arguments.of("succeeded without a remote path",
                        nulls(Map.of("state", "succeeded", "delivered_at", 5L), "next_attempt_at")),
                Arguments.of("acknowledged without a finalized time",
                        nulls(Map.of("state", "acknowledged", "remote_path", "/p", "delivered_at", 5L), "next_attempt_at")),
                Arguments.of("failed with a finalized time", nulls(Map.of("state", "failed", "finalized_at", 5L), "next_attempt_at")),
                Arguments.of("receiving with a SHA-256", nulls(Map.of("state", "receiving"), "next_attempt_at")),
                Arguments.of("pending without a SHA-256", nulls(Map.of(), "sha256")));
    }

    @ParameterizedTest(name = "refused on both: {0}")
    @MethodSource("refusedRows")
    void whatSqliteRefusesPostgresqlRefusesToo(String what, Map<String, Object> changes) {
        Map<String, Object> row = job(changes);
        SQLException onSqlite = refusal(sqlite, "jobs", row, "on SQLite, a job with " + what);
        assertThat(onSqlite.getMessage()).as(what).contains("CHECK constraint failed");
        SQLException onPg = refusal(pg, "jobs", job(changes), "on PostgreSQL, a job with " + what);
        // A CHECK refused it (check_violation), not something else such as a foreign key or a type error.
        assertThat(onPg.getSQLState()).as(what + ": " + onPg.getMessage()).isEqualTo("23514");
    }

    static Stream<Arguments> acceptedRows() {
        return Stream.of(
                Arguments.of("pending, due", Map.of()),
                Arguments.of("receiving, no SHA-256 yet", nulls(Map.of("state", "receiving"), "next_attempt_at", "sha256")),
                Arguments.of("delivering under a lease",
                        nulls(Map.of("state", "delivering", "lease_owner", "w1", "lease_expires_at", 5L), "next_attempt_at")),
                Arguments.of("succeeded", nulls(Map.of("state", "succeeded", "remote_path", "/p", "delivered_at", 5L), "next_attempt_at")),
                Arguments.of("failed", nulls(Map.of("state", "failed", "last_error", "host down"), "next_attempt_at")),
                Arguments.of("cancelled", nulls(Map.of("state", "cancelled", "finalized_at", 5L), "next_attempt_at")));
    }

    @ParameterizedTest(name = "accepted on both: {0}")
    @MethodSource("acceptedRows")
    void validRowsPassOnBoth(String what, Map<String, Object> changes) {
        assertThatCode(() -> insert(sqlite, "jobs", job(changes))).as("SQLite, " + what).doesNotThrowAnyException();
        assertThatCode(() -> insert(pg, "jobs", job(changes))).as("PostgreSQL, " + what).doesNotThrowAnyException();
    }

    @Test
    void aSecondJobForOneDeviceAndKeyIsAUniqueViolation() throws SQLException {
        insert(pg, "jobs", job(Map.of("upload_key", "same-key")));
        SQLException second = refusal(pg, "jobs", job(Map.of("upload_key", "same-key")), "a second job for one key");
        assertThat(second.getSQLState()).isEqualTo("23505"); // unique_violation
        assertThat(second.getMessage()).contains("jobs_device_id_upload_key_key");
    }

    @Test
    void resumableUploadsRefuseAnUnknownProtocolAndAForeignJobOnBoth() {
        for (Connection c : List.of(sqlite, pg)) {
            Map<String, Object> upload = new LinkedHashMap<>(Map.of("id", "up-" + NEXT_ID.incrementAndGet(),
                    "protocol", "ftp", "device_id", "phone", "user_id", "alice", "upload_key", "k", "filename", "a.jpg",
                    "resource_type", "photo", "content_type", "image/jpeg", "started_at", 1L, "expires_at", 2L));
            refusal(c, "resumable_uploads", upload, "an upload with the protocol 'ftp'");
            upload.put("protocol", "tus");
            assertThatCode(() -> insert(c, "resumable_uploads", upload)).doesNotThrowAnyException();
        }
    }

    /** A valid pending job, with {@code changes} applied (a null value in them writes NULL). */
    private static Map<String, Object> job(Map<String, Object> changes) {
        int n = NEXT_ID.incrementAndGet();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", "job-" + n);
        row.put("device_id", "phone");
        row.put("user_id", "alice");
        row.put("upload_key", "key-" + n);
        row.put("state", "pending");
        row.put("filename", "a.jpg");
        row.put("resource_type", "photo");
        row.put("content_type", "image/jpeg");
        row.put("size", 3L);
        row.put("sha256", SHA);
        row.put("created_at", 1L);
        row.put("received_at", 2L);
        row.put("attempts", 0);
        row.put("next_attempt_at", 3L);
        row.putAll(changes);
        return row;
    }

    /** The error that refused {@code row}; fails the test when the row was accepted. */
    private static SQLException refusal(Connection c, String table, Map<String, Object> row, String what) {
        try {
            insert(c, table, row);
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError(what + " was accepted: " + row);
    }

    private static Map<String, Object> nulls(Map<String, Object> changes, String... columns) {
        Map<String, Object> out = new LinkedHashMap<>(changes);
        for (String c : columns) {
            out.put(c, null);
        }
        return out;
    }

    private static void insert(Connection c, String table, Map<String, Object> row) throws SQLException {
        List<String> columns = new ArrayList<>(row.keySet());
        String sql = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", columns.stream().map(x -> "?").toList()) + ")";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < columns.size(); i++) {
                st.setObject(i + 1, row.get(columns.get(i)));
            }
            st.executeUpdate();
        }
    }
}
