package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics in Prometheus's text format, with numbers that follow what really happened. */
@FunctionalTest
class MetricsTest {
    @TempDir
    Path data;

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
        assertThat(m.find()).as("series %s in:%n%s", series, text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void metricsCountUploadsDeliveriesBytesAndJobStates() {
        try (TestSidecar s = TestSidecar.start(data, Map.of())) {
            String token = s.enroll("alice", "phone");
            String id = s.http().put("/v1/uploads/m1", token, Map.of("X-Filename", "a.jpg"), Files2.randomBytes(1, 12_345))
                    .json().path("id").asText();
            s.http().put("/v1/uploads/m1", token, Map.of("X-Filename", "a.jpg"), Files2.randomBytes(1, 12_345));
            s.http().put("/v1/uploads/m1", token, Map.of(), Files2.randomBytes(2, 10));
            s.http().put("/v1/uploads/bad%20key", token, Map.of(), new byte[] {1});
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    s.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals("succeeded"));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    s.http().get("/metrics", null).body().contains("sidecar_jobs{state=\"succeeded\"} 1.0"));

            Response r = s.http().get("/metrics", null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            String text = r.body();
            assertThat(value(text, "sidecar_uploads_total{outcome=\"created\"}")).isEqualTo(1.0);
            assertThat(value(text, "sidecar_uploads_total{outcome=\"replay\"}")).isEqualTo(1.0);
            assertThat(value(text, "sidecar_uploads_total{outcome=\"key_conflict\"}")).isEqualTo(1.0);
            assertThat(value(text, "sidecar_uploads_total{outcome=\"invalid_key\"}")).isEqualTo(1.0);
            assertThat(value(text, "sidecar_upload_bytes_total")).isEqualTo(12_345.0);
            assertThat(value(text, "sidecar_delivered_bytes_total")).isEqualTo(12_345.0);
            assertThat(value(text, "sidecar_deliveries_total{outcome=\"succeeded\",reason=\"DELIVERED\"}")).isEqualTo(1.0);
            assertThat(value(text, "sidecar_delivery_latency_seconds_count")).isEqualTo(1.0);
            assertThat(text).contains("sidecar_delivery_latency_seconds_bucket{le=");
            assertThat(value(text, "sidecar_jobs{state=\"pending\"}")).isZero();
            assertThat(value(text, "sidecar_host_breaker_open")).isZero();
            assertThat(value(text, "sidecar_spool_free_bytes")).isPositive();
            assertThat(value(text, "sidecar_oldest_pending_job_age_seconds")).isZero();
            assertThat(text).contains("jvm_memory_used_bytes").contains("process_uptime_seconds");
            assertThat(text).doesNotContain(token);
        }
    }

    /**
     * "Every local-target failure is counted as OTHER": the reason tag used to be parsed off the message, and the
     * local folder's messages carry no code. It comes from the failure's code now, the same code the ledger keeps
     * beside the unchanged text.
     */
    @Test
    void aLocalFolderFailureIsCountedUnderItsOwnCode() throws Exception {
        try (TestSidecar s = TestSidecar.start(data, Map.of())) {
            String token = s.enroll("alice", "phone");
            // A file where alice's folder must go: the library cannot be written there, a retryable failure.
            Files.createDirectories(s.library("alice").getParent());
            Files.writeString(s.library("alice"), "in the way");
            String id = s.http().put("/v1/uploads/m2", token, Map.of("X-Filename", "a.jpg"), Files2.randomBytes(3, 1_000))
                    .json().path("id").asText();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    s.http().get("/metrics", null).body().contains("reason=\"WRITE_FAILED\""));

            String text = s.http().get("/metrics", null).body();
            assertThat(value(text, "sidecar_deliveries_total{outcome=\"retryable\",reason=\"WRITE_FAILED\"}")).isEqualTo(1.0);
            assertThat(text).doesNotContain("reason=\"OTHER\"");
            assertThat(s.http().get("/v1/jobs/" + id, token).json().path("lastError").asText())
                    .as("the text for people is as it was").startsWith("cannot write to the library: ");
            String stored = Jdbi.create("jdbc:sqlite:" + s.config().ledgerFile()).withHandle(h -> h.createQuery(
                    "SELECT last_error_code FROM jobs WHERE id = :id").bind("id", id).mapTo(String.class).one());
            assertThat(stored).isEqualTo("WRITE_FAILED");
        }
    }
}
