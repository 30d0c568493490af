package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The calls Nextcloud's AppAPI makes to the sidecar, and the checks on their headers. */
@FunctionalTest
class ExAppLifecycleTest {
    @TempDir
    Path temp;
    Path data;
    ExAppIdentity identity;

    @BeforeEach
    void register() throws Exception {
        data = temp.resolve("data");
        identity = ExAppIdentity.create(data);
    }

    private TestSidecar sidecar() {
        // The host is never reached in these tests: a closed port stands for "Nextcloud not answering".
        return TestSidecar.start(data, Map.of("SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", "http://127.0.0.1:9/"));
    }

    private Map<String, String> appApi(String user, String secret) {
        Map<String, String> h = new HashMap<>();
        h.put("EX-APP-ID", "photo_sidecar");
        h.put("EX-APP-VERSION", "0.1.0");
        h.put("AA-VERSION", "32.0.0");
        h.put("AA-REQUEST-ID", "test");
        h.put("AUTHORIZATION-APP-API", Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8)));
        return h;
    }

    @Test
    void heartbeatNeedsNoAuthAndInitAndEnabledNeedTheSecret() {
        try (TestSidecar s = sidecar()) {
            Response beat = s.http().get("/heartbeat", null);
            assertThat(beat.status()).isEqualTo(200);
            assertThat(beat.json().path("status").asText()).isEqualTo("ok");

            Response init = s.http().send("POST", "/init", null, appApi("", identity.secret()), new byte[0]);
            assertThat(init.status()).isEqualTo(200);
            assertThat(init.body()).isEqualTo("{}");

            Response enabled = s.http().send("PUT", "/enabled?enabled=1", null, appApi("", identity.secret()), new byte[0]);
            assertThat(enabled.status()).isEqualTo(200);
            assertThat(enabled.json().path("error").asText()).isEmpty();
        }
    }

    @Test
    void wrongSecretWrongAppIdAndMissingVersionAreRefused() {
        try (TestSidecar s = sidecar()) {
            Map<String, String> wrongSecret = appApi("", "not-the-secret");
            Map<String, String> wrongId = appApi("", identity.secret());
            wrongId.put("EX-APP-ID", "other_app");
            Map<String, String> noVersion = appApi("", identity.secret());
            noVersion.remove("EX-APP-VERSION");
            Map<String, String> garbage = appApi("", identity.secret());
            garbage.put("AUTHORIZATION-APP-API", "%%%");
            for (Map<String, String> bad : new Map[] {wrongSecret, wrongId, noVersion, garbage}) {
                Response r = s.http().send("PUT", "/enabled?enabled=1", null, bad, new byte[0]);
                assertThat(r.status()).as(bad.toString()).isEqualTo(401);
                assertThat(r.errorCode()).isEqualTo("UNAUTHORIZED");
                assertThat(s.http().send("POST", "/init", null, bad, new byte[0]).status()).isEqualTo(401);
                assertThat(s.http().send("POST", "/exapp/devices", null, bad, "{}".getBytes()).status()).isEqualTo(401);
            }
            // None of them switched the app on.
            Response upload = s.http().put("/v1/uploads/k", s.enroll("alice", "p"), Map.of(), new byte[] {1});
            assertThat(upload.errorCode()).isEqualTo("APP_DISABLED");
        }
    }

    @Test
    void whileDisabledUploadsGet503AndEnablingResumesThemAcrossRestarts() {
        String token;
        try (TestSidecar s = sidecar()) {
            token = s.enroll("alice", "phone");
            Response refused = s.http().put("/v1/uploads/k1", token, Map.of(), new byte[] {1});
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.errorCode()).isEqualTo("APP_DISABLED");
            assertThat(refused.header("Retry-After")).isPresent();

            s.http().send("PUT", "/enabled?enabled=1", null, appApi("", identity.secret()), new byte[0]);
            assertThat(s.http().put("/v1/uploads/k1", token, Map.of(), new byte[] {1}).status()).isEqualTo(201);
        }
        try (TestSidecar s = sidecar()) {
            assertThat(s.http().put("/v1/uploads/k2", token, Map.of(), new byte[] {2}).status())
                    .as("still enabled after a restart").isEqualTo(201);
            s.http().send("PUT", "/enabled?enabled=0", null, appApi("", identity.secret()), new byte[0]);
            assertThat(s.http().put("/v1/uploads/k3", token, Map.of(), new byte[] {3}).errorCode()).isEqualTo("APP_DISABLED");
        }
    }

    @Test
    void aRegistrationWrittenWhileTheSidecarRunsIsTakenUpAtAppApisNextCallWithoutARestart() throws Exception {
        // The order a reader follows: the sidecar already runs for Nextcloud, then `nextcloud register` writes exapp.json.
        Path running = temp.resolve("running");
        try (TestSidecar s = TestSidecar.start(running, Map.of("SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", "http://127.0.0.1:9/"))) {
            String token = s.enroll("alice", "phone");
            Response before = s.http().get("/heartbeat", null);
            assertThat(before.status()).isEqualTo(404);
            assertThat(before.errorCode()).isEqualTo("EXAPP_NOT_REGISTERED");
            assertThat(s.http().put("/v1/uploads/before", token, Map.of(), new byte[] {1}).status())
                    .as("not an ExApp yet: uploads run as usual").isEqualTo(201);

            ExAppIdentity first = ExAppIdentity.create(running);
            Response beat = s.http().get("/heartbeat", null);
            assertThat(beat.status()).isEqualTo(200);
            assertThat(beat.json().path("status").asText()).isEqualTo("ok");
            assertThat(s.http().put("/v1/uploads/registered", token, Map.of(), new byte[] {2}).errorCode())
                    .as("registered, and disabled until Nextcloud enables it").isEqualTo("APP_DISABLED");
            assertThat(s.http().send("POST", "/init", null, appApi("", first.secret()), new byte[0]).status()).isEqualTo(200);
            assertThat(s.http().send("PUT", "/enabled?enabled=1", null, appApi("", first.secret()), new byte[0]).status())
                    .isEqualTo(200);
            assertThat(s.http().put("/v1/uploads/enabled", token, Map.of(), new byte[] {3}).status()).isEqualTo(201);

            // `register --new-secret` while running: the old secret stops working and the app waits to be enabled again.
            ExAppIdentity second = ExAppIdentity.create(running);
            assertThat(s.http().send("PUT", "/enabled?enabled=1", null, appApi("", first.secret()), new byte[0]).status())
                    .isEqualTo(401);
            assertThat(s.http().put("/v1/uploads/new-secret", token, Map.of(), new byte[] {4}).errorCode()).isEqualTo("APP_DISABLED");
            assertThat(s.http().send("PUT", "/enabled?enabled=1", null, appApi("", second.secret()), new byte[0]).status())
                    .isEqualTo(200);
            assertThat(s.http().put("/v1/uploads/new-secret", token, Map.of(), new byte[] {4}).status()).isEqualTo(201);
        }
    }

    @Test
    void withoutARegistrationEveryAppApiCallSaysSoAndTheProxiedAdminHeadersMeanNothing() {
        Path plain = temp.resolve("plain");
        try (TestSidecar s = TestSidecar.start(plain, Map.of("SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", "http://127.0.0.1:9/"))) {
            for (String[] call : new String[][] {{"POST", "/init"}, {"PUT", "/enabled?enabled=1"}, {"POST", "/exapp/devices"}}) {
                Response r = s.http().send(call[0], call[1], null, appApi("alice", identity.secret()), "{}".getBytes());
                assertThat(r.status()).as(call[1]).isEqualTo(404);
                assertThat(r.errorCode()).isEqualTo("EXAPP_NOT_REGISTERED");
            }
            assertThat(s.app().devices().list()).isEmpty();
        }
    }

    @Test
    void theUserRouteEnrollsTheLoggedInUserWithNoPassword() {
        try (TestSidecar s = sidecar()) {
            Response r = s.http().send("POST", "/exapp/devices", null, appApi("alice", identity.secret()),
                    "{\"name\":\"Ana's iPhone\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            assertThat(r.json().path("user").asText()).isEqualTo("alice");
            assertThat(r.json().path("token").asText()).startsWith("psc_");
            assertThat(r.json().path("uploadUrl").asText()).endsWith("/v1/uploads/");
            assertThat(s.app().devices().list()).singleElement().satisfies(d -> assertThat(d.userId()).isEqualTo("alice"));

            Response system = s.http().send("POST", "/exapp/devices", null, appApi("", identity.secret()), "{}".getBytes());
            assertThat(system.status()).as("a system call has no user to enroll").isEqualTo(401);
        }
    }
}
