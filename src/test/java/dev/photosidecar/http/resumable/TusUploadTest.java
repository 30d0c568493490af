package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tus 1.0 at /v1/tus/ against the real server: the same spool, jobs and key rules as plain uploads. */
@FunctionalTest
class TusUploadTest {
    @TempDir
    Path data;

    MutableClock clock = new MutableClock(Instant.parse("2026-01-10T10:00:00Z"));
    TestSidecar sidecar;
    String token;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of(), clock);
        token = sidecar.enroll("alice", "Alice's phone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private Response create(String key, long length, Map<String, String> extra, byte[] body) {
        Map<String, String> h = new HashMap<>(Map.of("Tus-Resumable", "1.0.0", "Upload-Length", String.valueOf(length),
                "Upload-Metadata", "key " + b64(key) + ",filename " + b64("Café 1.HEIC") + ",resourceType " + b64("photo")
                        + ",createdAt " + b64("2024-05-01T10:15:30Z") + ",filetype " + b64("image/heic")));
        h.putAll(extra);
        return sidecar.http().send("POST", "/v1/tus/", token, h, body);
    }

    private Response patch(String location, long offset, byte[] part, Map<String, String> extra) {
        Map<String, String> h = new HashMap<>(Map.of("Tus-Resumable", "1.0.0", "Upload-Offset", String.valueOf(offset),
                "Content-Type", "application/offset+octet-stream"));
        h.putAll(extra);
        return sidecar.http().send("PATCH", location, token, h, part);
    }

    private Response head(String location) {
        return sidecar.http().send("HEAD", location, token, Map.of("Tus-Resumable", "1.0.0"), null);
    }

    @Test
    void optionsListsTheExtensions() {
        Response r = sidecar.http().send("OPTIONS", "/v1/tus/", null, Map.of(), null);
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("Tus-Version")).contains("1.0.0");
        assertThat(r.header("Tus-Extension")).contains("creation,creation-with-upload,termination,expiration,checksum");
        assertThat(r.header("Tus-Checksum-Algorithm")).contains("sha256");
        assertThat(r.header("Tus-Max-Size")).contains(String.valueOf(16L << 30));
    }

    @Test
    void anUploadInPiecesBecomesAJobWithTheMetadataMappedLikeHeaders() {
        byte[] photo = Files2.randomBytes(21, 500_000);
        Response c = create("tus-photo", photo.length, Map.of(), null);
        assertThat(c.status()).as(c.body()).isEqualTo(201);
        String location = c.header("Location").orElseThrow();
        assertThat(location).matches("/v1/tus/[a-z2-7]{26}");
        assertThat(c.header("Upload-Expires")).contains("Sun, 11 Jan 2026 10:00:00 GMT");
        assertThat(sidecar.http().get("/v1/uploads/tus-photo", token).json().path("state").asText()).isEqualTo("receiving");

        Response p1 = patch(location, 0, Arrays.copyOf(photo, 200_000), Map.of());
        assertThat(p1.status()).isEqualTo(204);
        assertThat(p1.header("Upload-Offset")).contains("200000");
        Response h = head(location);
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.header("Upload-Offset")).contains("200000");
        assertThat(h.header("Upload-Length")).contains("500000");
        assertThat(h.header("Cache-Control")).contains("no-store");

        Response stale = patch(location, 0, Arrays.copyOf(photo, 10), Map.of());
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.header("Upload-Offset")).contains("200000");

        String sum = Base64.getEncoder().encodeToString(Files2.sha256Bytes(Arrays.copyOfRange(photo, 200_000, photo.length)));
        Response p2 = patch(location, 200_000, Arrays.copyOfRange(photo, 200_000, photo.length), Map.of("Upload-Checksum", "sha256 " + sum));
        assertThat(p2.status()).as(p2.body()).isEqualTo(204);
        assertThat(p2.header("Upload-Offset")).contains("500000");

        var job = sidecar.http().get("/v1/uploads/tus-photo", token).json();
        assertThat(job.path("state").asText()).isIn("pending", "delivering", "succeeded");
        assertThat(job.path("sha256").asText()).isEqualTo(Files2.sha256(photo));
        assertThat(job.path("filename").asText()).isEqualTo("Café 1.HEIC");
        assertThat(job.path("contentType").asText()).isEqualTo("image/heic");
        assertThat(job.path("createdAt").asText()).isEqualTo("2024-05-01T10:15:30Z");
        assertThat(head(location).header("Upload-Offset")).contains("500000");
    }

    @Test
    void creationWithUploadAndAReplayOfTheSameKeyKeepNothingNew() {
        byte[] photo = Files2.randomBytes(22, 40_000);
        Response first = create("tus-once", photo.length, Map.of("Content-Type", "application/offset+octet-stream"), photo);
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.header("Upload-Offset")).contains("40000");
        String jobId = sidecar.http().get("/v1/uploads/tus-once", token).json().path("id").asText();

        Response again = create("tus-once", photo.length, Map.of("Content-Type", "application/offset+octet-stream"), photo);
        assertThat(again.status()).as("a replay is a finished upload").isEqualTo(201);
        assertThat(sidecar.http().get("/v1/uploads/tus-once", token).json().path("id").asText()).isEqualTo(jobId);

        Response other = create("tus-once", photo.length, Map.of("Content-Type", "application/offset+octet-stream"),
                Files2.randomBytes(23, 40_000));
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.errorCode()).isEqualTo("KEY_CONFLICT");
        assertThat(Files2.regularFiles(data.resolve("spool/partial"))).isEmpty();
    }

    @Test
    void aChecksumMismatchKeepsNoneOfThatRequest() {
        byte[] photo = Files2.randomBytes(24, 30_000);
        String location = create("tus-sum", photo.length, Map.of(), null).header("Location").orElseThrow();
        Response bad = patch(location, 0, photo, Map.of("Upload-Checksum", "sha256 " + Base64.getEncoder().encodeToString(new byte[32])));
        assertThat(bad.status()).isEqualTo(460);
        assertThat(bad.errorCode()).isEqualTo("CHECKSUM_MISMATCH");
        assertThat(head(location).header("Upload-Offset")).contains("0");
        Response unknown = patch(location, 0, photo, Map.of("Upload-Checksum", "md5 AAAA"));
        assertThat(unknown.status()).isEqualTo(400);
    }

    @Test
    void badRequestsAreRefusedWithClearCodes() {
        assertThat(sidecar.http().send("POST", "/v1/tus/", token, Map.of("Upload-Length", "5",
                "Upload-Metadata", "key " + b64("k")), null).status()).as("no Tus-Resumable").isEqualTo(412);
        Response noKey = sidecar.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0", "Upload-Length", "5",
                "Upload-Metadata", "filename " + b64("a.jpg")), null);
        assertThat(noKey.errorCode()).isEqualTo("INVALID_KEY");
        Response badName = sidecar.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0", "Upload-Length", "5",
                "Upload-Metadata", "key " + b64("k1") + ",filename " + b64("../etc/passwd")), null);
        assertThat(badName.errorCode()).isEqualTo("INVALID_FILENAME");
        Response noLength = sidecar.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0",
                "Upload-Metadata", "key " + b64("k2")), null);
        assertThat(noLength.errorCode()).isEqualTo("INVALID_UPLOAD_HEADER");
        Response tooLarge = create("k3", 17L << 30, Map.of(), null);
        assertThat(tooLarge.status()).isEqualTo(413);
        String location = create("k4", 10, Map.of(), null).header("Location").orElseThrow();
        Response wrongType = sidecar.http().send("PATCH", location, token, Map.of("Tus-Resumable", "1.0.0",
                "Upload-Offset", "0", "Content-Type", "application/json"), new byte[3]);
        assertThat(wrongType.status()).isEqualTo(415);
        Response beyond = patch(location, 0, new byte[11], Map.of());
        assertThat(beyond.status()).isEqualTo(400);
        assertThat(beyond.errorCode()).isEqualTo("CONTENT_LENGTH_MISMATCH");
        assertThat(head(location).header("Upload-Offset")).contains("0");
        String other = sidecar.enroll("bob", "Bob's phone");
        assertThat(sidecar.http().send("HEAD", location, other, Map.of("Tus-Resumable", "1.0.0"), null).status()).isEqualTo(404);
    }

    @Test
    void terminationAndExpiryRemoveTheUpload() {
        String location = create("tus-term", 100, Map.of(), null).header("Location").orElseThrow();
        patch(location, 0, new byte[40], Map.of());
        Response del = sidecar.http().send("DELETE", location, token, Map.of("Tus-Resumable", "1.0.0"), null);
        assertThat(del.status()).isEqualTo(204);
        assertThat(head(location).status()).isEqualTo(404);

        String abandoned = create("tus-old", 100, Map.of(), null).header("Location").orElseThrow();
        patch(abandoned, 0, new byte[40], Map.of());
        clock.advance(Duration.ofHours(24).plusSeconds(1));
        assertThat(sidecar.app().resumable().expireDue()).isEqualTo(1);
        assertThat(head(abandoned).status()).isEqualTo(404);
        assertThat(sidecar.http().get("/v1/uploads/tus-old", token).status()).isEqualTo(404);
        assertThat(Files2.regularFiles(data.resolve("spool/partial"))).isEmpty();
    }
}
