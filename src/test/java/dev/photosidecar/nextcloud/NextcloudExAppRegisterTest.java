package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.cli.doctor.CheckResult;
import dev.photosidecar.cli.doctor.Doctor;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.NextcloudTest;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.TestSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code photo-sidecar nextcloud register --occ} against a real Nextcloud with AppAPI 32, in the order a reader
 * follows: the sidecar already runs for Nextcloud, then it is registered. No restart in between; the command says ok
 * only once Nextcloud lists the app enabled, and run again it enables an app an admin disabled.
 */
@NextcloudTest
class NextcloudExAppRegisterTest {
    @TempDir
    Path temp;

    @Test
    void registeringARunningSidecarEndsEnabledWithInitCalledAndRunningItAgainEnablesADisabledApp() throws Exception {
        NextcloudEnv nc = NextcloudEnv.require();
        String admin = NextcloudEnv.adminBasic();
        nc.occ("app:enable app_api");
        String folder = "ExAppRegisterTest-" + UUID.randomUUID().toString().substring(0, 8);
        int port = SidecarProcess.freePort();
        Path data = temp.resolve("data");
        Path config = ExAppRegistration.config(nc, temp, data, port);
        Map<String, String> env = Map.of("SIDECAR_PORT", String.valueOf(port), "SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", nc.url(), "SIDECAR_PATH_TEMPLATE", folder + "/{yyyy}/{filename}");
        try (TestSidecar s = TestSidecar.start(data, env)) {
            ExAppRegistration.Result first = ExAppRegistration.attempt(nc, config);
            assertThat(first.exit()).as(first.out() + first.err()).isZero();
            assertThat(first.out()).contains("ok: photo_sidecar is registered and enabled");
            assertThat(nc.occOutput("app_api:app:list")).containsPattern("photo_sidecar \\(.*\\): .* \\[enabled\\]");
            JsonNode status = appStatus(nc, admin);
            assertThat(status.path("init").asInt()).as("AppAPI called /init and got its 100 %%: " + status).isEqualTo(100);
            assertThat(status.path("error").asText()).isEmpty();

            // Enabled for real: a phone's upload is accepted and delivered as the user, through AppAPI.
            String token = s.enroll(nc.user(), "phone");
            String job = s.http().put("/v1/uploads/register-1", token, Map.of("X-Filename", "REGISTERED.JPG",
                    "X-Created-At", "2021-01-01T01:01:01Z"), Files2.randomBytes(7, 20_000)).json().path("id").asText();
            awaitState(s, token, job, "succeeded");

            ExAppRegistration.Result again = ExAppRegistration.attempt(nc, config);
            assertThat(again.exit()).as(again.out() + again.err()).isZero();
            assertThat(again.out()).contains("already registered and enabled");

            // An admin disables the app: the sidecar stops, doctor names the fix, and register enables it again.
            nc.occ("app_api:app:disable photo_sidecar");
            assertThat(nc.occOutput("app_api:app:list")).contains("[disabled]");
            assertThat(s.http().put("/v1/uploads/register-2", token, Map.of(), new byte[] {2}).errorCode()).isEqualTo("APP_DISABLED");
            CheckResult registration = doctor(data, nc).stream().filter(r -> r.check().equals("exapp registration")).findFirst()
                    .orElseThrow();
            assertThat(registration.failed()).isTrue();
            assertThat(registration.text()).contains("registered in Nextcloud but disabled").contains("nextcloud register");

            ExAppRegistration.Result reenabled = ExAppRegistration.attempt(nc, config);
            assertThat(reenabled.exit()).as(reenabled.out() + reenabled.err()).isZero();
            assertThat(reenabled.out()).contains("registered but disabled").contains("ok: photo_sidecar is registered and enabled");
            assertThat(nc.occOutput("app_api:app:list")).containsPattern("photo_sidecar \\(.*\\): .* \\[enabled\\]");
            assertThat(appStatus(nc, admin).path("init").asInt()).isEqualTo(100);
            assertThat(s.http().put("/v1/uploads/register-2", token, Map.of(), new byte[] {2}).status()).isEqualTo(201);
            assertThat(doctor(data, nc)).filteredOn(r -> r.check().equals("exapp registration"))
                    .singleElement().satisfies(r -> assertThat(r.failed()).as(r.text()).isFalse());
        } finally {
            nc.occOutput("app_api:app:unregister photo_sidecar --force");
            nc.occOutput("app_api:daemon:unregister manual_install");
            nc.dav("DELETE", folder, null);
        }
    }

    @Test
    void withNoSidecarAnsweringRegisterSaysSoInOneLineInsteadOfLettingAppApiWaitTenMinutes() throws Exception {
        NextcloudEnv nc = NextcloudEnv.require();
        nc.occ("app:enable app_api");
        int port = SidecarProcess.freePort();
        Path config = ExAppRegistration.config(nc, temp, temp.resolve("data"), port);
        long started = System.nanoTime();
        ExAppRegistration.Result refused = ExAppRegistration.attempt(nc, config);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMinutes(1));
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip().lines()).singleElement().asString()
                .startsWith("FAILED: nothing answers at http://127.0.0.1:" + port + "/heartbeat");
        assertThat(nc.occOutput("app_api:app:list")).doesNotContain("photo_sidecar");
    }

    /** AppAPI's own record of the app's initialisation (admin only): {"init":100,"error":""} once /init was answered. */
    private static JsonNode appStatus(NextcloudEnv nc, String admin) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(nc.url() + "index.php/apps/app_api/apps/status/photo_sidecar"))
                .header("Authorization", admin).header("OCS-APIRequest", "true").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    private static List<CheckResult> doctor(Path data, NextcloudEnv nc) {
        return new Doctor(Map.of("SIDECAR_DATA_DIR", data.toString(), "SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", nc.url()),
                Optional.empty(), Clock.systemUTC()).run();
    }

    private static void awaitState(TestSidecar s, String token, String id, String state) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                s.http().get("/v1/jobs/" + id, token).json().path("state").asText().equals(state));
    }
}
