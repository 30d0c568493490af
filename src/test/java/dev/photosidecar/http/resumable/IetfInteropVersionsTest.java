package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.TestSidecar;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every interop version of the IETF draft the sidecar speaks, over raw sockets as each version's client writes
 * it: creation with a 104 that echoes the version, a connection dropped at a random offset, HEAD, an append at a
 * stale offset, the rest appended, and the delivered file equal to the source. An unknown version gets no 104.
 */
@FunctionalTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IetfInteropVersionsTest {
    private static final long MAX = 16L << 30;
    private static final long EXPIRY_SECONDS = 24 * 3600;

    TestSidecar sidecar;
    String token;

    @BeforeAll
    void start(@TempDir Path data) {
        sidecar = TestSidecar.start(data, Map.of());
        token = sidecar.enroll("alice", "Alice's iPhone");
    }

    @AfterAll
    void stop() {
        sidecar.close();
    }

    @ParameterizedTest(name = "interop version {0}")
    @ValueSource(ints = {3, 4, 5, 6, 7, 8})
    void aCreationDroppedAtARandomOffsetIsResumedAndTheDeliveredFileIsTheSource(int version) throws Exception {
        IetfDialect v = new IetfDialect(version);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        byte[] video = Files2.randomBytes(seed, 1_000_000 + random.nextInt(1_000_000));
        int dropAt = 1 + random.nextInt(video.length - 1);
        System.out.printf("IetfInteropVersionsTest: version %d, %d bytes, dropped after %d (seed %d)%n", version, video.length, dropAt, seed);
        String key = "asset-v" + version;
        String location;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            // Upload-Length is the drafts' own header from version 6 (-05) on; earlier clients name the length with ?1.
            c.sendHead(v.creation(key, token, true, video.length, version >= 6 ? (long) video.length : null));
            RawConnection.Head interim = c.readHead();
            assertThat(interim.status()).isEqualTo(104);
            assertThat(interim.header("Upload-Draft-Interop-Version")).isEqualTo(String.valueOf(version));
            location = interim.header("Location");
            assertThat(location).matches(IetfDialect.LOCATION);
            assertLimits(version, interim.header("Upload-Limit"));
            c.sendBody(new ByteArrayInputStream(video), dropAt);
            c.drop();
        }
        String id = location.substring(location.lastIndexOf('/') + 1);
        long offset = awaitOffset(v, location, dropAt);

        Response head = v.head(sidecar.http(), location, token);
        assertThat(head.status()).isEqualTo(204);
        assertThat(head.header(v.completeHeader())).contains(v.completeValue(false));
        assertThat(head.header("Cache-Control")).contains("no-store");
        assertThat(head.header("Upload-Length")).contains(String.valueOf(video.length));
        assertLimits(version, head.header("Upload-Limit").orElse(null));
        assertThat(sidecar.http().get("/v1/uploads/" + key, token).json().path("state").asText()).isEqualTo("receiving");

        Response stale = v.append(sidecar.http(), location, token, offset + 1, false, new byte[1]);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.header("X-Error-Code")).contains("OFFSET_MISMATCH");
        assertThat(stale.header("Upload-Offset")).contains(String.valueOf(offset));
        if (version >= 7) {
            assertThat(stale.header("Upload-Complete")).as("from 7 every append answer says it").contains("?0");
        }

        Response done = v.append(sidecar.http(), location, token, offset, true, Arrays.copyOfRange(video, (int) offset, video.length));
        assertThat(done.status()).as(done.body()).isEqualTo(201);
        assertThat(done.header(v.completeHeader())).contains(v.completeValue(true));
        assertThat(done.header("Upload-Offset")).contains(String.valueOf(video.length));
        assertReceipt(done, id, video);
        assertThat(done.header("X-Job-State")).contains("pending");

        Response after = v.head(sidecar.http(), location, token);
        assertThat(after.header(v.completeHeader())).as("HEAD after completion").contains(v.completeValue(true));
        assertReceipt(after, id, video);

        JsonNode job = awaitState(key, "succeeded");
        assertThat(Files2.sha256(sidecar.library("alice").resolve(job.path("remotePath").asText()))).isEqualTo(Files2.sha256(video));
    }

    @Test
    void anUnknownInteropVersionGetsNo104AndIsAPlainUpload() throws Exception {
        byte[] photo = Files2.randomBytes(90, 30_000);
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead(new IetfDialect(9).creation("asset-v9", token, true, photo.length, (long) photo.length));
            c.sendBytes(photo);
            RawConnection.Head first = c.readHead();
            c.readBody(first);
            assertThat(first.status()).as("the first answer to version 9 is the final one, not a 104").isEqualTo(201);
            assertThat(first.header("Location")).matches("/v1/jobs/[a-z2-7]{26}");
        }
        assertThat(sidecar.app().resumable().unfinished()).noneMatch(u -> u.key().equals("asset-v9"));
    }

    @Test
    void optionsAnnouncesTheLimitsAndThePartialUploadMediaType() {
        Response v8 = sidecar.http().send("OPTIONS", "/v1/uploads/anything", null, Map.of("Upload-Draft-Interop-Version", "8"), null);
        assertThat(v8.status()).isEqualTo(200);
        assertThat(v8.header("Upload-Limit")).contains("max-size=" + MAX + ", min-size=0");
        assertThat(v8.header("Accept-Patch")).contains("application/partial-upload");
        Response v6 = sidecar.http().send("OPTIONS", "/v1/resumable/aaaaaaaaaaaaaaaaaaaaaaaaaa", null,
                Map.of("Upload-Draft-Interop-Version", "6"), null);
        assertThat(v6.header("Upload-Limit")).contains("max-size=" + MAX);
    }

    @Test
    void anUploadThatReachesItsAnnouncedLengthWithoutSayingCompleteIsFinishedAndAnEmptyCompletionIsAnsweredAgain() throws Exception {
        // tus-js-client 4.x reading a file stream says ?0 on every append after a resumption, never ?1.
        IetfDialect v = new IetfDialect(8);
        byte[] photo = Files2.randomBytes(91, 50_000);
        String location;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead(v.creation("asset-reach", token, false, 0, (long) photo.length));
            location = v.read104(c);
            RawConnection.Head fin = c.readHead();
            c.readBody(fin);
            assertThat(fin.status()).isEqualTo(201);
            assertThat(fin.header("Upload-Complete")).isEqualTo("?0");
            assertThat(fin.header("Upload-Limit")).isEqualTo("max-size=" + MAX + ", max-age=" + EXPIRY_SECONDS);
        }
        assertThat(v.append(sidecar.http(), location, token, 0, false, Arrays.copyOf(photo, 20_000)).status()).isEqualTo(204);
        Response last = v.append(sidecar.http(), location, token, 20_000, false, Arrays.copyOfRange(photo, 20_000, photo.length));
        assertThat(last.status()).as(last.body()).isEqualTo(201);
        assertThat(last.header("Upload-Complete")).contains("?1");
        String id = location.substring(location.lastIndexOf('/') + 1);
        assertReceipt(last, id, photo);

        Response completion = v.append(sidecar.http(), location, token, photo.length, true, new byte[0]);
        assertThat(completion.status()).as("an empty ?1 at the final offset completes what is complete").isEqualTo(200);
        assertReceipt(completion, id, photo);
        Response more = v.append(sidecar.http(), location, token, photo.length, true, new byte[3]);
        assertThat(more.status()).isEqualTo(400);
        assertThat(more.errorCode()).isEqualTo("UPLOAD_ALREADY_COMPLETE");
        assertThat(more.json().path("error").path("details").path("problemType").asText()).endsWith("#completed-upload");
        assertThat(more.header("Upload-Complete")).contains("?1");
        assertReceipt(more, id, photo);
        assertThat(sidecar.http().get("/v1/uploads/asset-reach", token).json().path("sha256").asText()).isEqualTo(Files2.sha256(photo));
    }

    private static void assertLimits(int version, String limit) {
        if (version < 6) {
            assertThat(limit).as("Upload-Limit does not exist before version 6").isNull();
        } else if (version == 6) {
            assertThat(limit).isEqualTo("max-size=" + MAX + ", expires=" + EXPIRY_SECONDS);
        } else {
            assertThat(limit).isEqualTo("max-size=" + MAX + ", max-age=" + EXPIRY_SECONDS);
        }
    }

    private static void assertReceipt(Response r, String jobId, byte[] stored) {
        assertThat(r.header("Location")).contains("/v1/jobs/" + jobId);
        assertThat(r.header("X-Job-Id")).contains(jobId);
        assertThat(r.header("X-Job-Size")).contains(String.valueOf(stored.length));
        assertThat(r.header("X-Job-State")).isPresent();
        assertThat(r.header("Repr-Digest")).contains("sha-256=:" + Base64.getEncoder().encodeToString(Files2.sha256Bytes(stored)) + ":");
    }

    /** The server may still be reading the dropped connection's last bytes: wait until the upload is free again. */
    private long awaitOffset(IetfDialect v, String location, long atMost) {
        await().atMost(Duration.ofSeconds(30)).until(() -> v.head(sidecar.http(), location, token).status() == 204
                && v.append(sidecar.http(), location, token, 0, false, new byte[0]).status() != 423);
        long offset = Long.parseLong(v.head(sidecar.http(), location, token).header("Upload-Offset").orElseThrow());
        assertThat(offset).isBetween(0L, atMost);
        return offset;
    }

    private JsonNode awaitState(String key, String state) {
        JsonNode[] job = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            job[0] = sidecar.http().get("/v1/uploads/" + key, token).json();
            return job[0].path("state").asText().equals(state);
        });
        return job[0];
    }
}
