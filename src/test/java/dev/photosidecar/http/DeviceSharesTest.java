package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-device shares that keep one device from holding the server for everyone: the bytes its running uploads
 * announce, and the resumable uploads it leaves unfinished. Each has its own 429 code, and other devices do not
 * notice.
 */
@FunctionalTest
class DeviceSharesTest {
    @TempDir
    Path data;

    private static void assertRefused(Response r, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(429);
        assertThat(r.errorCode()).isEqualTo(code);
        assertThat(r.header("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Response tusCreate(TestSidecar s, String token, String key, long length) {
        return s.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0", "Upload-Length", String.valueOf(length),
                "Upload-Metadata", "key " + b64(key)), null);
    }

    /** An IETF creation that sends no bytes yet; its final status (after the 104, when there is one). */
    private static int ietfCreate(TestSidecar s, String token, String key) throws Exception {
        try (RawConnection c = new RawConnection(s.port())) {
            c.sendHead("PUT /v1/uploads/" + key + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: ?0\r\nContent-Length: 0");
            RawConnection.Head head = c.readHead();
            if (head.status() == 104) {
                head = c.readHead();
            }
            c.readBody(head);
            return head.status();
        }
    }

    @Test
    void aDeviceWhoseRunningUploadsAnnounceItsShareGets429TooManyBytesInFlight() throws Exception {
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_MAX_UPLOAD_BYTES", "1MiB",
                "SIDECAR_MAX_BYTES_IN_FLIGHT_PER_DEVICE", "1536KiB"))) {
            String alice = s.enroll("alice", "phone");
            String tablet = s.enroll("alice", "tablet");
            try (RawConnection slow = new RawConnection(s.port())) {
                // 1 MiB announced, 10 bytes sent, then nothing.
                slow.sendHead("PUT /v1/uploads/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice
                        + "\r\nContent-Length: 1048576");
                slow.sendBytes(new byte[10]);
                await().atMost(Duration.ofSeconds(10)).until(() -> !s.app().api().describe().get("runningUploads").equals(0));

                Response over = s.http().put("/v1/uploads/over", alice, Map.of(), new byte[600 * 1024]);
                assertRefused(over, "TOO_MANY_BYTES_IN_FLIGHT");
                assertThat(over.json().path("error").path("message").asText()).contains("1.0 MiB").contains("1.5 MiB");
                Response tus = tusCreate(s, alice, "over-tus", 600 * 1024);
                assertThat(tus.status()).as("creating without a body announces no bytes").isEqualTo(201);
                Response append = s.http().send("PATCH", tus.header("Location").orElseThrow(), alice, Map.of("Tus-Resumable", "1.0.0",
                        "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream"), new byte[600 * 1024]);
                assertRefused(append, "TOO_MANY_BYTES_IN_FLIGHT");

                assertThat(s.http().put("/v1/uploads/fits", alice, Map.of(), new byte[400 * 1024]).status())
                        .as("what still fits in the share").isEqualTo(201);
                assertThat(s.http().put("/v1/uploads/tablet", tablet, Map.of(), new byte[1024 * 1024]).status())
                        .as("the same user's other device has its own share").isEqualTo(201);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> s.app().api().describe().get("runningUploads").equals(0));
            assertThat(s.http().put("/v1/uploads/after", alice, Map.of(), new byte[1024 * 1024]).status())
                    .as("the share comes back when the slow upload ends").isEqualTo(201);
        }
    }

    @Test
    void aDeviceWithItsCapOfUnfinishedResumableUploadsGets429TooManyUnfinishedUploads() throws Exception {
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_MAX_UNFINISHED_UPLOADS_PER_DEVICE", "3"))) {
            String alice = s.enroll("alice", "phone");
            String bob = s.enroll("bob", "phone");
            List<String> locations = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Response r = tusCreate(s, alice, "big-" + i, 16L << 30);
                assertThat(r.status()).as(r.body()).isEqualTo(201);
                locations.add(r.header("Location").orElseThrow());
            }
            Response tus = tusCreate(s, alice, "big-3", 16L << 30);
            assertRefused(tus, "TOO_MANY_UNFINISHED_UPLOADS");
            assertThat(tus.json().path("error").path("message").asText()).contains("3 unfinished");
            assertThat(ietfCreate(s, alice, "big-ietf")).as("an IETF creation is refused the same way").isEqualTo(429);
            assertThat(s.http().get("/v1/uploads/big-3", alice).status()).as("nothing was kept").isEqualTo(404);

            assertThat(tusCreate(s, alice, "big-0", 16L << 30).status()).as("starting one of its keys over replaces it")
                    .isEqualTo(201);
            assertThat(tusCreate(s, bob, "bob-1", 16L << 30).status()).as("another device").isEqualTo(201);
            assertThat(s.http().put("/v1/uploads/plain", alice, Map.of(), new byte[] {1}).status())
                    .as("plain uploads are not resumable ones").isEqualTo(201);

            assertThat(s.http().send("DELETE", locations.get(1), alice, Map.of("Tus-Resumable", "1.0.0"), null).status())
                    .isEqualTo(204);
            assertThat(ietfCreate(s, alice, "big-ietf")).as("room again after a cancel").isEqualTo(201);
            assertThat(s.app().resumable().unfinished()).hasSize(4);
        }
    }
}
