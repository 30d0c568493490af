package dev.photosidecar.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retries over (injected) time, graceful shutdown, and what start-up recovers. */
@FunctionalTest
class LifecycleTest {
    @TempDir
    Path data;

    /** A file where the template wants the "Photos" folder: every delivery fails, retryably, until it goes. */
    private Path blockDelivery(TestSidecar s, String user) throws Exception {
        Path blocker = s.library(user).resolve("Photos");
        Files.createDirectories(blocker.getParent());
        Files.writeString(blocker, "a file where a folder must go");
        return blocker;
    }

    @Test
    void retryableFailureWaitsItsBackoffOnTheInjectedClockThenDelivers() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        try (TestSidecar s = TestSidecar.start(data, Map.of(), clock)) {
            String token = s.enroll("alice", "phone");
            Path blocker = blockDelivery(s, "alice");
            String id = s.http().put("/v1/uploads/k", token, Map.of("X-Filename", "a.jpg"), new byte[] {1, 2, 3})
                    .json().path("id").asText();

            await().atMost(Duration.ofSeconds(20)).until(() -> s.http().get("/v1/jobs/" + id, token).json().path("attempts").asInt() == 1
                    && s.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals("pending"));
            JsonNode waiting = s.http().get("/v1/jobs/" + id, token).json();
            Instant next = Instant.parse(waiting.path("nextAttemptAt").asText());
            // First backoff: 15 s nominal, up to 20% jitter off.
            assertThat(Duration.between(clock.instant(), next)).isBetween(Duration.ofSeconds(12), Duration.ofSeconds(15));
            assertThat(waiting.path("lastError").asText()).contains("cannot write to the library");

            Files.delete(blocker);
            clock.advance(Duration.ofSeconds(16));

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    s.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals("succeeded"));
            assertThat(s.http().get("/v1/jobs/" + id, token).json().path("attempts").asInt()).isEqualTo(2);
        }
    }

    @Test
    void shutdownRefusesNewUploadsWith503WhileARunningUploadFinishes() throws Exception {
        TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_SHUTDOWN_GRACE", "20s"));
        String token = s.enroll("alice", "phone");
        byte[] body = Files2.randomBytes(1, 20_000);
        try (Socket slow = new Socket("127.0.0.1", s.port())) {
            OutputStream out = slow.getOutputStream();
            out.write(("PUT /v1/uploads/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, 10_000);
            out.flush();
            await().until(() -> s.http().get("/readyz", null).status() == 200);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    s.http().put("/v1/uploads/late", token, Map.of(), new byte[] {1}).status() == 503);
            Response refused = s.http().put("/v1/uploads/late", token, Map.of(), new byte[] {1});
            assertThat(refused.errorCode()).isEqualTo("SHUTTING_DOWN");
            assertThat(refused.header("Retry-After")).isPresent();
            assertThat(closing).isNotDone();

            out.write(body, 10_000, body.length - 10_000);
            out.flush();
            String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 201");
            closing.get();
        }
        try (TestSidecar again = TestSidecar.start(data, Map.of())) {
            // The upload that finished during the grace period is kept; the refused one left nothing.
            assertThat(again.app().ledger().list(java.util.Optional.empty(), java.util.Optional.empty(), 10))
                    .singleElement().satisfies(j -> assertThat(j.key()).isEqualTo("slow"));
        }
    }

    @Test
    void startUpReturnsDeadLeasesFailsLostSpoolCopiesAndSweepsOrphans() throws Exception {
        String token;
        String leased;
        String lost;
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_RETRY_INITIAL_DELAY", "1h", "SIDECAR_RETRY_MAX_DELAY", "1h"))) {
            token = s.enroll("alice", "phone");
            Path blocker = blockDelivery(s, "alice");
            leased = s.http().put("/v1/uploads/a", token, Map.of("X-Filename", "a.jpg"), new byte[] {1}).json().path("id").asText();
            lost = s.http().put("/v1/uploads/b", token, Map.of("X-Filename", "b.jpg"), new byte[] {2}).json().path("id").asText();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    s.app().ledger().find(lost).orElseThrow().attempts() == 1 && s.app().ledger().find(leased).orElseThrow().attempts() == 1);
            Files.delete(blocker);
        }
        // What a SIGKILL mid-delivery leaves: a lease held by a dead process, a partial upload, an orphan file.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("ledger.db"));
             Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE jobs SET state = 'delivering', next_attempt_at = NULL, lease_owner = 'dead', "
                    + "lease_expires_at = 9999999999999 WHERE id = '" + leased + "'");
        }
        Files.delete(data.resolve("spool/ready").resolve(lost));
        Files.writeString(data.resolve("spool/incoming/half.upload"), "partial");
        Files.writeString(data.resolve("spool/ready/aaaaaaaaaaaaaaaaaaaaaaaaaa"), "orphan");

        try (TestSidecar s = TestSidecar.start(data, Map.of())) {
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    s.http().get("/v1/jobs/" + leased, token).json().path("state").asText().equals("succeeded"));
            JsonNode failed = s.http().get("/v1/jobs/" + lost, token).json();
            assertThat(failed.path("state").asText()).isEqualTo("failed");
            assertThat(failed.path("lastError").asText()).contains("spool copy").contains("missing");
            assertThat(Files2.uploadFiles(data.resolve("spool"))).isEmpty();

            // As the error says: the phone sends it again, and this time it is delivered.
            Response again = s.http().put("/v1/uploads/b", token, Map.of("X-Filename", "b.jpg"), new byte[] {2});
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.json().path("id").asText()).isEqualTo(lost);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    s.http().get("/v1/jobs/" + lost, token).json().path("state").asText().equals("succeeded"));
        }
    }
}
