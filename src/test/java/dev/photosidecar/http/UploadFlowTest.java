package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.RawHttp;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads from the phone's point of view, against the real app on a random port. */
@FunctionalTest
class UploadFlowTest {
    @TempDir
    Path data;

    TestSidecar sidecar;
    String token;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of());
        token = sidecar.enroll("alice", "Alice's iPhone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    private Response upload(String key, byte[] body, Map<String, String> headers) {
        return sidecar.http().put("/v1/uploads/" + key, token, headers, body);
    }

    private JsonNode awaitState(String jobId, String state) {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                sidecar.http().get("/v1/jobs/" + jobId, token).json().path("state").asText().equals(state));
        return sidecar.http().get("/v1/jobs/" + jobId, token).json();
    }

    @Test
    void uploadIsDeliveredIntoTheTemplateFolderWithTheSameSha256() {
        byte[] photo = Files2.randomBytes(1, 300_000);
        Response r = upload("asset1-photo", photo, Map.of("X-Filename", "IMG_0001.HEIC",
                "X-Created-At", "2024-05-01T10:15:30Z", "X-Resource-Type", "photo", "X-Asset-Id", "ABC-123/L0/001"));

        assertThat(r.status()).isEqualTo(201);
        JsonNode job = r.json();
        assertThat(r.header("Location")).contains("/v1/jobs/" + job.path("id").asText());
        assertThat(job.path("sha256").asText()).isEqualTo(Files2.sha256(photo));
        assertThat(job.path("size").asLong()).isEqualTo(photo.length);
        assertThat(job.path("contentType").asText()).isEqualTo("image/heic");
        assertThat(job.path("assetId").asText()).isEqualTo("ABC-123/L0/001");

        JsonNode done = awaitState(job.path("id").asText(), "succeeded");
        assertThat(done.path("remotePath").asText()).isEqualTo("Photos/2024/05/IMG_0001.HEIC");
        assertThat(done.path("deliveredAt").isNull()).isFalse();
        Path file = sidecar.library("alice").resolve("Photos/2024/05/IMG_0001.HEIC");
        assertThat(Files2.sha256(file)).isEqualTo(Files2.sha256(photo));
        assertThat(Files2.uploadFiles(data.resolve("spool"))).as("spool copy freed after delivery").isEmpty();
    }

    @Test
    void replayOfTheSameContentAnswers200AndStoresNothingNew() {
        byte[] photo = Files2.randomBytes(2, 50_000);
        Response first = upload("k-replay", photo, Map.of("X-Filename", "IMG_0002.JPG"));
        awaitState(first.json().path("id").asText(), "succeeded");

        Response again = upload("k-replay", photo, Map.of("X-Filename", "IMG_0002.JPG"));

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
        assertThat(Files2.regularFiles(sidecar.library("alice"))).hasSize(1);
        assertThat(sidecar.http().get("/v1/jobs", token).json().path("jobs")).hasSize(1);
    }

    @Test
    void sameKeyWithDifferentContentIsAConflict() {
        upload("k-conflict", Files2.randomBytes(3, 1000), Map.of());
        Response other = upload("k-conflict", Files2.randomBytes(4, 1000), Map.of());

        assertThat(other.status()).isEqualTo(409);
        assertThat(other.errorCode()).isEqualTo("KEY_CONFLICT");
        assertThat(sidecar.http().get("/v1/jobs", token).json().path("jobs")).hasSize(1);
    }

    @Test
    void aTakenNameWithDifferentContentBecomesNumberedCopies() {
        Map<String, String> h = Map.of("X-Filename", "IMG_0005.HEIC", "X-Created-At", "2023-01-02T03:04:05Z");
        String a = upload("k-a", Files2.randomBytes(5, 2000), h).json().path("id").asText();
        awaitState(a, "succeeded");
        String b = upload("k-b", Files2.randomBytes(6, 2000), h).json().path("id").asText();
        String c = upload("k-c", Files2.randomBytes(7, 2000), h).json().path("id").asText();

        List<String> paths = List.of(awaitState(b, "succeeded").path("remotePath").asText(),
                awaitState(c, "succeeded").path("remotePath").asText());
        assertThat(paths).containsExactlyInAnyOrder("Photos/2023/01/IMG_0005 (1).HEIC", "Photos/2023/01/IMG_0005 (2).HEIC");
        assertThat(Files2.regularFiles(sidecar.library("alice").resolve("Photos/2023/01"))).hasSize(3);
    }

    @Test
    void identicalContentUnderAnotherKeyLandsOnTheSameFileInsteadOfADuplicate() {
        // A reinstalled app re-sends the library under new keys: the folder must not fill with copies.
        byte[] photo = Files2.randomBytes(8, 4000);
        Map<String, String> h = Map.of("X-Filename", "IMG_0008.HEIC", "X-Created-At", "2023-01-02T03:04:05Z");
        String a = upload("old-install-key", photo, h).json().path("id").asText();
        awaitState(a, "succeeded");
        String b = upload("new-install-key", photo, h).json().path("id").asText();

        assertThat(awaitState(b, "succeeded").path("remotePath").asText()).isEqualTo("Photos/2023/01/IMG_0008.HEIC");
        assertThat(Files2.regularFiles(sidecar.library("alice"))).hasSize(1);
    }

    @Test
    void formLabelledBodyIsStoredRawNeverParsedAsAForm() {
        // iOS may label the raw file application/x-www-form-urlencoded; 300 KB is above Jetty's form limit.
        byte[] body = ("a=b&c=%zz&" + "x".repeat(300_000)).getBytes(StandardCharsets.US_ASCII);
        Response r = upload("k-form", body, Map.of("Content-Type", "application/x-www-form-urlencoded",
                "X-Filename", "IMG_0009.JPG"));

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("sha256").asText()).isEqualTo(Files2.sha256(body));
        assertThat(r.json().path("contentType").asText()).isEqualTo("image/jpeg");
    }

    @Test
    void postWorksLikePutAndTheDefaultNameComesFromKeyAndContentType() {
        byte[] video = Files2.randomBytes(10, 10_000);
        Response r = sidecar.http().send("POST", "/v1/uploads/vid-42", token,
                Map.of("Content-Type", "video/quicktime", "X-Resource-Type", "2"), video);

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("filename").asText()).isEqualTo("vid-42.mov");
        assertThat(r.json().path("resourceType").asText()).isEqualTo("video");
        assertThat(sidecar.http().get("/v1/uploads/vid-42", token).json().path("id").asText())
                .isEqualTo(r.json().path("id").asText());
    }

    @Test
    void chunkedBodyWithoutContentLengthIsAccepted() throws Exception {
        String body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        RawHttp.Answer a = RawHttp.exchange(sidecar.port(), ("PUT /v1/uploads/k-chunked HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + token + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + body).getBytes(StandardCharsets.US_ASCII));

        assertThat(a.status()).isEqualTo(201);
        assertThat(a.body()).contains(Files2.sha256("hello world".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void matchingDigestIsAcceptedAndUnicodeNamesArriveIntact() throws Exception {
        byte[] photo = Files2.randomBytes(11, 5000);
        String digest = "sha-256=:" + Base64.getEncoder().encodeToString(Files2.sha256Bytes(photo)) + ":";
        Response r = upload("k-digest", photo, Map.of("Content-Digest", digest,
                "X-Filename", "Caf%C3%A9%20%23%3F%25%2B.heic", "X-Created-At", "2022-12-31T23:30:00-05:00"));

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("filename").asText()).isEqualTo("Café #?%+.heic");
        JsonNode done = awaitState(r.json().path("id").asText(), "succeeded");
        assertThat(done.path("remotePath").asText()).isEqualTo("Photos/2023/01/Café #?%+.heic");
        assertThat(Files.exists(sidecar.library("alice").resolve("Photos/2023/01/Café #?%+.heic"))).isTrue();
    }
}
