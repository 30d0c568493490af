package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.NextcloudTest;
import dev.photosidecar.support.TestSidecar;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery to a real Nextcloud, and phones enrolling themselves there. */
@NextcloudTest
class NextcloudIntegrationTest {
    @TempDir
    Path temp;

    NextcloudEnv nc;
    String folder;

    @BeforeEach
    void environment() {
        nc = NextcloudEnv.require();
        folder = "SidecarTest-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private TestSidecar sidecar(boolean sharedAccount, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", nc.url(),
                "SIDECAR_PATH_TEMPLATE", folder + "/{yyyy}/{MM}/{filename}",
                "SIDECAR_RETRY_INITIAL_DELAY", "1s",
                "SIDECAR_RETRY_MAX_DELAY", "2s"));
        if (sharedAccount) {
            env.put("SIDECAR_WEBDAV_USER", nc.user());
            env.put("SIDECAR_WEBDAV_PASSWORD", nc.appPassword());
        }
        env.putAll(extra);
        return TestSidecar.start(temp.resolve("data"), env);
    }

    private static JsonNode awaitState(TestSidecar s, String token, String id, String state, Duration max) {
        await().atMost(max).pollInterval(Duration.ofMillis(500)).until(() ->
                s.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals(state));
        return s.http().get("/v1/jobs/" + id, token).json();
    }

    @Test
    void aPhotoKeepsItsCaptureTimeAndArrivesIntact() throws Exception {
        try (TestSidecar s = sidecar(true, Map.of())) {
            String token = s.enroll(nc.user(), "phone");
            byte[] photo = Files2.randomBytes(1, 300_000);
            String id = s.http().put("/v1/uploads/nc-photo", token, Map.of("X-Filename", "IMG 0001 #1.HEIC",
                    "X-Created-At", "2021-06-05T14:03:07Z"), photo).json().path("id").asText();

            JsonNode done = awaitState(s, token, id, "succeeded", Duration.ofSeconds(60));
            assertThat(done.path("remotePath").asText()).isEqualTo(folder + "/2021/06/IMG 0001 #1.HEIC");
            assertThat(done.path("remoteFileId").asText()).as("OC-FileId recorded").isNotBlank();
            assertThat(done.path("remoteEtag").asText()).isNotBlank();

            HttpResponse<String> props = nc.dav("PROPFIND", folder + "/2021/06/IMG%200001%20%231.HEIC", null);
            assertThat(props.statusCode()).isEqualTo(207);
            String modified = props.body().replaceAll("(?s).*<d:getlastmodified>([^<]+)</d:getlastmodified>.*", "$1");
            assertThat(ZonedDateTime.parse(modified, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toString())
                    .isEqualTo("2021-06-05T14:03:07Z");
            HttpResponse<byte[]> got = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(nc.filesUrl(folder + "/2021/06/IMG%200001%20%231.HEIC"))).header("Authorization", nc.basic())
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(Files2.sha256(got.body())).isEqualTo(Files2.sha256(photo));
        } finally {
            nc.dav("DELETE", folder, null);
        }
    }

    @Test
    void aPhoneEnrollsWithAnAppPasswordAndUploadsWithNoAdminStep() throws Exception {
        try (TestSidecar s = sidecar(false, Map.of())) {
            String basicWrong = "Basic " + Base64.getEncoder().encodeToString((nc.user() + ":not-the-password").getBytes());
            Response refused = s.http().send("POST", "/v1/devices", null, Map.of("Authorization", basicWrong,
                    "Content-Type", "application/json"), "{\"name\":\"iPhone\"}".getBytes());
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.errorCode()).isEqualTo("INVALID_CREDENTIALS");
            assertThat(s.app().devices().list()).isEmpty();

            Response enrolled = s.http().send("POST", "/v1/devices", null, Map.of("Authorization", nc.basic(),
                    "Content-Type", "application/json"), "{\"name\":\"Ana's iPhone\"}".getBytes());
            assertThat(enrolled.status()).as(enrolled.body()).isEqualTo(201);
            String token = enrolled.json().path("token").asText();
            assertThat(enrolled.json().path("user").asText()).isEqualTo(nc.user());
            assertThat(enrolled.body()).doesNotContain(nc.appPassword());

            byte[] photo = Files2.randomBytes(2, 50_000);
            String id = s.http().put("/v1/uploads/enrolled-photo", token, Map.of("X-Filename", "IMG_0002.JPG",
                    "X-Created-At", "2022-01-01T00:00:00Z"), photo).json().path("id").asText();
            assertThat(awaitState(s, token, id, "succeeded", Duration.ofSeconds(60)).path("remotePath").asText())
                    .isEqualTo(folder + "/2022/01/IMG_0002.JPG");
        } finally {
            nc.dav("DELETE", folder, null);
        }
    }

    @Test
    void maintenanceModeDelaysDeliveriesWithoutSpendingAttempts() throws Exception {
        try (TestSidecar s = sidecar(true, Map.of())) {
            String token = s.enroll(nc.user(), "phone");
            nc.occ("maintenance:mode --on");
            String id;
            try {
                id = s.http().put("/v1/uploads/during-maintenance", token, Map.of("X-Filename", "IMG_0003.JPG"),
                        Files2.randomBytes(3, 10_000)).json().path("id").asText();
                await().atMost(Duration.ofSeconds(30)).until(() -> s.app().workers().breaker().isOpen());
                await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> {
                            JsonNode j = s.http().get("/v1/jobs/" + id, token).json();
                            return j.path("state").asText().equals("pending") && j.path("attempts").asInt() == 0;
                        });
                assertThat(s.http().get("/v1/jobs/" + id, token).json().path("lastError").asText()).contains("maintenance");
            } finally {
                nc.occ("maintenance:mode --off");
            }
            JsonNode done = awaitState(s, token, id, "succeeded", Duration.ofSeconds(120));
            assertThat(done.path("attempts").asInt()).isEqualTo(1);
        } finally {
            nc.dav("DELETE", folder, null);
        }
    }

    @Test
    void aFullQuotaPausesTheUserVisiblyUntilThereIsSpace() throws Exception {
        dev.photosidecar.support.MutableClock clock = new dev.photosidecar.support.MutableClock(java.time.Instant.now());
        Map<String, String> env = new HashMap<>(Map.of("SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", nc.url(),
                "SIDECAR_PATH_TEMPLATE", folder + "/{filename}", "SIDECAR_WEBDAV_USER", nc.user(),
                "SIDECAR_WEBDAV_PASSWORD", nc.appPassword()));
        nc.occ("user:setting " + nc.user() + " files quota '1 MB'");
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), env, clock)) {
            String token = s.enroll(nc.user(), "phone");
            String id = s.http().put("/v1/uploads/too-big", token, Map.of("X-Filename", "BIG.JPG"),
                    Files2.randomBytes(4, 3_000_000)).json().path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    s.http().get("/v1/jobs/" + id, token).json().path("lastError").asText().startsWith("QUOTA_EXCEEDED"));
            JsonNode paused = s.http().get("/v1/jobs/" + id, token).json();
            assertThat(paused.path("state").asText()).isEqualTo("pending");
            assertThat(paused.path("attempts").asInt()).as("a full quota spends no attempt").isZero();

            nc.occ("user:setting " + nc.user() + " files quota none");
            clock.advance(Duration.ofMinutes(11));
            assertThat(awaitState(s, token, id, "succeeded", Duration.ofSeconds(60)).path("attempts").asInt()).isEqualTo(1);
        } finally {
            nc.occ("user:setting " + nc.user() + " files quota none");
            nc.dav("DELETE", folder, null);
        }
    }

    @Test
    void cancellingAJobRemovesItsChunkedUploadFromTheHost() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", nc.url(),
                "SIDECAR_PATH_TEMPLATE", folder + "/{filename}", "SIDECAR_WEBDAV_USER", nc.user(),
                "SIDECAR_WEBDAV_PASSWORD", nc.appPassword(), "SIDECAR_CHUNK_THRESHOLD", "10MiB", "SIDECAR_CHUNK_SIZE", "5MiB"));
        // Room for a few chunks but not the whole file: the upload stops half-way with 507 and waits. The room is
        // on top of what the user's files already take (a new user's skeleton files alone are about 20 MB).
        nc.occ("user:setting " + nc.user() + " files quota '" + (nc.usedBytes() + 12L * 1024 * 1024) + " B'");
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), env)) {
            String token = s.enroll(nc.user(), "phone");
            String id = s.http().put("/v1/uploads/half-way", token, Map.of("X-Filename", "HALF.MOV"),
                    Files2.randomBytes(5, 40_000_000)).json().path("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    s.http().get("/v1/jobs/" + id, token).json().path("lastError").asText().startsWith("QUOTA_EXCEEDED"));
            String uploadId;
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + temp.resolve("data/ledger.db"));
                 java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT upload_id FROM chunk_uploads")) {
                assertThat(rs.next()).as("a chunked upload is in progress").isTrue();
                uploadId = rs.getString(1);
            }
            String uploadUrl = nc.url() + "remote.php/dav/uploads/" + nc.user() + "/" + uploadId;
            assertThat(propfind(uploadUrl)).isEqualTo(207);

            assertThat(s.http().delete("/v1/jobs/" + id, token).status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(30)).until(() -> propfind(uploadUrl) == 404);
        } finally {
            nc.occ("user:setting " + nc.user() + " files quota none");
            nc.dav("DELETE", folder, null);
        }
    }

    private int propfind(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .header("Authorization", nc.basic()).header("Depth", "0")
                .method("PROPFIND", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
