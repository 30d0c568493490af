package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-service enrollment against a real host that checks passwords: lighttpd with Basic auth, serving Nextcloud's
 * {@code status.php} and user-lookup answers as plain files, so that the sidecar takes it for Nextcloud and asks
 * it about every login. A wrong password is refused by lighttpd's own auth, and its access log tells how many
 * guesses reached the host.
 */
@WebDavTest
class EnrollmentLimitsTest {
    private static final String STATUS = "{\"installed\":true,\"maintenance\":false,\"needsDbUpgrade\":false,"
            + "\"version\":\"32.0.1.2\",\"versionstring\":\"32.0.1\",\"edition\":\"\",\"productname\":\"Nextcloud\"}";
    private static final String USER_LOOKUP = "/ocs/v1.php/cloud/user";
    private static final String LOGIN_FLOW = "/index.php/login/v2";

    @TempDir
    static Path shared;
    @TempDir
    Path data;

    static WebDavServer host;

    @BeforeAll
    static void startHost() {
        host = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, shared.resolve("dav"));
        host.seedFile("status.php", STATUS.getBytes(StandardCharsets.UTF_8));
        host.seedFile(USER_LOOKUP.substring(1), ("{\"ocs\":{\"meta\":{\"status\":\"ok\",\"statuscode\":100},"
                + "\"data\":{\"id\":\"" + host.user() + "\"}}}").getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stopHost() {
        if (host != null) {
            host.close();
        }
    }

    private TestSidecar sidecar() {
        return TestSidecar.start(data, Map.of("SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", host.baseUrl() + "remote.php/dav/files/{user}/",
                "SIDECAR_WEBDAV_USER", host.user(), "SIDECAR_WEBDAV_PASSWORD", host.password(), "SIDECAR_WORKERS", "1"));
    }

    private static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString((host.user() + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * How many requests for {@code path} the host has answered so far, from its access log. lighttpd writes that log
     * in batches, so the host is stopped and started again (same port, same files) to make it write everything.
     */
    private static long hostSaw(String path) throws IOException {
        host.stop();
        host.start();
        return Files.readAllLines(host.dir().resolve("logs/access.log"), StandardCharsets.ISO_8859_1).stream()
                .filter(l -> l.contains(" " + path)).count();
    }

    private static Response enroll(TestSidecar s, String authorization, String name) {
        return s.http().send("POST", "/v1/devices", null, Map.of("Authorization", authorization, "Content-Type",
                "application/json"), ("{\"name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code n} requests at once and counts the answers by status and code. */
    private static Map<String, Integer> atOnce(int n, URI uri, Map<String, String> headers, String json) {
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(json));
            headers.forEach(b::header);
            sent.add(http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
        }
        Map<String, Integer> answers = new TreeMap<>();
        for (CompletableFuture<HttpResponse<String>> f : sent) {
            HttpResponse<String> r = f.join();
            String code = r.body().replaceAll("(?s).*\"code\":\"([A-Z_]+)\".*", "$1");
            if (answers.merge(r.statusCode() + " " + code, 1, Integer::sum) == 1) {
                System.out.println("first " + r.statusCode() + " " + code + ": " + r.body());
            }
        }
        return answers;
    }

    @Test
    void sixtyWrongPasswordsAtOnceCountAsSixtyAndOnlyTenReachTheHost() throws Exception {
        try (TestSidecar s = sidecar()) {
            assertThat(enroll(s, basic(host.password()), "warm-up").status()).as("a right password enrolls").isEqualTo(201);
            long before = hostSaw(USER_LOOKUP);

            Map<String, Integer> answers = atOnce(60, URI.create("http://127.0.0.1:" + s.port() + "/v1/devices"),
                    Map.of("Authorization", basic("wrong-guess"), "Content-Type", "application/json"), "{\"name\":\"x\"}");
            System.out.println("60 wrong passwords at once: " + answers);
            assertThat(answers).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "401 INVALID_CREDENTIALS", EnrollmentController.ENROLL_ATTEMPTS,
                    "429 TOO_MANY_ATTEMPTS", 60 - EnrollmentController.ENROLL_ATTEMPTS));
            assertThat(hostSaw(USER_LOOKUP) - before).as("guesses that reached the host").isEqualTo(EnrollmentController.ENROLL_ATTEMPTS);

            Response right = enroll(s, basic(host.password()), "after the guesses");
            assertThat(right.status()).as("even the right password waits out the window").isEqualTo(429);
            assertThat(right.errorCode()).isEqualTo("TOO_MANY_ATTEMPTS");
            assertThat(right.header("Retry-After")).hasValue(String.valueOf(EnrollmentController.ATTEMPT_WINDOW.toSeconds()));
            assertThat(hostSaw(USER_LOOKUP) - before).as("a refused attempt never reaches the host")
                    .isEqualTo(EnrollmentController.ENROLL_ATTEMPTS);
            assertThat(s.app().devices().list()).extracting(d -> d.name()).containsExactly("warm-up");
        }
    }

    @Test
    void browserLoginsStartedFromOneAddressAreCountedBeforeTheHostIsAsked() throws Exception {
        try (TestSidecar s = sidecar()) {
            long before = hostSaw(LOGIN_FLOW);
            // lighttpd has no login flow to offer (502 HOST_UNAVAILABLE): what counts is how often it is asked.
            Map<String, Integer> answers = atOnce(40, URI.create("http://127.0.0.1:" + s.port() + "/v1/login"),
                    Map.of("Content-Type", "application/json"), "{\"name\":\"Ana's iPhone\"}");
            System.out.println("40 browser logins at once: " + answers);
            assertThat(answers.get("429 TOO_MANY_ATTEMPTS")).isEqualTo(40 - EnrollmentController.LOGIN_STARTS);
            assertThat(hostSaw(LOGIN_FLOW) - before).as("logins the host was asked to start").isEqualTo(EnrollmentController.LOGIN_STARTS);
        }
    }

    @Test
    void deviceNamesWithBidiOverridesOrControlCharactersAreRefusedBeforeTheHostIsAsked() throws Exception {
        try (TestSidecar s = sidecar()) {
            long lookups = hostSaw(USER_LOOKUP);
            long flows = hostSaw(LOGIN_FLOW);
            for (String name : List.of("Ana\\u202Egpj.exe", "left\\u2066isolate", "bell\\u0007", "C1\\u0085control",
                    "lone \\ud800 surrogate", "   ")) {
                Response r = enroll(s, basic(host.password()), name);
                assertThat(r.status()).as(name + ": " + r.body()).isEqualTo(400);
                assertThat(r.errorCode()).isEqualTo("INVALID_PARAMETER");
                assertThat(r.json().path("error").path("message").asText()).contains("device name")
                        .doesNotContain("\u202E").doesNotContain("\u2066");
                Response login = s.http().post("/v1/login", null, "{\"name\":\"" + name + "\"}");
                assertThat(login.status()).as(name + ": " + login.body()).isEqualTo(400);
            }
            assertThat(hostSaw(USER_LOOKUP) - lookups).as("user lookups the host saw").isZero();
            assertThat(hostSaw(LOGIN_FLOW) - flows).as("login flows the host saw").isZero();
            assertThat(s.app().devices().list()).isEmpty();

            Response fine = enroll(s, basic(host.password()), "Ana\\u2019s iPhone \\u00e9\\u20ac");
            assertThat(fine.status()).as(fine.body()).isEqualTo(201);
            assertThat(s.app().devices().list()).extracting(d -> d.name()).containsExactly("Ana\u2019s iPhone \u00e9\u20ac");
        }
    }
}
