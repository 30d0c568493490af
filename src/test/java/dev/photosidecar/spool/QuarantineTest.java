package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.cli.doctor.CheckResult;
import dev.photosidecar.cli.doctor.Doctor;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What start-up does with spool files the ledger does not need: a copy whose job has ended goes, a body that never
 * got an answer goes, and a file no job or upload knows is moved to quarantine, never deleted, and reported on the
 * status page, in {@code /metrics} and by {@code doctor} until the operator has looked at it.
 */
@FunctionalTest
class QuarantineTest {
    private static final String ADMIN = "quarantine-admin-token";

    @TempDir
    Path data;

    private TestSidecar start() {
        return TestSidecar.start(data, Map.of("SIDECAR_ADMIN_TOKEN", ADMIN, "SIDECAR_WORKERS", "1"));
    }

    private static List<Path> folders(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.sorted().toList();
        }
    }

    @Test
    void filesNoJobKnowsAreMovedToQuarantineAndReportedWhileCopiesOfEndedJobsAreRemoved() throws Exception {
        String deliveredId;
        try (TestSidecar s = start()) {
            String token = s.enroll("alice", "phone");
            Response r = s.http().put("/v1/uploads/k1", token, Map.of("X-Filename", "a.jpg"), Files2.randomBytes(1, 1000));
            deliveredId = r.json().path("id").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> "succeeded".equals(s.http().get("/v1/jobs/" + deliveredId, token)
                    .json().path("state").asText()));
        }
        Path spool = data.resolve("spool");
        // A crash after a delivery, before its copy was removed: the ledger knows that job has ended.
        Files.write(spool.resolve("ready").resolve(deliveredId), Files2.randomBytes(1, 1000));
        // A file no job knows: a crash between the commit and the job row, or a ledger older than the spool.
        String stranger = Ids.jobId();
        byte[] strangerBytes = Files2.randomBytes(2, 5000);
        Files.write(spool.resolve("ready").resolve(stranger), strangerBytes);
        // A partial file no resumable upload owns.
        String lonelyPartial = Ids.jobId();
        Files.write(spool.resolve("partial").resolve(lonelyPartial), Files2.randomBytes(3, 700));
        // A body that never got an answer.
        Files.write(spool.resolve("incoming").resolve("cut-off.upload"), Files2.randomBytes(4, 300));

        try (TestSidecar s = start()) {
            assertThat(spool.resolve("ready").resolve(deliveredId)).as("an ended job's copy is removed").doesNotExist();
            assertThat(Files2.regularFiles(spool.resolve("incoming"))).as("unanswered bodies are removed").isEmpty();
            assertThat(folders(spool.resolve("ready"))).isEmpty();
            assertThat(folders(spool.resolve("partial"))).isEmpty();
            List<Path> moved = folders(data.resolve("quarantine"));
            assertThat(moved).hasSize(1);
            assertThat(Files.readAllBytes(moved.get(0).resolve("ready").resolve(stranger))).isEqualTo(strangerBytes);
            assertThat(moved.get(0).resolve("partial").resolve(lonelyPartial)).hasSize(700);

            Response status = s.http().get("/admin/status.json", ADMIN);
            assertThat(status.json().path("health").path("spool").path("detail").asText())
                    .contains("2 file(s)").contains("in quarantine").contains(data.resolve("quarantine").toString());
            String metrics = s.http().get("/metrics", null).body();
            assertThat(metrics).contains("sidecar_spool_quarantined_files 2.0").contains("sidecar_spool_quarantined_bytes 5700.0");
        }

        Path config = data.resolveSibling("doctor.yaml");
        Files.writeString(config, "data_dir: " + data + "\n");
        CheckResult line = new Doctor(Map.of(), Optional.of(config), Clock.systemUTC()).run().stream()
                .filter(c -> c.check().equals("spool")).findFirst().orElseThrow();
        assertThat(line.failed()).as(line.text()).isTrue();
        assertThat(line.text()).contains("2 file(s)").contains("quarantine").contains("fix with:");

        try (TestSidecar s = start()) {
            assertThat(folders(data.resolve("quarantine"))).as("a later start leaves the quarantine as it is").hasSize(1);
            assertThat(Files.readAllBytes(folders(data.resolve("quarantine")).get(0).resolve("ready").resolve(stranger)))
                    .isEqualTo(strangerBytes);
        }
        try (Stream<Path> all = Files.walk(data.resolve("quarantine"))) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertThat(new Doctor(Map.of(), Optional.of(config), Clock.systemUTC()).run().stream()
                .filter(c -> c.check().equals("spool")).findFirst().orElseThrow().failed())
                .as("once the operator has emptied it").isFalse();
    }
}
