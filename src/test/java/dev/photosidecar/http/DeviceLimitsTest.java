package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-device limits: a device over its upload share or its request rate gets 429 with Retry-After and a
 * stable code, keeps nothing, and other devices are not affected. The rate limiter runs on the injected
 * clock, so nobody sleeps.
 */
@FunctionalTest
class DeviceLimitsTest {
    @TempDir
    Path data;

    private static void assertLimited(Response r, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(429);
        assertThat(r.errorCode()).isEqualTo(code);
        assertThat(r.json().path("error").path("message").asText()).isNotBlank();
        assertThat(r.header("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
        assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    }

    private long jobs(TestSidecar s) {
        return s.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void aDeviceOverItsRateGets429UntilTheClockRefillsItsBucket() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_DEVICE_REQUEST_RATE", "2",
                "SIDECAR_DEVICE_REQUEST_BURST", "5", "SIDECAR_WORKERS", "1"), clock)) {
            String a = s.enroll("alice", "phone");
            String b = s.enroll("bob", "phone");
            for (int i = 0; i < 4; i++) {
                assertThat(s.http().get("/v1/jobs", a).status()).isEqualTo(200);
            }
            assertThat(s.http().put("/v1/uploads/k-in-burst", a, Map.of(), new byte[] {1}).status()).isEqualTo(201);

            Response limited = s.http().get("/v1/jobs", a);
            assertLimited(limited, "RATE_LIMITED");
            assertThat(limited.header("Retry-After")).contains("1");
            Response upload = s.http().put("/v1/uploads/k-over", a, Map.of(), "refused".getBytes(StandardCharsets.UTF_8));
            assertLimited(upload, "RATE_LIMITED");
            assertThat(jobs(s)).as("the refused upload left no job").isEqualTo(1);
            assertThat(Files2.regularFiles(data.resolve("spool/incoming"))).isEmpty();

            assertThat(s.http().get("/v1/jobs", b).status()).as("another device is not affected").isEqualTo(200);
            assertThat(s.http().get("/v1/jobs", null).status()).as("no token is still a 401, not a 429").isEqualTo(401);

            // At 2 per second a token takes 500 ms; the refused calls take none.
            clock.advance(Duration.ofMillis(499));
            assertLimited(s.http().get("/v1/jobs", a), "RATE_LIMITED");
            clock.advance(Duration.ofMillis(1));
            assertThat(s.http().get("/v1/jobs", a).status()).isEqualTo(200);
            assertLimited(s.http().get("/v1/jobs", a), "RATE_LIMITED");
            clock.advance(Duration.ofMillis(500));
            assertThat(s.http().put("/v1/uploads/k-after", a, Map.of(), new byte[] {2}).status()).isEqualTo(201);
            assertLimited(s.http().put("/v1/uploads/k-after-2", a, Map.of(), new byte[] {2}), "RATE_LIMITED");

            clock.advance(Duration.ofHours(1));
            // A long pause refills only up to the burst.
            for (int i = 0; i < 5; i++) {
                assertThat(s.http().get("/v1/jobs", a).status()).isEqualTo(200);
            }
            assertLimited(s.http().get("/v1/jobs", a), "RATE_LIMITED");
        }
    }

    @Test
    void aDeviceOverItsUploadShareGets429AndItsSlotsComeBackHoweverUploadsEnd() throws Exception {
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_MAX_UPLOADS_PER_DEVICE", "2", "SIDECAR_WORKERS", "1"))) {
            String a = s.enroll("alice", "phone");
            String b = s.enroll("bob", "phone");
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket socket = new Socket("127.0.0.1", s.port());
                    socket.setSoTimeout(20_000);
                    socket.getOutputStream().write(("PUT /v1/uploads/slow-" + i + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + a
                            + "\r\nContent-Length: 10\r\nConnection: close\r\n\r\n12345").getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    open.add(socket);
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> s.app().api().describe().get("runningUploads").equals(2));

                assertLimited(s.http().put("/v1/uploads/third", a, Map.of(), new byte[] {3}), "TOO_MANY_UPLOADS");
                assertThat(s.http().put("/v1/uploads/other-device", b, Map.of(), new byte[] {4}).status())
                        .as("another device still uploads").isEqualTo(201);
                assertThat(s.http().get("/v1/jobs", a).status()).as("job calls are not uploads").isEqualTo(200);

                for (Socket socket : open) {
                    OutputStream out = socket.getOutputStream();
                    out.write("67890".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    InputStream in = socket.getInputStream();
                    String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                    assertThat(head).isEqualTo("HTTP/1.1 201");
                }
            } finally {
                for (Socket socket : open) {
                    socket.close();
                }
            }
            // Refused and failed uploads give their slots back too.
            for (int i = 0; i < 5; i++) {
                assertThat(s.http().put("/v1/uploads/bad*key", a, Map.of(), new byte[] {5}).status()).isEqualTo(400);
                assertThat(s.http().put("/v1/uploads/k1", a, Map.of("X-Created-At", "nope"), new byte[] {5}).status()).isEqualTo(400);
            }
            assertThat(s.http().put("/v1/uploads/third", a, Map.of(), new byte[] {3}).status()).isEqualTo(201);
            assertThat(jobs(s)).isEqualTo(4);
        }
    }
}
