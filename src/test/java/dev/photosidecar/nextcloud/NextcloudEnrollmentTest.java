package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.NextcloudTest;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Login Flow v2 and the enrollment rate limit, against a real Nextcloud. */
@NextcloudTest
class NextcloudEnrollmentTest {
    @TempDir
    Path temp;

    private TestSidecar sidecar(NextcloudEnv nc) {
        return TestSidecar.start(temp.resolve("data"), Map.of("SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", nc.url()));
    }

    @Test
    void aPhoneEnrollsThroughTheBrowserLoginFlow() throws Exception {
        NextcloudEnv nc = NextcloudEnv.require();
        assumeTrue(nc.loginPassword().isPresent(), "set NEXTCLOUD_LOGIN_PASSWORD (the user's password) for the login flow test");
        try (TestSidecar s = sidecar(nc)) {
            Response started = s.http().post("/v1/login", null, "{\"name\":\"Ana's iPhone\"}");
            assertThat(started.status()).as(started.body()).isEqualTo(201);
            String handle = started.json().path("pollHandle").asText();
            String pollBody = "{\"pollHandle\":\"" + handle + "\"}";

            assertThat(s.http().post("/v1/login/poll", null, pollBody).status()).as("pending").isEqualTo(202);

            BrowserLogin.grant(started.json().path("loginUrl").asText(), nc.user(), nc.loginPassword().get());
            Response done = s.http().post("/v1/login/poll", null, pollBody);
            assertThat(done.status()).as(done.body()).isEqualTo(201);
            JsonNode body = done.json();
            assertThat(body.path("user").asText()).isEqualTo(nc.user());
            String token = body.path("token").asText();
            assertThat(s.http().get("/v1/jobs", token).status()).isEqualTo(200);
            assertThat(s.app().devices().list()).singleElement().satisfies(d -> assertThat(d.name()).isEqualTo("Ana's iPhone"));

            Response again = s.http().post("/v1/login/poll", null, pollBody);
            assertThat(again.status()).as("a finished flow is gone").isEqualTo(404);
            assertThat(again.errorCode()).isEqualTo("LOGIN_NOT_FOUND");
        }
    }

    @Test
    void repeatedWrongPasswordsFromOneAddressAreThrottled() throws Exception {
        NextcloudEnv nc = NextcloudEnv.require();
        try (TestSidecar s = sidecar(nc)) {
            String wrong = "Basic " + Base64.getEncoder().encodeToString((nc.user() + ":wrong").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 10; i++) {
                Response r = s.http().send("POST", "/v1/devices", null, Map.of("Authorization", wrong,
                        "Content-Type", "application/json"), "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8));
                assertThat(r.status()).isEqualTo(401);
            }
            Response throttled = s.http().send("POST", "/v1/devices", null, Map.of("Authorization", nc.basic(),
                    "Content-Type", "application/json"), "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(throttled.status()).as("even right credentials wait once the limit is reached").isEqualTo(429);
            assertThat(throttled.errorCode()).isEqualTo("TOO_MANY_ATTEMPTS");
            assertThat(throttled.header("Retry-After")).isPresent();
            assertThat(s.app().devices().list()).isEmpty();
        }
    }

    @Test
    void enrollmentIsRefusedWhenTheTargetIsNotNextcloud() {
        try (TestSidecar s = TestSidecar.start(temp.resolve("local"), Map.of())) {
            Response r = s.http().send("POST", "/v1/devices", null, Map.of("Authorization", "Basic YTpi",
                    "Content-Type", "application/json"), "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).isEqualTo(501);
            assertThat(r.errorCode()).isEqualTo("ENROLLMENT_UNAVAILABLE");
        }
    }
}
