package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.cli.BackupCommand;
import dev.photosidecar.cli.doctor.CheckResult;
import dev.photosidecar.cli.doctor.Doctor;
import dev.photosidecar.config.ConfigException;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import dev.photosidecar.support.TestSidecar;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The sidecar started with {@code SIDECAR_DATABASE_URL} keeps its ledger on a real PostgreSQL: it takes an upload,
 * delivers it (local folder target), and writes no SQLite file; a second sidecar on the same database knows the
 * device and the job, so a replay that lands on it is still a 200 and a conflict still a 409. {@code doctor} checks
 * the database, {@code backup} points at {@code pg_dump}.
 */
@PostgresTest
class PostgresSidecarTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    @TempDir
    Path first;
    @TempDir
    Path second;

    /** Every replica on one ledger shares the secret key (docs/scale-out.md); a passphrase is derived to one. */
    private static final String SHARED_KEY = "one key for every replica";

    private static Map<String, String> onPostgres(PostgresTestDatabase.Fresh database) {
        return onPostgres(database, SHARED_KEY);
    }

    private static Map<String, String> onPostgres(PostgresTestDatabase.Fresh database, String secretKey) {
        return Map.of("SIDECAR_DATABASE_URL", database.jdbcUrl(), "SIDECAR_DATABASE_USER", db.user(),
                "SIDECAR_DATABASE_PASSWORD", db.password(), "SIDECAR_SECRET_KEY", secretKey);
    }

    @Test
    void aSecondSidecarWithAnotherSecretKeyIsRefusedWithTheFix() throws Exception {
        PostgresTestDatabase.Fresh database = db.fresh();
        try (TestSidecar one = TestSidecar.start(first, onPostgres(database))) {
            assertThatThrownBy(() -> TestSidecar.start(second, onPostgres(database, "another key")))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("not the one the other sidecars on this shared ledger use")
                    .hasMessageContaining("same SIDECAR_SECRET_KEY")
                    .hasMessageNotContaining("another key");
            assertThat(one.http().get("/readyz", null).status()).as("the running replica is untouched").isEqualTo(200);
        }
        // Its own generated secret.key is another key too: a replica needs the shared one.
        Map<String, String> noKey = new HashMap<>(onPostgres(database));
        noKey.remove("SIDECAR_SECRET_KEY");
        assertThatThrownBy(() -> TestSidecar.start(second, noKey)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("shared ledger");
        try (TestSidecar two = TestSidecar.start(second, onPostgres(database))) {
            assertThat(two.http().get("/readyz", null).status()).isEqualTo(200);
        }
    }

    @Test
    void anUploadIsRecordedOnPostgresqlAndDelivered() throws Exception {
        PostgresTestDatabase.Fresh database = db.fresh();
        byte[] photo = Files2.randomBytes(7, 50_000);
        try (TestSidecar s = TestSidecar.start(first, onPostgres(database))) {
            String token = s.enroll("alice", "phone");
            Response created = s.http().put("/v1/uploads/IMG_0001", token, Map.of("X-Filename", "IMG_0001.JPG"), photo);
            assertThat(created.status()).isEqualTo(201);
            String id = created.json().path("id").asText();

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    s.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals("succeeded"));
            JsonNode job = s.http().get("/v1/jobs/" + id, token).json();
            Path delivered = s.library("alice").resolve(job.path("remotePath").asText());
            assertThat(Files2.sha256(delivered)).isEqualTo(Files2.sha256(photo));
            assertThat(s.http().put("/v1/uploads/IMG_0001", token, Map.of("X-Filename", "IMG_0001.JPG"), photo).status())
                    .as("a replay").isEqualTo(200);

            assertThat(stateInDatabase(database, id)).isEqualTo("succeeded");
            assertThat(s.config().ledgerFile()).as("no SQLite ledger beside it").doesNotExist();
            assertThat(Files.exists(first.resolve("spool"))).isTrue();
        }
    }

    @Test
    void aSecondSidecarOnTheSameDatabaseKnowsTheDeviceAndItsKeys() throws Exception {
        PostgresTestDatabase.Fresh database = db.fresh();
        byte[] photo = Files2.randomBytes(8, 20_000);
        String token;
        String id;
        try (TestSidecar one = TestSidecar.start(first, onPostgres(database))) {
            token = one.enroll("alice", "phone");
            id = one.http().put("/v1/uploads/k1", token, Map.of("X-Filename", "a.jpg"), photo).json().path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    one.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals("succeeded"));
            // The job is delivered before the second sidecar starts: each has its own spool here, and a second start
            // would fail a job whose copy it cannot see (docs/scale-out.md: replicas share one spool).
            try (TestSidecar two = TestSidecar.start(second, onPostgres(database))) {
                assertThat(two.http().get("/v1/jobs/" + id, token).json().path("state").asText()).isEqualTo("succeeded");
                assertThat(two.http().put("/v1/uploads/k1", token, Map.of("X-Filename", "a.jpg"), photo).status())
                        .as("a replay on the other sidecar").isEqualTo(200);
                Response conflict = two.http().put("/v1/uploads/k1", token, Map.of("X-Filename", "a.jpg"),
                        Files2.randomBytes(9, 20_000));
                assertThat(conflict.status()).isEqualTo(409);
                assertThat(conflict.errorCode()).isEqualTo("KEY_CONFLICT");
                assertThat(one.http().get("/v1/jobs/" + id, token).json().path("state").asText())
                        .as("the other sidecar's start left the first one's job alone").isEqualTo("succeeded");
            }
        }
    }

    @Test
    void doctorChecksTheDatabaseAndBackupPointsAtPgDump() throws Exception {
        PostgresTestDatabase.Fresh database = db.fresh();
        Path config = first.resolve("sidecar.yaml");
        Files.writeString(config, "data_dir: " + first.resolve("data") + "\ndatabase_url: " + database.jdbcUrl()
                + "\ndatabase_user: " + db.user() + "\ndatabase_password: " + db.password() + "\n");
        CheckResult ledger = new Doctor(Map.of(), Optional.of(config), Clock.systemUTC()).run().stream()
                .filter(c -> c.check().equals("ledger")).findFirst().orElseThrow();
        assertThat(ledger.failed()).as(ledger.text()).isFalse();
        assertThat(ledger.text()).contains("PostgreSQL postgresql://" + db.user() + ":***@127.0.0.1:")
                .contains("schema version").contains("0 jobs").contains("pg_dump").doesNotContain(db.password());

        Files.writeString(config, Files.readString(config).replace(db.password(), "not-" + db.password()));
        CheckResult refused = new Doctor(Map.of(), Optional.of(config), Clock.systemUTC()).run().stream()
                .filter(c -> c.check().equals("ledger")).findFirst().orElseThrow();
        assertThat(refused.failed()).isTrue();
        assertThat(refused.text()).contains("password authentication failed").contains("SIDECAR_DATABASE_URL")
                .doesNotContain(db.password());

        StringWriter err = new StringWriter();
        int exit = new CommandLine(new BackupCommand()).setOut(new PrintWriter(new StringWriter(), true))
                .setErr(new PrintWriter(err, true))
                .execute("--config", config.toString(), first.resolve("copy.db").toString());
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("PostgreSQL").contains("pg_dump");
        assertThat(first.resolve("copy.db")).doesNotExist();
    }

    private static String stateInDatabase(PostgresTestDatabase.Fresh database, String id) throws Exception {
        try (Connection c = db.server().connect(database.name()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT state FROM jobs WHERE id = '" + id + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
