package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.NextcloudTest;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page as Nextcloud's ADMIN route: registered with the real Nextcloud, the sidecar has no admin token
 * of its own, yet Nextcloud's admins see the page, its figures and its retry button through AppAPI's proxy,
 * with every link relative so that it works under the proxy's prefix. Other users, and direct callers without
 * AppAPI's secret, do not. Needs NEXTCLOUD_ADMIN_USER and NEXTCLOUD_ADMIN_PASSWORD besides the usual variables.
 */
@NextcloudTest
class NextcloudAdminPageTest {
    private static final Pattern CSRF = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\">");

    @TempDir
    Path temp;

    @Test
    void nextcloudAdminsSeeAndActOnTheStatusPageThroughTheProxyAndNobodyElseDoes() throws Exception {
        NextcloudEnv nc = NextcloudEnv.require();
        String adminUser = System.getenv("NEXTCLOUD_ADMIN_USER");
        String adminPassword = System.getenv("NEXTCLOUD_ADMIN_PASSWORD");
        assumeTrue(adminUser != null && adminPassword != null, "set NEXTCLOUD_ADMIN_USER and NEXTCLOUD_ADMIN_PASSWORD (a Nextcloud admin)");
        nc.occ("app:enable app_api");
        String folder = "AdminPageTest-" + UUID.randomUUID().toString().substring(0, 8);
        int port = SidecarProcess.freePort();
        Path data = temp.resolve("data");
        Path config = ExAppRegistration.config(nc, temp, data, port);
        ExAppRegistration.prepare(nc, config);
        // No SIDECAR_ADMIN_TOKEN: the page exists only through Nextcloud. One attempt, so a blocked job fails at once.
        Map<String, String> env = Map.of("SIDECAR_PORT", String.valueOf(port), "SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", nc.url(), "SIDECAR_PATH_TEMPLATE", folder + "/{yyyy}/{filename}", "SIDECAR_MAX_ATTEMPTS", "1");
        try (TestSidecar s = TestSidecar.start(data, env)) {
            ExAppRegistration.register(nc, config);
            Http proxy = new Http(nc.url() + "index.php/apps/app_api/proxy/photo_sidecar");
            String admin = "Basic " + Base64.getEncoder().encodeToString((adminUser + ":" + adminPassword).getBytes(StandardCharsets.UTF_8));
            Map<String, String> asAdmin = Map.of("Authorization", admin);

            // A failed job: a file stands where its year folder must go.
            assertThat(nc.dav("MKCOL", folder, null).statusCode()).isEqualTo(201);
            assertThat(nc.dav("PUT", folder + "/2019", "in the way").statusCode()).isIn(201, 204);
            String device = s.enroll(nc.user(), "phone");
            String failed = s.http().put("/v1/uploads/admin-page-1", device, Map.of("X-Filename", "BLOCKED.JPG",
                    "X-Created-At", "2019-09-09T09:09:09Z"), new byte[] {1, 2, 3}).json().path("id").asText();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                    s.http().get("/v1/jobs/" + failed, device).json().path("state").asText().equals("failed"));

            // The page, through Nextcloud, for its admin: no sign-in, no sign-out, relative links only.
            Response page = proxy.send("GET", "/admin", null, asAdmin, null);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            assertThat(page.header("Content-Type").orElseThrow()).startsWith("text/html");
            assertThat(page.body()).contains("<h1>Photo Upload Sidecar</h1>").contains("data-job-id=\"" + failed + "\"")
                    .contains("href=\"admin/assets/admin.css?v=").contains("action=\"admin/jobs/" + failed + "/retry\"")
                    .doesNotContain("Sign out").doesNotContain("=\"/admin");
            Matcher csrf = CSRF.matcher(page.body());
            assertThat(csrf.find()).isTrue();

            // Its assets and figures come through the same proxy, and agree with the ledger.
            Response css = proxy.send("GET", "/admin/assets/admin.css", null, asAdmin, null);
            assertThat(css.status()).isEqualTo(200);
            assertThat(css.header("Content-Type").orElseThrow()).startsWith("text/css");
            Response status = proxy.send("GET", "/admin/status.json", null, asAdmin, null);
            assertThat(status.status()).as(status.body()).isEqualTo(200);
            JsonNode counts = status.json().path("counts");
            assertThat(counts.path("failed").asLong()).isEqualTo(s.app().ledger().countByState()
                    .get(dev.photosidecar.ledger.JobState.FAILED));
            assertThat(status.json().path("failed").path("jobs").get(0).path("id").asText()).isEqualTo(failed);

            // Retry needs the page's CSRF token even for an admin; with it, the job moves on and lands.
            Response forged = proxy.send("POST", "/admin/jobs/" + failed + "/retry", null,
                    Map.of("Authorization", admin, "Accept", "application/json"), null);
            assertThat(forged.status()).isEqualTo(401);
            assertThat(s.http().get("/v1/jobs/" + failed, device).json().path("state").asText()).isEqualTo("failed");
            nc.dav("DELETE", folder + "/2019", null);
            Response retried = proxy.send("POST", "/admin/jobs/" + failed + "/retry", null,
                    Map.of("Authorization", admin, "Accept", "application/json", "X-CSRF-Token", csrf.group(1)), null);
            assertThat(retried.status()).as(retried.body()).isEqualTo(200);
            assertThat(retried.json().path("state").asText()).isEqualTo("pending");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                    s.http().get("/v1/jobs/" + failed, device).json().path("state").asText().equals("succeeded"));

            // A user who is not an admin gets Nextcloud's 404; so does everyone for paths outside the page.
            assertThat(proxy.send("GET", "/admin", null, Map.of("Authorization", nc.basic()), null).status()).isEqualTo(404);
            assertThat(proxy.send("GET", "/admin/../v1/jobs", null, asAdmin, null).status()).isIn(400, 404);
            // Directly, without AppAPI's secret: no page (no admin token is set), and forged AppAPI headers are refused.
            assertThat(s.http().get("/admin", null).status()).isEqualTo(404);
            Response forgedAppApi = s.http().send("GET", "/admin", null, Map.of("EX-APP-ID", "photo_sidecar", "EX-APP-VERSION", "1",
                    "AUTHORIZATION-APP-API", Base64.getEncoder().encodeToString((adminUser + ":guess").getBytes(StandardCharsets.UTF_8))), null);
            assertThat(forgedAppApi.status()).isEqualTo(401);
        } finally {
            nc.occ("app_api:app:unregister photo_sidecar --force");
            nc.occ("app_api:daemon:unregister manual_install");
            nc.dav("DELETE", folder, null);
        }
    }
}
