package dev.photosidecar.http.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.TransitionLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page's Retry and Cancel, and a device's cancel of a pending job that has a last error, each log
 * exactly one transition line naming the state the job left. (Retry and Cancel on the page logged none; the
 * device's cancel named {@code failed} for a pending job with a last error.)
 */
@FunctionalTest
class StatusPageTransitionLogTest {
    static final String ADMIN = "s3cret-admin-token";

    @TempDir
    Path data;

    TestSidecar sidecar;
    TransitionLines lines;
    String alice;

    @BeforeEach
    void capture() {
        lines = new TransitionLines();
    }

    private void start(int maxAttempts) throws Exception {
        // The clock stands still, so a rescheduled job stays pending (its backoff never passes).
        sidecar = TestSidecar.start(data, Map.of("SIDECAR_ADMIN_TOKEN", ADMIN, "SIDECAR_MAX_ATTEMPTS", String.valueOf(maxAttempts)),
                new MutableClock(Instant.parse("2026-01-01T00:00:00Z")));
        alice = sidecar.enroll("alice", "phone");
        // A file where the 2023 folder must go: every delivery of a photo taken in 2023 fails.
        Path blocked = sidecar.library("alice").resolve("Photos").resolve("2023");
        Files.createDirectories(blocked.getParent());
        Files.writeString(blocked, "not a folder");
    }

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
        lines.close();
    }

    private Http http() {
        return sidecar.http();
    }

    private String upload(String key) {
        Http.Response r = http().put("/v1/uploads/" + key, alice, Map.of("X-Filename", key + ".jpg",
                "X-Created-At", "2023-06-01T10:00:00Z"), Files2.randomBytes(key.hashCode(), 2000));
        assertThat(r.status()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    /** Waits until the job's first attempt failed and it waits, pending, for a second one that never comes. */
    private void awaitPendingWithLastError(String id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var job = http().get("/v1/jobs/" + id, alice).json();
            return job.path("state").asText().equals("pending") && !job.path("lastError").isNull()
                    && !job.path("lastError").isMissingNode();
        });
    }

    @Test
    void aDevicesCancelOfAPendingJobWithALastErrorLogsPendingToCancelledOnce() throws Exception {
        start(2);
        String id = upload("k");
        awaitPendingWithLastError(id);

        assertThat(http().send("DELETE", "/v1/jobs/" + id, alice, Map.of(), null).status()).isEqualTo(200);

        assertThat(lines.of(id).stream().filter(l -> l.contains("-> cancelled")).toList()).singleElement().asString()
                .startsWith("job " + id + " pending -> cancelled ").endsWith(": by the device");
    }

    @Test
    void theStatusPagesRetryAndCancelEachLogOneLine() throws Exception {
        start(1);
        String retried = upload("r");
        String cancelled = upload("c");
        awaitFailedForGood(retried);
        awaitFailedForGood(cancelled);
        int linesOfRetried = lines.leaving(retried, "failed").size();

        assertThat(http().post("/admin/jobs/" + cancelled + "/cancel", ADMIN, null).status()).isEqualTo(200);
        assertThat(http().post("/admin/jobs/" + retried + "/retry", ADMIN, null).status()).isEqualTo(200);

        assertThat(linesOfRetried).isZero();
        assertThat(lines.leaving(retried, "failed")).singleElement().asString()
                .startsWith("job " + retried + " failed -> pending ").endsWith(": retried by an operator on the status page");
        assertThat(lines.leaving(cancelled, "failed")).singleElement().asString()
                .startsWith("job " + cancelled + " failed -> cancelled ").endsWith(": by an operator on the status page");
        assertThat(lines.of(cancelled).stream().filter(l -> l.contains("-> cancelled")).toList()).hasSize(1);
    }

    private void awaitFailedForGood(String id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> http().get("/v1/jobs/" + id, alice).json().path("state").asText()
                .equals("failed"));
    }
}
