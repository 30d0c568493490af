package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.Main;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Contract upload → delivery → the bytes on a real WebDAV server (lighttpd, Apache mod_dav_fs, sabre/dav),
 * checked on the server's own disk.
 */
@WebDavTest
class WebDavDeliveryTest {
    @TempDir
    Path temp;

    private TestSidecar sidecar(WebDavServer server, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "SIDECAR_TARGET", "webdav",
                "SIDECAR_WEBDAV_URL", server.baseUrl() + "{user}/",
                "SIDECAR_WEBDAV_USER", server.user(),
                "SIDECAR_WEBDAV_PASSWORD", server.password(),
                "SIDECAR_RETRY_INITIAL_DELAY", "1s",
                "SIDECAR_RETRY_MAX_DELAY", "2s"));
        env.putAll(extra);
        return TestSidecar.start(temp.resolve("data"), env);
    }

    private static JsonNode upload(TestSidecar s, String token, String key, byte[] body, Map<String, String> headers) {
        Response r = s.http().put("/v1/uploads/" + key, token, headers, body);
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        return r.json();
    }

    private static JsonNode awaitSucceeded(TestSidecar s, String token, String id) {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            JsonNode j = s.http().get("/v1/jobs/" + id, token).json();
            assertThat(j.path("state").asText()).as(j.toString()).isNotEqualTo("failed");
            return j.path("state").asText().equals("succeeded");
        });
        return s.http().get("/v1/jobs/" + id, token).json();
    }

    private static Path onHost(WebDavServer server, String user, String remotePath) {
        return server.root().resolve(user).resolve(remotePath);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(WebDavServer.Kind.class)
    void filesFrom1KBTo100MBWithAwkwardNamesLandIntactInDeepFolders(WebDavServer.Kind kind) throws Exception {
        try (WebDavServer server = WebDavServer.start(kind, temp.resolve("dav"));
             TestSidecar s = sidecar(server, Map.of("SIDECAR_PATH_TEMPLATE",
                     "Backups/{user}/{device}/{yyyy}/{MM}/{dd}/{resourceType}/{filename}"))) {
            String token = s.enroll("alice", "Alice's iPhone");
            Map<String, byte[]> sent = new java.util.LinkedHashMap<>();
            sent.put("tiny 1KB.jpg", Files2.randomBytes(1, 1024));
            sent.put("Café #1 ?50% +x.heic", Files2.randomBytes(2, 1 << 20));
            sent.put("日本 의 фото.mov", Files2.randomBytes(3, 3 << 20));
            sent.put("big 100MB.mov", Files2.randomBytes(4, 100 << 20));
            int i = 0;
            for (Map.Entry<String, byte[]> e : sent.entrySet()) {
                JsonNode job = upload(s, token, "k" + i++, e.getValue(), Map.of(
                        "X-Filename", URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8).replace("+", "%20"),
                        "X-Created-At", "2024-02-29T23:59:59Z"));
                JsonNode done = awaitSucceeded(s, token, job.path("id").asText());
                String expected = "Backups/alice/Alice's iPhone/2024/02/29/photo/" + e.getKey();
                assertThat(done.path("remotePath").asText()).isEqualTo(expected);
                assertThat(Files2.sha256(onHost(server, "alice", expected))).as(e.getKey()).isEqualTo(Files2.sha256(e.getValue()));
            }
            assertThat(hiddenLeftovers(server)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(WebDavServer.Kind.class)
    void collisionsGetNumberedCopiesAndIdenticalRedeliveriesNoDuplicate(WebDavServer.Kind kind) throws Exception {
        try (WebDavServer server = WebDavServer.start(kind, temp.resolve("dav"));
             TestSidecar s = sidecar(server, Map.of())) {
            String token = s.enroll("alice", "phone");
            byte[] original = Files2.randomBytes(10, 5000);
            server.seedFile("alice/Photos/2023/07/IMG_0042.JPG", original);
            byte[] other = Files2.randomBytes(11, 5000);
            Map<String, String> h = Map.of("X-Filename", "IMG_0042.JPG", "X-Created-At", "2023-07-14T08:00:00Z");

            JsonNode collided = awaitSucceeded(s, token, upload(s, token, "other", other, h).path("id").asText());
            assertThat(collided.path("remotePath").asText()).isEqualTo("Photos/2023/07/IMG_0042 (1).JPG");
            assertThat(Files2.sha256(onHost(server, "alice", "Photos/2023/07/IMG_0042.JPG"))).isEqualTo(Files2.sha256(original));

            // The same bytes again under another key (a reinstalled app): found where they are, not copied again.
            JsonNode again = awaitSucceeded(s, token, upload(s, token, "reinstalled", original, h).path("id").asText());
            assertThat(again.path("remotePath").asText()).isEqualTo("Photos/2023/07/IMG_0042.JPG");
            try (var files = Files.list(server.root().resolve("alice/Photos/2023/07"))) {
                // (sabre/dav keeps its own .sabredav property file beside ours.)
                assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".sabredav")).sorted().toList())
                        .containsExactly("IMG_0042 (1).JPG", "IMG_0042.JPG");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(WebDavServer.Kind.class)
    void aLivePhotoWhosePhotoCollidesKeepsItsVideoUnderTheSameBaseName(WebDavServer.Kind kind) throws Exception {
        try (WebDavServer server = WebDavServer.start(kind, temp.resolve("dav"));
             TestSidecar s = sidecar(server, Map.of())) {
            String token = s.enroll("alice", "phone");
            server.seedFile("alice/Photos/2024/05/IMG_0007.HEIC", Files2.randomBytes(20, 3000));
            byte[] photo = Files2.randomBytes(21, 4000);
            byte[] video = Files2.randomBytes(22, 9000);
            String asset = "9F1B2C3D-LIVE/L0/001";
            String p = upload(s, token, "live-photo", photo, Map.of("X-Filename", "IMG_0007.HEIC", "X-Asset-Id", asset,
                    "X-Resource-Type", "photo", "X-Created-At", "2024-05-01T10:00:00Z")).path("id").asText();
            String v = upload(s, token, "live-video", video, Map.of("X-Filename", "IMG_0007.MOV", "X-Asset-Id", asset,
                    "X-Resource-Type", "pairedVideo", "X-Created-At", "2024-05-01T10:00:00Z")).path("id").asText();

            assertThat(awaitSucceeded(s, token, p).path("remotePath").asText()).isEqualTo("Photos/2024/05/IMG_0007 (1).HEIC");
            assertThat(awaitSucceeded(s, token, v).path("remotePath").asText()).isEqualTo("Photos/2024/05/IMG_0007 (1).MOV");
            assertThat(Files2.sha256(onHost(server, "alice", "Photos/2024/05/IMG_0007 (1).MOV"))).isEqualTo(Files2.sha256(video));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(WebDavServer.Kind.class)
    void wrongCredentialsPauseTheUserUntilSetPasswordFixesThem(WebDavServer.Kind kind) throws Exception {
        try (WebDavServer server = WebDavServer.start(kind, temp.resolve("dav"));
             TestSidecar s = sidecar(server, Map.of("SIDECAR_WEBDAV_PASSWORD", "wrong-password"))) {
            String token = s.enroll("alice", "phone");
            byte[] body = Files2.randomBytes(30, 2000);
            String id = upload(s, token, "k", body, Map.of("X-Filename", "a.jpg", "X-Created-At", "2024-01-01T00:00:00Z"))
                    .path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    s.http().get("/v1/jobs/" + id, token).json().path("lastError").asText().startsWith("CREDENTIALS_REJECTED"));
            JsonNode waiting = s.http().get("/v1/jobs/" + id, token).json();
            assertThat(waiting.path("state").asText()).isEqualTo("pending");
            assertThat(waiting.path("attempts").asInt()).as("a refused login spends no attempt").isZero();
            assertThat(waiting.path("lastError").asText()).contains("alice").doesNotContain("wrong-password");

            Path config = temp.resolve("cli.yaml");
            Files.writeString(config, "data_dir: " + temp.resolve("data") + "\n");
            InputStream stdin = System.in;
            StringWriter out = new StringWriter();
            try {
                System.setIn(new ByteArrayInputStream((server.password() + "\n").getBytes(StandardCharsets.UTF_8)));
                assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
                        "user", "set-password", "alice", "--login", server.user(), "--config", config.toString())).isZero();
            } finally {
                System.setIn(stdin);
            }
            assertThat(out.toString()).doesNotContain(server.password());

            JsonNode done = awaitSucceeded(s, token, id);
            assertThat(Files2.sha256(onHost(server, "alice", done.path("remotePath").asText()))).isEqualTo(Files2.sha256(body));
        }
    }

    private static List<Path> hiddenLeftovers(WebDavServer server) throws Exception {
        try (var walk = Files.walk(server.root())) {
            return walk.filter(p -> p.getFileName().toString().startsWith(".sidecar-")).toList();
        }
    }
}
