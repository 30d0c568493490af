package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input corpus's accepted names (see api/HostileInputTest) delivered to a real WebDAV server
 * (lighttpd): each lands as one file with its own name inside the user's folder, under a device whose name is
 * a traversal attempt, and nothing appears anywhere else in the server's root.
 */
@WebDavTest
class HostileNamesWebDavTest {
    @TempDir
    Path temp;

    @Test
    void oddNamesLandAsOneFileEachInsideTheUsersFolderOnTheHost() throws Exception {
        try (WebDavServer server = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"));
             TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of(
                     "SIDECAR_TARGET", "webdav",
                     "SIDECAR_WEBDAV_URL", server.baseUrl() + "{user}/",
                     "SIDECAR_WEBDAV_USER", server.user(),
                     "SIDECAR_WEBDAV_PASSWORD", server.password(),
                     "SIDECAR_PATH_TEMPLATE", "Photos/{user}/{device}/{resourceType}/{yyyy}/{filename}"))) {
            String token = s.app().devices().add("alice", "../../../../escape-marker").token();
            Map<String, String> names = new LinkedHashMap<>();
            names.put("%EF%BC%8E%EF%BC%8E%EF%BC%8F%EF%BC%8E%EF%BC%8E%EF%BC%8Fetc", "．．／．．／etc");
            names.put("..%E2%88%95..%E2%88%95passwd", "..∕..∕passwd");
            names.put("%252e%252e%252fx", "%2e%2e%2fx");
            names.put("...", "...");
            names.put("%E2%80%8B..", "\u200B..");
            names.put("a%3Fb%23c%25d.jpg", "a?b#c%d.jpg");
            names.put(".htaccess", ".htaccess");
            int i = 0;
            for (Map.Entry<String, String> e : names.entrySet()) {
                byte[] body = Files2.randomBytes(i, 100 + i);
                Response r = s.http().put("/v1/uploads/odd-" + i++, token, Map.of("X-Filename", e.getKey(),
                        "X-Created-At", "2024-01-02T03:04:05Z"), body);
                assertThat(r.status()).as(r.body()).isEqualTo(201);
                String id = r.json().path("id").asText();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    JsonNode j = s.http().get("/v1/jobs/" + id, token).json();
                    assertThat(j.path("state").asText()).as(j.toString()).isNotEqualTo("failed");
                    return j.path("state").asText().equals("succeeded");
                });
                String remote = s.http().get("/v1/jobs/" + id, token).json().path("remotePath").asText();
                assertThat(remote).isEqualTo("Photos/alice/.._.._.._.._escape-marker/photo/2024/" + e.getValue());
                Path onHost = server.root().resolve("alice").resolve(remote);
                assertThat(onHost.normalize()).isEqualTo(onHost);
                assertThat(Files2.sha256(onHost)).isEqualTo(Files2.sha256(body));
            }
            try (Stream<Path> all = Files.walk(server.root())) {
                List<Path> files = all.filter(Files::isRegularFile).toList();
                assertThat(files).as("everything is inside alice's folder, no temporary file is left")
                        .allSatisfy(f -> {
                            assertThat(f).startsWithRaw(server.root().resolve("alice/Photos/alice/.._.._.._.._escape-marker"));
                            assertThat(f.getFileName().toString()).doesNotStartWith(".sidecar-");
                        })
                        .hasSize(names.size());
            }
        }
    }
}
