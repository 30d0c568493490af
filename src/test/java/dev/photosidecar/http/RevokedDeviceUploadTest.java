package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.ledger.EnrolledDevice;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device revoked while its body is still arriving: whatever the protocol, the body that completes afterwards is
 * answered 401 and never becomes a job, and the device's other devices and users carry on.
 */
@FunctionalTest
class RevokedDeviceUploadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    TestSidecar sidecar;
    EnrolledDevice stolen;
    String bob;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of("SIDECAR_WORKERS", "1"));
        stolen = sidecar.app().devices().add("alice", "stolen phone");
        bob = sidecar.enroll("bob", "bob's phone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    private long jobs() {
        return sidecar.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Waits until the server is reading the request's body: it was let in while the device was still active. */
    private void awaitUploadRunning() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !sidecar.app().api().describe().get("runningUploads").equals(0));
    }

    /** Sends the rest of a body after revoking the device, and returns the final answer. */
    private RawConnection.Head revokeThenFinish(RawConnection c, byte[] rest) throws Exception {
        awaitUploadRunning();
        assertThat(sidecar.app().devices().revoke(stolen.device().id())).isTrue();
        c.sendBytes(rest);
        return c.readHead();
    }

    private void assertRefusedAndNothingKept(RawConnection c, RawConnection.Head answer, long jobsBefore) throws Exception {
        String body = c.readBody(answer);
        assertThat(answer.status()).as(body).isEqualTo(401);
        assertThat(JSON.readTree(body).path("error").path("code").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(body).contains("revoked");
        assertThat(jobs()).as("jobs").isEqualTo(jobsBefore);
        assertThat(Files2.regularFiles(data.resolve("spool/ready"))).as("spool/ready").isEmpty();
        assertThat(Files2.regularFiles(data.resolve("spool/incoming"))).as("spool/incoming").isEmpty();
        Response other = sidecar.http().put("/v1/uploads/bob-1", bob, Map.of("X-Filename", "b.jpg"), new byte[] {1, 2, 3});
        assertThat(other.status()).as("another device still uploads").isEqualTo(201);
    }

    @Test
    void aPlainUploadWhoseDeviceIsRevokedMidBodyIsNotCommitted() throws Exception {
        byte[] photo = Files2.randomBytes(1, 300_000);
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead("PUT /v1/uploads/k-stolen HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + stolen.token()
                    + "\r\nX-Filename: IMG_1.HEIC\r\nContent-Length: " + photo.length);
            c.sendBytes(Arrays.copyOf(photo, 100_000));
            RawConnection.Head answer = revokeThenFinish(c, Arrays.copyOfRange(photo, 100_000, photo.length));
            assertRefusedAndNothingKept(c, answer, 0);
        }
    }

    @Test
    void aTusAppendWhoseDeviceIsRevokedMidBodyIsNotCommitted() throws Exception {
        byte[] photo = Files2.randomBytes(2, 300_000);
        String metadata = "key " + b64("k-tus") + ",filename " + b64("IMG_2.HEIC");
        Response created = sidecar.http().send("POST", "/v1/tus/", stolen.token(), Map.of("Tus-Resumable", "1.0.0",
                "Upload-Length", String.valueOf(photo.length), "Upload-Metadata", metadata), null);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String location = created.header("Location").orElseThrow();
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead("PATCH " + location + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + stolen.token()
                    + "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream"
                    + "\r\nContent-Length: " + photo.length);
            c.sendBytes(Arrays.copyOf(photo, 100_000));
            RawConnection.Head answer = revokeThenFinish(c, Arrays.copyOfRange(photo, 100_000, photo.length));
            assertRefusedAndNothingKept(c, answer, 0);
        }
        assertThat(sidecar.app().resumable().unfinished()).as("the revoked device's upload is gone").isEmpty();
        assertThat(Files2.regularFiles(data.resolve("spool/partial"))).isEmpty();
    }

    @Test
    void anIetfAppendWhoseDeviceIsRevokedMidBodyIsNotCommitted() throws Exception {
        byte[] video = Files2.randomBytes(3, 300_000);
        String location;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead("PUT /v1/uploads/k-ietf HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + stolen.token()
                    + "\r\nX-Filename: IMG_3.MOV\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: ?0\r\nContent-Length: 1000");
            assertThat(c.readHead().status()).isEqualTo(104);
            c.sendBytes(Arrays.copyOf(video, 1000));
            RawConnection.Head fin = c.readHead();
            c.readBody(fin);
            assertThat(fin.status()).isEqualTo(201);
            location = fin.header("Location");
        }
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead("PATCH " + location + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + stolen.token()
                    + "\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Offset: 1000\r\nUpload-Complete: ?1"
                    + "\r\nContent-Type: application/partial-upload\r\nContent-Length: " + (video.length - 1000));
            c.sendBytes(Arrays.copyOfRange(video, 1000, 100_000));
            RawConnection.Head answer = revokeThenFinish(c, Arrays.copyOfRange(video, 100_000, video.length));
            assertRefusedAndNothingKept(c, answer, 0);
        }
        assertThat(sidecar.app().resumable().unfinished()).isEmpty();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
