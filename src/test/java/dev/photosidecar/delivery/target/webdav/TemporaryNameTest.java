package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The temporary PUT never replaces a file: it carries {@code If-None-Match: *}, which lighttpd, Apache mod_dav_fs
 * and sabre/dav all honour with 412. A file already standing at a job's temporary name is either that job's own
 * earlier upload (the same bytes: used as it is, no second upload) or not ours (left exactly as it was, and the job
 * goes up under a name of its own).
 */
@WebDavTest
class TemporaryNameTest {
    @TempDir
    Path temp;

    @ParameterizedTest
    @MethodSource("dev.photosidecar.support.WebDavServer#all")
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aFileAtTheTemporaryNameIsNeverOverwritten(WebDavServer.Kind kind) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        try (WebDavServer server = WebDavServer.start(kind, temp.resolve("dav"))) {
            // Down while the uploads arrive, so that the test can put files in their way first.
            server.stop();
            try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of(
                    "SIDECAR_TARGET", "webdav",
                    "SIDECAR_WEBDAV_URL", server.baseUrl() + "{user}/",
                    "SIDECAR_WEBDAV_USER", server.user(),
                    "SIDECAR_WEBDAV_PASSWORD", server.password(),
                    "SIDECAR_LEASE_DURATION", "24h"), clock)) {
                String token = s.enroll("alice", "phone");
                byte[] strangersBytes = Files2.randomBytes(1, 7000);
                byte[] ownBytes = Files2.randomBytes(2, 8000);
                String withStranger = upload(s, token, "STRANGER.JPG", Files2.randomBytes(3, 9000));
                String withItsOwn = upload(s, token, "OWN.JPG", ownBytes);
                await().atMost(Duration.ofSeconds(30)).until(() -> s.app().workers().breaker().isOpen());

                String folder = "alice/Photos/2024/05/";
                Path stranger = server.seedFile(folder + ".sidecar-" + withStranger + ".tmp", strangersBytes);
                Path earlier = server.seedFile(folder + ".sidecar-" + withItsOwn + ".tmp", ownBytes); // an earlier PUT that landed
                Object earlierInode = Files.getAttribute(earlier, "unix:ino");
                server.start();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    clock.advance(Duration.ofSeconds(10));
                    s.app().workers().wake();
                    return Stream.of(withStranger, withItsOwn).map(id -> s.app().ledger().find(id).orElseThrow())
                            .allMatch(j -> j.state() == JobState.SUCCEEDED || j.state() == JobState.FAILED);
                });
                for (String id : List.of(withStranger, withItsOwn)) {
                    Job j = s.app().ledger().find(id).orElseThrow();
                    assertThat(j.state()).as("%s: %s", j.filename(), j.lastError().orElse("")).isEqualTo(JobState.SUCCEEDED);
                    assertThat(Files2.sha256(server.root().resolve("alice").resolve(j.remotePath().orElseThrow())))
                            .isEqualTo(j.sha256());
                }
                assertThat(Files2.sha256(stranger)).as("the file that was in the way").isEqualTo(Files2.sha256(strangersBytes));
                try (Stream<Path> files = Files.list(server.root().resolve(folder))) {
                    // (sabre/dav keeps its properties in a .sabredav file of each folder)
                    assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".sabredav")).sorted())
                            .as("the folder: the two photos, and the stranger's file untouched")
                            .containsExactly(".sidecar-" + withStranger + ".tmp", "OWN.JPG", "STRANGER.JPG");
                }
                // The earlier upload itself was given its name (MOVE renames: same inode), not uploaded again.
                assertThat(Files.getAttribute(server.root().resolve(folder + "OWN.JPG"), "unix:ino"))
                        .as("inode of OWN.JPG").isEqualTo(earlierInode);
                System.out.printf("hostile host: temporary name taken on %s: answered 412 to If-None-Match, the"
                        + " stranger's file kept, the job's own earlier upload used as it was%n", kind);
            }
        }
    }

    private static String upload(TestSidecar s, String token, String name, byte[] body) {
        Http.Response r = s.http().put("/v1/uploads/" + name, token,
                Map.of("X-Filename", name, "X-Created-At", "2024-05-01T10:00:00Z"), body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("id").asText();
    }
}
