package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.ledger.EnrolledDevice;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.ScratchMount;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slow-body attack on the spool's free space: several uploads whose Content-Lengths add up to the free space,
 * each sending a byte every 3 seconds. On a small file system of its own, so that "the free space" is a known
 * number; the sidecar's clock is the test's, so the 3 seconds pass without anyone sleeping.
 */
@FunctionalTest
class SlowBodyReservationTest {
    private static final long MiB = 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void slowBodiesAnnouncingTheWholeDiskDoNotMakeAnotherDevicesUploadGet507() throws Exception {
        try (ScratchMount disk = ScratchMount.mountOrSkip(tmp, 64)) {
            MutableClock clock = new MutableClock(Instant.parse("2026-02-01T12:00:00Z"));
            Path data = disk.dir().resolve("data");
            try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_SPOOL_RESERVE_BYTES", "8MiB",
                    "SIDECAR_MAX_UPLOAD_BYTES", "64MiB", "SIDECAR_IDLE_TIMEOUT", "120s"), clock)) {
                EnrolledDevice mallory = s.app().devices().add("mallory", "trickler");
                String alice = s.enroll("alice", "phone");
                long room = disk.usableBytes() - 8 * MiB;
                long each = room / 5;
                System.out.printf("Slow bodies on a %s: %d MiB above the reserve, 5 uploads announcing %d MiB each%n",
                        disk.kind(), room / MiB, each / MiB);

                List<RawConnection> slow = new ArrayList<>();
                try {
                    for (int i = 0; i < 5; i++) {
                        RawConnection c = new RawConnection(s.port());
                        slow.add(c);
                        c.sendHead("PUT /v1/uploads/slow-" + i + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + mallory.token()
                                + "\r\nContent-Length: " + each);
                        c.sendBytes(new byte[] {1});
                    }
                    await().atMost(Duration.ofSeconds(10)).until(() -> s.app().api().describe().get("runningUploads").equals(5));
                    for (int round = 0; round < 5; round++) {
                        clock.advance(Duration.ofSeconds(3));
                        for (RawConnection c : slow) {
                            c.sendBytes(new byte[] {1});
                        }
                    }

                    byte[] photo = Files2.randomBytes(1, (int) (4 * MiB));
                    Response upload = s.http().put("/v1/uploads/alice-1", alice, Map.of("X-Filename", "IMG_1.HEIC"), photo);
                    assertThat(upload.status()).as("another device's upload beside the slow ones: %s", upload.body())
                            .isEqualTo(201);
                    assertThat(s.http().get("/readyz", null).status()).as("ready: the spool has room").isEqualTo(200);

                    // What does not fit beside real uploads is still refused before a byte is read.
                    try (RawConnection c = new RawConnection(s.port())) {
                        c.sendHead("PUT /v1/uploads/alice-2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice
                                + "\r\nContent-Length: " + disk.usableBytes());
                        RawConnection.Head tooBig = c.readHead();
                        String body = c.readBody(tooBig);
                        assertThat(tooBig.status()).as(body).isEqualTo(507);
                        assertThat(body).contains("INSUFFICIENT_STORAGE");
                    }
                } finally {
                    for (RawConnection c : slow) {
                        c.drop();
                    }
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> s.app().api().describe().get("runningUploads").equals(0));
                assertThat(s.http().get("/v1/uploads/slow-0", mallory.token()).status()).as("the slow bodies left no job")
                        .isEqualTo(404);
                // At any depth: each process receives into its own folder in incoming/.
                assertThat(dev.photosidecar.support.Files2.regularFiles(data.resolve("spool/incoming"))).isEmpty();
            }
        }
    }
}
