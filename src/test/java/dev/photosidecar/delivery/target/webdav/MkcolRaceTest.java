package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache's mod_dav_fs answers 403 ("File exists: Unable to create collection") to the loser of two MKCOLs of
 * the same folder. The real race is rare (the long crash loop hit it once in 200 restarts), so the test
 * server refuses every MKCOL under {@code /mkcol-403/} with 403: where the folder is there anyway, the
 * delivery goes on; where it is not, the 403 still stands for what it says.
 */
@WebDavTest
class MkcolRaceTest {
    @TempDir
    Path temp;

    @Test
    void a403ToAMkcolOfAFolderThatExistsIsAFolderMadeMeanwhile() throws Exception {
        try (WebDavServer server = WebDavServer.start(WebDavServer.Kind.APACHE, temp.resolve("dav"))) {
            // alice's folders exist (made by "the other worker"); bob's do not.
            server.seedFile("mkcol-403/alice/Photos/2024/.keep", new byte[0]);
            try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of(
                    "SIDECAR_TARGET", "webdav",
                    "SIDECAR_WEBDAV_URL", server.baseUrl() + "mkcol-403/{user}/",
                    "SIDECAR_WEBDAV_USER", server.user(),
                    "SIDECAR_WEBDAV_PASSWORD", server.password(),
                    "SIDECAR_PATH_TEMPLATE", "Photos/{yyyy}/{filename}"))) {
                String alice = s.enroll("alice", "phone");
                byte[] photo = Files2.randomBytes(7, 5000);
                String id = s.http().put("/v1/uploads/race-1", alice, Map.of("X-Filename", "RACE.JPG",
                        "X-Created-At", "2024-03-01T10:00:00Z"), photo).json().path("id").asText();
                await().atMost(Duration.ofSeconds(60)).until(() -> s.http().get("/v1/jobs/" + id, alice).json()
                        .path("state").asText().equals("succeeded"));
                assertThat(Files2.sha256(Files.readAllBytes(server.root().resolve("mkcol-403/alice/Photos/2024/RACE.JPG"))))
                        .isEqualTo(Files2.sha256(photo));

                String bob = s.enroll("bob", "phone");
                String refused = s.http().put("/v1/uploads/race-2", bob, Map.of("X-Filename", "NOPE.JPG",
                        "X-Created-At", "2024-03-01T10:00:00Z"), photo).json().path("id").asText();
                await().atMost(Duration.ofSeconds(60)).until(() -> !s.http().get("/v1/jobs/" + refused, bob).json()
                        .path("lastError").isNull());
                JsonNode job = s.http().get("/v1/jobs/" + refused, bob).json();
                assertThat(job.path("state").asText()).isEqualTo("pending");
                assertThat(job.path("lastError").asText()).contains("403");
            }
        }
    }
}
