package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.HostInventory;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "One refused name stops a user's whole backup": Apache as Debian ships it refuses every name starting with
 * ".ht" with 403. That 403 is the name's, not the account's: the job is retried and fails with its own reason,
 * while the same user's other photos, and other users', are delivered as if nothing happened. And the sidecar's
 * own temporary names cannot be uploads.
 */
@WebDavTest
class ForbiddenPathTest {
    @TempDir
    Path temp;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void apachesStockRefusalOfHtNamesFailsThoseJobsAndHoldsNoOneElseUp() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        try (WebDavServer apache = WebDavServer.start(WebDavServer.Kind.APACHE, temp.resolve("dav"));
             TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of(
                     "SIDECAR_TARGET", "webdav",
                     "SIDECAR_WEBDAV_URL", apache.baseUrl() + "{user}/",
                     "SIDECAR_WEBDAV_USER", apache.user(),
                     "SIDECAR_WEBDAV_PASSWORD", apache.password(),
                     "SIDECAR_MAX_ATTEMPTS", "2",
                     "SIDECAR_LEASE_DURATION", "24h"), clock)) {
            String alice = s.enroll("alice", "phone");
            String bob = s.enroll("bob", "phone");
            List<String> refused = new ArrayList<>();
            for (String name : List.of(".htaccess", ".htpasswd", ".ht_photo.jpg")) {
                refused.add(upload(s, alice, name));
            }
            List<String> fine = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                fine.add(upload(s, alice, "IMG_" + i + ".JPG"));
                fine.add(upload(s, bob, "IMG_" + i + ".JPG"));
            }
            // Every error the refused jobs ever showed: never one that blames the account.
            List<String> seen = new CopyOnWriteArrayList<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                refused.forEach(id -> s.app().ledger().find(id).orElseThrow().lastError().ifPresent(seen::add));
                clock.advance(Duration.ofSeconds(10));
                s.app().workers().wake();
                return s.app().ledger().list(Optional.empty(), Optional.empty(), 100).stream()
                        .allMatch(j -> j.state() == JobState.SUCCEEDED || j.state() == JobState.FAILED);
            });
            for (String id : fine) {
                Job j = s.app().ledger().find(id).orElseThrow();
                assertThat(j.state()).as("%s's %s: %s", j.userId(), j.filename(), j.lastError().orElse("")).isEqualTo(JobState.SUCCEEDED);
                assertThat(j.attempts()).as("attempts of %s's %s", j.userId(), j.filename()).isEqualTo(1);
            }
            for (String id : refused) {
                Job j = s.app().ledger().find(id).orElseThrow();
                assertThat(j.state()).isEqualTo(JobState.FAILED);
                assertThat(j.lastError()).hasValueSatisfying(e -> assertThat(e)
                        .startsWith("FORBIDDEN: the host answered 403 Forbidden to MOVE to " + j.filename())
                        .contains("accepts user alice's account").endsWith("(gave up after 2 attempts)"));
            }
            assertThat(seen).as("errors the refused jobs showed").isNotEmpty()
                    .allSatisfy(e -> assertThat(e).startsWith("FORBIDDEN:").doesNotContain("CREDENTIALS_REJECTED"));
            HostInventory.Tally tally = HostInventory.of(apache.root()).against(List.of());
            assertThat(tally.temp()).as("temporary files left: %s", tally.tempFiles()).isZero();
            try (var files = Files.walk(apache.root())) {
                assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                        .as("files on the host").noneMatch(n -> n.startsWith(".ht")).hasSize(fine.size());
            }
            System.out.printf("hostile host: Apache's stock .ht* refusal: %d jobs failed as FORBIDDEN after 2 attempts,"
                    + " %d other photos of the same and another user delivered on their first attempt%n", refused.size(), fine.size());
        }
    }

    @Test
    void theSidecarsOwnTemporaryNamesAreNoUploadNames() throws Exception {
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of())) {
            String token = s.enroll("alice", "phone");
            for (String name : List.of(".sidecar-abc.tmp", ".SIDECAR-2yh6wbkfokzpz3eeijo4otwi4e.TMP", ".sidecar-x-1234abcd.tmp",
                    "%2Esidecar-abc%2Etmp")) {
                Http.Response r = s.http().put("/v1/uploads/k-" + name.hashCode(), token, Map.of("X-Filename", name),
                        new byte[] {1, 2, 3});
                assertThat(r.status()).as("%s: %s", name, r.body()).isEqualTo(400);
                assertThat(r.errorCode()).isEqualTo("INVALID_FILENAME");
                assertThat(r.json().path("error").path("message").asText()).contains(".sidecar-*.tmp");
            }
            for (String name : List.of(".sidecar-abc.tmp.jpg", "sidecar-abc.tmp", ".sidecar.tmp.JPG")) {
                assertThat(s.http().put("/v1/uploads/k-" + name.hashCode(), token, Map.of("X-Filename", name),
                        new byte[] {1, 2, 3}).status()).as(name).isEqualTo(201);
            }
        }
    }

    private static String upload(TestSidecar s, String token, String name) {
        Http.Response r = s.http().put("/v1/uploads/" + name.hashCode() + "-" + token.hashCode(), token,
                Map.of("X-Filename", name, "X-Created-At", "2024-05-01T10:00:00Z"), Files2.randomBytes(name.hashCode(), 5000));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("id").asText();
    }
}
