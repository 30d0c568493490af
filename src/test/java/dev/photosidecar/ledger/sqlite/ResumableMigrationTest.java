package dev.photosidecar.ledger.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * V4 rebuilds the jobs table the SQLite way (to let sha256 be NULL while a job is receiving): a ledger
 * written by the previous version keeps every job, its arrival order and its chunked-upload progress, and
 * the database still guards the invariants, the new one included.
 */
@UnitTest
class ResumableMigrationTest {
    @TempDir
    Path dir;

    private SQLiteDataSource dataSource(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.enforceForeignKeys(true);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return ds;
    }

    @Test
    void aV3LedgerKeepsItsJobsAndChunkProgressThroughV4() {
        Path file = dir.resolve("ledger.db");
        Flyway.configure().dataSource(dataSource(file)).locations(Database.MIGRATIONS).target("3").load().migrate();
        Jdbi old = Jdbi.create(dataSource(file));
        String sha = "a".repeat(64);
        old.useHandle(h -> {
            h.execute("INSERT INTO users (id, created_at) VALUES ('alice', 1)");
            h.execute("INSERT INTO devices (id, user_id, name, token_hash, created_at) VALUES ('dev1', 'alice', 'phone', 'h', 1)");
            h.execute("INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type, content_type, size, sha256,"
                    + " created_at, received_at, attempts, lease_owner, lease_expires_at) VALUES ('job1', 'dev1', 'alice', 'k1',"
                    + " 'delivering', 'a.mov', 'video', 'video/quicktime', 10, ?, 1, 1, 1, 'w', 5)", sha);
            h.execute("INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type, content_type, size, sha256,"
                    + " created_at, received_at, attempts, next_attempt_at) VALUES ('job2', 'dev1', 'alice', 'k2',"
                    + " 'pending', 'b.jpg', 'photo', 'image/jpeg', 20, ?, 2, 2, 0, 2)", sha);
            h.execute("INSERT INTO chunk_uploads (job_id, upload_id, chunk_size, chunks_done, started_at, updated_at)"
                    + " VALUES ('job1', 'up1', 5242880, '1,2', 1, 1)");
        });

        Database.open(file); // migrates to the newest version, as the server does at start-up
        Jdbi now = Jdbi.create(dataSource(file));
        List<Map<String, Object>> jobs = now.withHandle(h -> h.createQuery("SELECT seq, id, state, sha256 FROM jobs ORDER BY seq")
                .mapToMap().list());
        assertThat(jobs).extracting(j -> j.get("id")).containsExactly("job1", "job2");
        assertThat(jobs).extracting(j -> j.get("seq")).containsExactly(1, 2);
        String chunks = now.withHandle(h -> h.createQuery("SELECT chunks_done FROM chunk_uploads WHERE job_id = 'job1'")
                .mapTo(String.class).one());
        assertThat(chunks).isEqualTo("1,2");
        List<Map<String, Object>> dangling = now.withHandle(h -> h.createQuery("PRAGMA foreign_key_check").mapToMap().list());
        assertThat(dangling).isEmpty();
        String integrity = now.withHandle(h -> h.createQuery("PRAGMA integrity_check").mapTo(String.class).one());
        assertThat(integrity).isEqualTo("ok");

        // The invariants still hold: sha256 is NULL exactly while receiving, and the old CHECKs remain.
        assertThatThrownBy(() -> now.useHandle(h -> h.execute("UPDATE jobs SET sha256 = NULL WHERE id = 'job2'")))
                .hasMessageContaining("CHECK");
        assertThatThrownBy(() -> now.useHandle(h -> h.execute("UPDATE jobs SET next_attempt_at = NULL WHERE id = 'job2'")))
                .hasMessageContaining("CHECK");
        assertThatThrownBy(() -> now.useHandle(h -> h.execute("DELETE FROM jobs WHERE id = 'job1'")))
                .hasMessageContaining("FOREIGN KEY");
        now.useHandle(h -> h.execute("INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type,"
                + " content_type, size, sha256, created_at, received_at) VALUES ('job3', 'dev1', 'alice', 'k3', 'receiving',"
                + " 'c.mov', 'video', 'video/quicktime', 0, NULL, 3, 3)"));
        Integer seq = now.withHandle(h -> h.createQuery("SELECT seq FROM jobs WHERE id = 'job3'").mapTo(Integer.class).one());
        assertThat(seq).as("arrival order continues after the copied rows").isEqualTo(3);
    }

    @Test
    void aV4LedgerKeepsItsUnfinishedUploadsThroughV5AndThenRecordsEveryInteropVersion() {
        Path file = dir.resolve("ledger.db");
        Flyway.configure().dataSource(dataSource(file)).locations(Database.MIGRATIONS).target("4").load().migrate();
        Jdbi old = Jdbi.create(dataSource(file));
        old.useHandle(h -> {
            h.execute("INSERT INTO users (id, created_at) VALUES ('alice', 1)");
            h.execute("INSERT INTO devices (id, user_id, name, token_hash, created_at) VALUES ('dev1', 'alice', 'phone', 'h', 1)");
            h.execute("INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type, content_type, size,"
                    + " sha256, created_at, received_at) VALUES ('up1', 'dev1', 'alice', 'k1', 'receiving', 'a.mov', 'video',"
                    + " 'video/quicktime', 0, NULL, 1, 1)");
            h.execute("INSERT INTO resumable_uploads (id, protocol, device_id, user_id, upload_key, job_id, filename, resource_type,"
                    + " content_type, upload_length, started_at, expires_at) VALUES ('up1', 'ietf-6', 'dev1', 'alice', 'k1', 'up1',"
                    + " 'a.mov', 'video', 'video/quicktime', 10, 1, 99)");
            assertThatThrownBy(() -> h.execute("UPDATE resumable_uploads SET protocol = 'ietf-5'")).hasMessageContaining("CHECK");
        });

        Database.open(file);
        Jdbi now = Jdbi.create(dataSource(file));
        Map<String, Object> kept = now.withHandle(h -> h.createQuery("SELECT * FROM resumable_uploads").mapToMap().one());
        assertThat(kept).containsEntry("id", "up1").containsEntry("protocol", "ietf-6").containsEntry("job_id", "up1")
                .containsEntry("upload_length", 10).containsEntry("expires_at", 99);
        for (String protocol : List.of("ietf-3", "ietf-4", "ietf-5", "ietf-7", "ietf-8", "tus", "ietf-6")) {
            now.useHandle(h -> h.execute("UPDATE resumable_uploads SET protocol = ?", protocol));
        }
        assertThatThrownBy(() -> now.useHandle(h -> h.execute("UPDATE resumable_uploads SET protocol = 'ietf-9'")))
                .hasMessageContaining("CHECK");
        assertThatThrownBy(() -> now.useHandle(h -> h.execute("UPDATE resumable_uploads SET job_id = 'other'")))
                .as("its other CHECKs and keys remain").hasMessageContaining("constraint");
        List<String> indexes = now.withHandle(h -> h.createQuery(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'resumable_uploads' AND sql IS NOT NULL"
                        + " ORDER BY name").mapTo(String.class).list());
        assertThat(indexes).containsExactly("resumable_by_expiry", "resumable_by_key");
        List<Map<String, Object>> dangling = now.withHandle(h -> h.createQuery("PRAGMA foreign_key_check").mapToMap().list());
        assertThat(dangling).isEmpty();
    }
}
