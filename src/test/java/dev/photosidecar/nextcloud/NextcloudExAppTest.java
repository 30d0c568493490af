package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.NextcloudTest;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.TestSidecar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar as a Nextcloud ExApp, against a real Nextcloud with AppAPI: registered with the printed
 * commands, enrolled through Nextcloud's proxy, delivering as the user with no password stored, and
 * stopping while Nextcloud has it disabled.
 */
@NextcloudTest
class NextcloudExAppTest {
    @TempDir
    Path temp;

    @Test
    void registeredWithThePrintedCommandsItEnrollsThroughNextcloudAndDeliversAsTheUser() throws Exception {
        NextcloudEnv nc = NextcloudEnv.require();
        nc.occ("app:enable app_api");
        String folder = "ExAppTest-" + UUID.randomUUID().toString().substring(0, 8);
        int port = SidecarProcess.freePort();
        Path data = temp.resolve("data");
        Path config = ExAppRegistration.config(nc, temp, data, port);
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_PORT", String.valueOf(port), "SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", nc.url(), "SIDECAR_PATH_TEMPLATE", folder + "/{yyyy}/{filename}",
                "SIDECAR_MAX_ATTEMPTS", "1000", "SIDECAR_RETRY_INITIAL_DELAY", "1s", "SIDECAR_RETRY_MAX_DELAY", "1s"))) {
            // The sidecar started before its registration: it is not an ExApp yet. Register, then restart it as one.
            assertThat(ExAppRegistration.prepare(nc, config)).contains("occ 'app_api:app:register' 'photo_sidecar'");
        }
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_PORT", String.valueOf(port), "SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", nc.url(), "SIDECAR_PATH_TEMPLATE", folder + "/{yyyy}/{filename}",
                "SIDECAR_MAX_ATTEMPTS", "1000", "SIDECAR_RETRY_INITIAL_DELAY", "1s", "SIDECAR_RETRY_MAX_DELAY", "1s"))) {
            ExAppRegistration.register(nc, config);
            assertThat(occOutput(nc, "app_api:app:list")).contains("photo_sidecar").contains("[enabled]");

            // A phone enrolls through Nextcloud's proxy with the user's app password, and uploads straight here.
            Http viaNextcloud = new Http(nc.url() + "index.php/apps/app_api/proxy/photo_sidecar");
            Response enrolled = viaNextcloud.send("POST", "/exapp/devices", null, Map.of("Authorization", nc.basic(),
                    "Content-Type", "application/json"), "{\"name\":\"Ana's iPhone\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(enrolled.status()).as(enrolled.body()).isEqualTo(201);
            String token = enrolled.json().path("token").asText();
            assertThat(enrolled.json().path("uploadUrl").asText()).contains(":" + port + "/v1/uploads/");

            byte[] photo = Files2.randomBytes(1, 120_000);
            String first = s.http().put("/v1/uploads/exapp-1", token, Map.of("X-Filename", "EXAPP_1.JPG",
                    "X-Created-At", "2020-02-02T02:02:02Z"), photo).json().path("id").asText();
            JsonNode done = awaitState(s, token, first, "succeeded");
            assertThat(done.path("remotePath").asText()).isEqualTo(folder + "/2020/EXAPP_1.JPG");
            HttpBytes got = HttpBytes.get(nc, folder + "/2020/EXAPP_1.JPG");
            assertThat(Files2.sha256(got.body())).isEqualTo(Files2.sha256(photo));
            assertThat(s.app().ledger().list(java.util.Optional.empty(), java.util.Optional.empty(), 10)).isNotEmpty();
            assertThat(credentialRows(data)).as("no password stored by the sidecar").isZero();

            // A job that cannot land yet (a file stands where its folder must go) keeps retrying...
            assertThat(nc.dav("PUT", folder + "/2019", "in the way").statusCode()).isIn(201, 204);
            String second = s.http().put("/v1/uploads/exapp-2", token, Map.of("X-Filename", "EXAPP_2.JPG",
                    "X-Created-At", "2019-09-09T09:09:09Z"), Files2.randomBytes(2, 5000)).json().path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> s.http().get("/v1/jobs/" + second, token).json()
                    .path("attempts").asInt() >= 1);
            // ...and once Nextcloud disables the app, nothing is delivered or accepted, even when it could be.
            nc.occ("app_api:app:disable photo_sidecar");
            assertThat(s.http().put("/v1/uploads/exapp-3", token, Map.of(), new byte[] {3}).errorCode()).isEqualTo("APP_DISABLED");
            nc.dav("DELETE", folder + "/2019", null);
            await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> !s.http().get("/v1/jobs/" + second, token).json().path("state").asText().equals("succeeded"));

            nc.occ("app_api:app:enable photo_sidecar");
            awaitState(s, token, second, "succeeded");
        } finally {
            nc.occ("app_api:app:unregister photo_sidecar --force");
            nc.occ("app_api:daemon:unregister manual_install");
            nc.dav("DELETE", folder, null);
        }
    }

    private static JsonNode awaitState(TestSidecar s, String token, String id, String state) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                s.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals(state));
        return s.http().get("/v1/jobs/" + id, token).json();
    }

    private static long credentialRows(Path data) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("ledger.db"));
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM user_credentials")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String occOutput(NextcloudEnv nc, String args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", nc.occ().orElseThrow() + " " + args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    /** A file's bytes from the user's Nextcloud files. */
    record HttpBytes(byte[] body) {
        static HttpBytes get(NextcloudEnv nc, String path) throws IOException, InterruptedException {
            return new HttpBytes(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(nc.filesUrl(path))).header("Authorization", nc.basic()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body());
        }
    }
}
