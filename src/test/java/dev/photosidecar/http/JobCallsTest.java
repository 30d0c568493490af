package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job calls a phone makes after uploading: status, paging, acknowledge, retry, cancel, check. */
@FunctionalTest
class JobCallsTest {
    @TempDir
    Path data;

    TestSidecar sidecar;
    String token;

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
    }

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of());
        token = sidecar.enroll("alice", "phone");
    }

    private String upload(String key, int seed) {
        Response r = sidecar.http().put("/v1/uploads/" + key, token, Map.of("X-Filename", key + ".jpg"),
                Files2.randomBytes(seed, 1000 + seed));
        assertThat(r.status()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    private JsonNode awaitState(String id, String state) {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                sidecar.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals(state));
        return sidecar.http().get("/v1/jobs/" + id, token).json();
    }

    @Test
    void listingPagesThroughEveryJobNewestFirstWithACursor() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(upload("page-" + i, i));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = sidecar.http().get("/v1/jobs?limit=3" + (cursor == null ? "" : "&cursor=" + cursor), token).json();
            page.path("jobs").forEach(j -> seen.add(j.path("id").asText()));
            cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asText();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(3);
        List<String> newestFirst = new ArrayList<>(ids);
        java.util.Collections.reverse(newestFirst);
        assertThat(seen).containsExactlyElementsOf(newestFirst);
    }

    @Test
    void listingFiltersByState() {
        String a = upload("s-1", 1);
        awaitState(a, "succeeded");
        sidecar.http().post("/v1/jobs/" + a + "/acknowledge", token, null);
        String b = upload("s-2", 2);
        awaitState(b, "succeeded");

        JsonNode acked = sidecar.http().get("/v1/jobs?state=acknowledged", token).json().path("jobs");
        assertThat(acked).hasSize(1);
        assertThat(acked.get(0).path("id").asText()).isEqualTo(a);
        assertThat(sidecar.http().get("/v1/jobs?state=succeeded", token).json().path("jobs").get(0).path("id").asText())
                .isEqualTo(b);
    }

    @Test
    void acknowledgeMovesSucceededJobsOnAndOnlyThem() {
        String a = upload("ack-1", 1);
        String b = upload("ack-2", 2);
        awaitState(a, "succeeded");
        awaitState(b, "succeeded");

        Response single = sidecar.http().post("/v1/jobs/" + a + "/acknowledge", token, null);
        assertThat(single.status()).isEqualTo(200);
        assertThat(single.json().path("state").asText()).isEqualTo("acknowledged");

        Response again = sidecar.http().post("/v1/jobs/" + a + "/acknowledge", token, null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("INVALID_STATE");

        Response bulkWithAcked = sidecar.http().post("/v1/jobs/acknowledge", token, "{\"ids\":[\"" + a + "\",\"" + b + "\"]}");
        assertThat(bulkWithAcked.status()).isEqualTo(409);
        assertThat(bulkWithAcked.json().path("error").path("details").path("ids").get(0).asText()).isEqualTo(a);
        assertThat(sidecar.http().get("/v1/jobs/" + b, token).json().path("state").asText())
                .as("all or nothing").isEqualTo("succeeded");

        Response bulk = sidecar.http().post("/v1/jobs/acknowledge", token, "{\"ids\":[\"" + b + "\"]}");
        assertThat(bulk.status()).isEqualTo(200);
        assertThat(bulk.json().path("jobs").get(0).path("state").asText()).isEqualTo("acknowledged");
    }

    @Test
    void retryOnlyFromFailedAndCancelOnlyFromPendingOrFailed() throws Exception {
        String id = upload("r-1", 1);
        awaitState(id, "succeeded");

        Response retry = sidecar.http().post("/v1/jobs/" + id + "/retry", token, null);
        assertThat(retry.status()).isEqualTo(409);
        assertThat(retry.errorCode()).isEqualTo("INVALID_STATE");
        assertThat(retry.json().path("error").path("message").asText()).contains("succeeded").contains("failed");

        Response cancel = sidecar.http().delete("/v1/jobs/" + id, token);
        assertThat(cancel.status()).isEqualTo(409);
    }

    @Test
    void failedJobCanBeRetriedAndThenIsDelivered() throws Exception {
        // Make delivery fail for real: the destination folder is a file, so the write cannot happen.
        Path blocked = sidecar.library("alice").resolve("Photos");
        Files.createDirectories(blocked.getParent());
        Files.writeString(blocked, "not a folder");
        sidecar.close();
        sidecar = TestSidecar.start(data, Map.of("SIDECAR_MAX_ATTEMPTS", "1"));

        String id = upload("f-1", 1);
        JsonNode failed = awaitState(id, "failed");
        assertThat(failed.path("lastError").asText()).contains("gave up after 1 attempts");
        assertThat(failed.path("attempts").asInt()).isEqualTo(1);

        Files.delete(blocked);
        Response retry = sidecar.http().post("/v1/jobs/" + id + "/retry", token, null);
        assertThat(retry.status()).isEqualTo(200);
        JsonNode done = awaitState(id, "succeeded");
        assertThat(done.path("attempts").asInt()).as("attempts were reset").isEqualTo(1);
    }

    @Test
    void cancellingAPendingJobRemovesItsSpoolCopy() throws Exception {
        sidecar.close();
        // A delivery that stays pending: nothing is due for an hour after a failed first attempt.
        Path blocked = sidecar.library("alice").resolve("Photos");
        Files.createDirectories(blocked.getParent());
        Files.writeString(blocked, "not a folder");
        sidecar = TestSidecar.start(data, Map.of("SIDECAR_RETRY_INITIAL_DELAY", "1h", "SIDECAR_RETRY_MAX_DELAY", "2h"));
        String id = upload("c-1", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode j = sidecar.http().get("/v1/jobs/" + id, token).json();
            return j.path("state").asText().equals("pending") && j.path("attempts").asInt() == 1;
        });
        assertThat(Files2.regularFiles(data.resolve("spool/ready"))).hasSize(1);

        Response cancel = sidecar.http().delete("/v1/jobs/" + id, token);

        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().path("state").asText()).isEqualTo("cancelled");
        assertThat(Files2.regularFiles(data.resolve("spool/ready"))).isEmpty();
        assertThat(sidecar.http().delete("/v1/jobs/" + id, token).status()).isEqualTo(409);
    }

    @Test
    void checkReportsWhichKeysTheSidecarAlreadyHas() {
        String a = upload("have-1", 1);
        awaitState(a, "succeeded");

        Response r = sidecar.http().post("/v1/uploads/check", token, "{\"keys\":[\"have-1\",\"missing-2\"]}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("known").size()).isEqualTo(1);
        assertThat(r.json().path("known").path("have-1").asText()).isEqualTo("succeeded");
    }

    @Test
    void anotherDevicesJobsAreInvisible() {
        String id = upload("mine", 1);
        String other = sidecar.enroll("alice", "iPad");

        assertThat(sidecar.http().get("/v1/jobs/" + id, other).status()).isEqualTo(404);
        assertThat(sidecar.http().get("/v1/jobs/" + id, other).errorCode()).isEqualTo("JOB_NOT_FOUND");
        assertThat(sidecar.http().get("/v1/uploads/mine", other).status()).isEqualTo(404);
        assertThat(sidecar.http().post("/v1/jobs/" + id + "/acknowledge", other, null).status()).isEqualTo(404);
        assertThat(sidecar.http().delete("/v1/jobs/" + id, other).status()).isEqualTo(404);
        assertThat(sidecar.http().get("/v1/jobs", other).json().path("jobs")).isEmpty();
        assertThat(sidecar.http().post("/v1/uploads/check", other, "{\"keys\":[\"mine\"]}").json().path("known").size())
                .isZero();
    }
}
