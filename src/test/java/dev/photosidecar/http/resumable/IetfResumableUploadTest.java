package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.TestSidecar;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IETF resumable-upload draft (interop versions 6 and 3) against the real server, over raw sockets. */
@FunctionalTest
class IetfResumableUploadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    MutableClock clock = new MutableClock(Instant.parse("2026-01-10T10:00:00Z"));
    TestSidecar sidecar;
    String token;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of(), clock);
        token = sidecar.enroll("alice", "Alice's iPhone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    private String creationHead(String method, String key, long contentLength, String complete) {
        return method + " /v1/uploads/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nX-Filename: IMG_0001.HEIC\r\nX-Created-At: 2024-05-01T10:15:30Z\r\nContent-Type: image/heic"
                + "\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: " + complete + "\r\nContent-Length: " + contentLength;
    }

    private Response head(String location, String token) {
        return sidecar.http().send("HEAD", location, token, Map.of("Upload-Draft-Interop-Version", "6"), null);
    }

    private Response patch(String location, long offset, boolean complete, byte[] part) {
        return sidecar.http().send("PATCH", location, token, Map.of("Upload-Draft-Interop-Version", "6",
                "Upload-Offset", String.valueOf(offset), "Upload-Complete", complete ? "?1" : "?0",
                "Content-Type", "application/partial-upload"), part);
    }

    @Test
    void the104WithLocationArrivesBeforeAnyOfTheBodyIsSent() throws Exception {
        byte[] photo = Files2.randomBytes(7, 200_000);
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead(creationHead("PUT", "asset-104", photo.length, "?1"));
            RawConnection.Head interim = c.readHead();
            assertThat(interim.statusLine()).startsWith("HTTP/1.1 104");
            assertThat(interim.header("Location")).matches("/v1/resumable/[a-z2-7]{26}");
            assertThat(interim.header("Upload-Draft-Interop-Version")).isEqualTo("6");
            c.sendBytes(photo);
            RawConnection.Head fin = c.readHead();
            JsonNode job = JSON.readTree(c.readBody(fin));
            assertThat(fin.status()).isEqualTo(201);
            assertThat(fin.header("Upload-Complete")).isEqualTo("?1");
            assertThat(job.path("state").asText()).isEqualTo("pending");
            assertThat(job.path("sha256").asText()).isEqualTo(Files2.sha256(photo));
            assertThat(job.path("filename").asText()).isEqualTo("IMG_0001.HEIC");
            assertThat(job.path("id").asText()).isEqualTo(interim.header("Location").substring("/v1/resumable/".length()));
        }
    }

    @Test
    void aDroppedCreationIsResumedWithHeadAndPatchAndTheSpoolHoldsExactlyTheBytes() throws Exception {
        byte[] video = Files2.randomBytes(8, 3_000_000);
        String location;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead(creationHead("POST", "asset-drop", video.length, "?1"));
            location = c.readHead().header("Location");
            c.sendBody(new ByteArrayInputStream(video), 1_234_567);
            c.drop();
        }
        String id = location.substring(location.lastIndexOf('/') + 1);
        Response job = sidecar.http().get("/v1/uploads/asset-drop", token);
        assertThat(job.json().path("state").asText()).as("job while partial: %s", job.body()).isEqualTo("receiving");
        assertThat(job.json().path("sha256").isNull()).isTrue();

        long offset = awaitOffset(location, 1_234_567);
        Response h = head(location, token);
        assertThat(h.status()).isEqualTo(204);
        assertThat(h.header("Upload-Complete")).contains("?0");
        assertThat(h.header("Cache-Control")).contains("no-store");
        assertThat(h.header("Upload-Length")).contains(String.valueOf(video.length));

        // A PATCH at the wrong offset learns the true one.
        Response wrong = patch(location, offset + 10, false, new byte[10]);
        assertThat(wrong.status()).isEqualTo(409);
        assertThat(wrong.errorCode()).isEqualTo("OFFSET_MISMATCH");
        assertThat(wrong.header("Upload-Offset")).contains(String.valueOf(offset));

        // More, but not all; then the rest.
        Response mid = patch(location, offset, false, java.util.Arrays.copyOfRange(video, (int) offset, 2_000_000));
        assertThat(mid.status()).isEqualTo(204);
        assertThat(mid.header("Upload-Offset")).contains("2000000");
        Response done = patch(location, 2_000_000, true, java.util.Arrays.copyOfRange(video, 2_000_000, video.length));
        assertThat(done.status()).as(done.body()).isEqualTo(201);
        assertThat(done.json().path("sha256").asText()).isEqualTo(Files2.sha256(video));
        assertThat(done.json().path("id").asText()).isEqualTo(id);
        assertThat(Files2.sha256(data.resolve("spool/ready").resolve(id))).isEqualTo(Files2.sha256(video));
        assertThat(Files2.regularFiles(data.resolve("spool/partial"))).isEmpty();

        // After completion HEAD says complete, for a client that missed the final answer.
        Response after = head(location, token);
        assertThat(after.header("Upload-Complete")).contains("?1");
        assertThat(after.header("Upload-Offset")).contains(String.valueOf(video.length));
    }

    /** The server may still be reading the dropped connection's last bytes: wait for its lock to go. */
    private long awaitOffset(String location, long atMost) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> head(location, token).status() == 204
                && patch(location, 0, false, new byte[0]).status() != 423);
        long offset = Long.parseLong(head(location, token).header("Upload-Offset").orElseThrow());
        assertThat(offset).isBetween(0L, atMost);
        return offset;
    }

    @Test
    void anotherDeviceGets404AndTheUploadIsUntouched() throws Exception {
        String location = createIncomplete("asset-mine", Files2.randomBytes(9, 1000));
        String other = sidecar.enroll("bob", "Bob's phone");
        assertThat(head(location, other).status()).isEqualTo(404);
        Response p = sidecar.http().send("PATCH", location, other, Map.of("Upload-Draft-Interop-Version", "6",
                "Upload-Offset", "1000", "Upload-Complete", "?1", "Content-Type", "application/partial-upload"), new byte[5]);
        assertThat(p.status()).isEqualTo(404);
        assertThat(p.errorCode()).isEqualTo("UPLOAD_NOT_FOUND");
        assertThat(sidecar.http().delete(location, other).status()).isEqualTo(404);
        assertThat(head(location, null).status()).isEqualTo(401);
        assertThat(head(location, token).header("Upload-Offset")).contains("1000");
    }

    private String createIncomplete(String key, byte[] part) throws Exception {
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead(creationHead("PUT", key, part.length, "?0"));
            RawConnection.Head interim = c.readHead();
            assertThat(interim.status()).isEqualTo(104);
            c.sendBytes(part);
            RawConnection.Head fin = c.readHead();
            c.readBody(fin);
            assertThat(fin.status()).isEqualTo(201);
            assertThat(fin.header("Upload-Complete")).isEqualTo("?0");
            assertThat(fin.header("Upload-Offset")).isEqualTo(String.valueOf(part.length));
            return fin.header("Location");
        }
    }

    @Test
    void deleteCancelsAndFreesTheKey() throws Exception {
        String location = createIncomplete("asset-cancel", Files2.randomBytes(10, 5000));
        assertThat(sidecar.http().delete(location, token).status()).isEqualTo(204);
        assertThat(head(location, token).status()).isEqualTo(404);
        assertThat(sidecar.http().get("/v1/uploads/asset-cancel", token).status()).isEqualTo(404);
        assertThat(Files2.regularFiles(data.resolve("spool/partial"))).isEmpty();
        Response plain = sidecar.http().put("/v1/uploads/asset-cancel", token, Map.of(), new byte[]{1, 2, 3});
        assertThat(plain.status()).isEqualTo(201);
    }

    @Test
    void aCreationRefusedBeforeAnythingWasKeptLeavesNoUploadAndNoReceivingJob() throws Exception {
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead(creationHead("PUT", "asset-refused", 20, "?0") + "\r\nUpload-Length: 10");
            assertThat(c.readHead().status()).isEqualTo(104);
            c.sendBytes(new byte[20]);
            RawConnection.Head fin = c.readHead();
            assertThat(c.readBody(fin)).contains("CONTENT_LENGTH_MISMATCH");
            assertThat(fin.status()).isEqualTo(400);
        }
        assertThat(sidecar.http().get("/v1/uploads/asset-refused", token).status()).isEqualTo(404);
        assertThat(sidecar.app().resumable().unfinished()).isEmpty();
    }

    @Test
    void optionsAnswersTheLimitWithoutAToken() {
        Response r = sidecar.http().send("OPTIONS", "/v1/uploads/anything", null, Map.of(), null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Upload-Limit")).contains("max-size=" + (16L << 30));
    }

    @Test
    void anUploadLeftUnfinishedIsRemovedAfterItsExpiry() throws Exception {
        String location = createIncomplete("asset-abandoned", Files2.randomBytes(11, 4096));
        clock.advance(java.time.Duration.ofHours(23));
        assertThat(sidecar.app().resumable().expireDue()).isZero();
        assertThat(head(location, token).status()).as("a HEAD counts as the client being alive").isEqualTo(204);
        clock.advance(java.time.Duration.ofHours(23).plusMinutes(59));
        assertThat(sidecar.app().resumable().expireDue()).isZero();
        clock.advance(java.time.Duration.ofMinutes(2));
        assertThat(sidecar.app().resumable().expireDue()).isEqualTo(1);

        assertThat(head(location, token).status()).isEqualTo(404);
        assertThat(sidecar.http().get("/v1/uploads/asset-abandoned", token).status()).isEqualTo(404);
        assertThat(Files2.regularFiles(data.resolve("spool/partial"))).isEmpty();
        assertThat(sidecar.http().get("/metrics", null).body())
                .contains("sidecar_resumable_expired_total 1.0");
    }

    @Test
    void twoClientsRacingOnOneUploadNeverCorruptIt() throws Exception {
        byte[] video = Files2.randomBytes(12, 4_000_000);
        String location = createIncomplete("asset-race", java.util.Arrays.copyOf(video, 1000));
        // Client A starts its PATCH and stalls halfway through its body, holding the upload.
        try (RawConnection a = new RawConnection(sidecar.port())) {
            a.sendHead("PATCH " + location + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Offset: 1000\r\nUpload-Complete: ?1"
                    + "\r\nContent-Type: application/partial-upload\r\nContent-Length: " + (video.length - 1000));
            a.sendBody(new ByteArrayInputStream(video, 1000, 1_000_000), 1_000_000);
            // Only once A's bytes are landing does it hold the upload (before that, B could simply win the race).
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                    Long.parseLong(head(location, token).header("Upload-Offset").orElse("0")) > 1000);
            // Client B appends at the same offset meanwhile: refused, not interleaved. Its body is kept under the 1 MiB
            // the server drains before an error answer: a larger one is refused unread and its connection closed, and
            // the kernel's reset can then reach B before the answer does (ErrorResponses.DRAIN_LIMIT).
            Response b = patch(location, 1000, false, java.util.Arrays.copyOfRange(video, 1000, 501_000));
            assertThat(b.status()).isIn(409, 423);
            assertThat(b.errorCode()).isIn("UPLOAD_LOCKED", "OFFSET_MISMATCH");
            a.sendBody(new ByteArrayInputStream(video, 1_001_000, video.length - 1_001_000), video.length - 1_001_000);
            RawConnection.Head fin = a.readHead();
            assertThat(fin.status()).isEqualTo(201);
        }
        Response b2 = patch(location, 1000, false, java.util.Arrays.copyOfRange(video, 1000, 501_000));
        assertThat(b2.status()).isEqualTo(409);
        JsonNode job = sidecar.http().get("/v1/uploads/asset-race", token).json();
        assertThat(job.path("sha256").asText()).isEqualTo(Files2.sha256(video));
    }

    @Test
    void interopVersion3UsesUploadIncomplete() throws Exception {
        byte[] photo = Files2.randomBytes(13, 50_000);
        String location;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead("PUT /v1/uploads/asset-v3 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nUpload-Draft-Interop-Version: 3\r\nUpload-Incomplete: ?1\r\nContent-Length: 20000");
            RawConnection.Head interim = c.readHead();
            assertThat(interim.status()).isEqualTo(104);
            assertThat(interim.header("Upload-Draft-Interop-Version")).isEqualTo("3");
            c.sendBytes(java.util.Arrays.copyOf(photo, 20_000));
            RawConnection.Head fin = c.readHead();
            c.readBody(fin);
            assertThat(fin.header("Upload-Incomplete")).isEqualTo("?1");
            location = fin.header("Location");
        }
        Response h = sidecar.http().send("HEAD", location, token, Map.of("Upload-Draft-Interop-Version", "3"), null);
        assertThat(h.header("Upload-Incomplete")).contains("?1");
        assertThat(h.header("Upload-Offset")).contains("20000");
        Response done = sidecar.http().send("PATCH", location, token, Map.of("Upload-Draft-Interop-Version", "3",
                "Upload-Offset", "20000", "Upload-Incomplete", "?0"), java.util.Arrays.copyOfRange(photo, 20_000, photo.length));
        assertThat(done.status()).as(done.body()).isEqualTo(201);
        assertThat(done.json().path("sha256").asText()).isEqualTo(Files2.sha256(photo));
    }

    @Test
    void aResumableUploadOfAKnownKeyIsAReplayOrAConflictLikeAPlainOne() throws Exception {
        byte[] photo = Files2.randomBytes(14, 10_000);
        assertThat(sidecar.http().put("/v1/uploads/asset-known", token, Map.of(), photo).status()).isEqualTo(201);
        for (byte[] body : List.of(photo, Files2.randomBytes(15, 10_000))) {
            try (RawConnection c = new RawConnection(sidecar.port())) {
                c.sendHead(creationHead("PUT", "asset-known", body.length, "?1"));
                assertThat(c.readHead().status()).isEqualTo(104);
                c.sendBytes(body);
                RawConnection.Head fin = c.readHead();
                String answer = c.readBody(fin);
                assertThat(fin.status()).as(answer).isEqualTo(body == photo ? 200 : 409);
            }
        }
        assertThat(Files2.regularFiles(data.resolve("spool/partial"))).isEmpty();
    }

    @Test
    void aPlainUploadReplacesAnUnfinishedResumableOneOfTheSameKey() throws Exception {
        String location = createIncomplete("asset-switch", Files2.randomBytes(16, 3000));
        byte[] whole = Files2.randomBytes(17, 9000);
        Response plain = sidecar.http().put("/v1/uploads/asset-switch", token, Map.of(), whole);
        assertThat(plain.status()).isEqualTo(201);
        assertThat(plain.json().path("sha256").asText()).isEqualTo(Files2.sha256(whole));
        assertThat(head(location, token).status()).isEqualTo(404);
        assertThat(Files2.regularFiles(data.resolve("spool/partial"))).isEmpty();
    }

    @Test
    void unfinishedUploadsSurviveARestartAndTheirOffsetIsTheFileOnDisk() throws Exception {
        byte[] photo = Files2.randomBytes(18, 8000);
        String location = createIncomplete("asset-restart", java.util.Arrays.copyOf(photo, 5000));
        sidecar.close();
        // Junk a crash could leave: a partial file no upload owns.
        Files.write(data.resolve("spool/partial/aaaaaaaaaaaaaaaaaaaaaaaaaa"), new byte[]{1});
        sidecar = TestSidecar.start(data, new HashMap<>(), clock);
        assertThat(head(location, token).header("Upload-Offset")).contains("5000");
        assertThat(Files.exists(data.resolve("spool/partial/aaaaaaaaaaaaaaaaaaaaaaaaaa"))).isFalse();
        Response done = patch(location, 5000, true, java.util.Arrays.copyOfRange(photo, 5000, photo.length));
        assertThat(done.status()).isEqualTo(201);
        assertThat(done.json().path("sha256").asText()).isEqualTo(Files2.sha256(photo));
    }
}
