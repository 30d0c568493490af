package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No secret ever reaches the logs. Real sidecar processes (logs captured from their stdout and stderr, at
 * DEBUG, in text and in JSON format) go through every flow that handles a secret: device tokens (right and
 * wrong), WebDAV delivery with a stored password and with a password the host rejects, an enrollment
 * attempt with Basic credentials, admin sign-in (wrong and right token, session cookie, Bearer), and
 * AppAPI calls carrying the ExApp secret (right and wrong) that enroll a device. Then every secret is
 * searched for in everything that was printed, along with the secret key file's contents.
 */
@WebDavTest
class LogRedactionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_TOKEN = "admin-Zq8VtR3kLm9PwX2cY7bN4dHs";
    private static final String BOB_WRONG_PASSWORD = "bob-wrong-Hf83kDq2LxPz";
    private static final String ENROLL_PASSWORD = "enroll-app-password-Wk29sQe7Rt";
    private static final String WRONG_BEARER = "wrong-bearer-Uy62nBv8Qa0Mz4Lp3Ks9Jd7";
    private static final String WRONG_APP_SECRET = "wrong-app-secret-Pl0Ok9Ij8Uh7Yg6";

    @TempDir
    Path tmp;
    private String aliceDeviceId;

    @ParameterizedTest
    @ValueSource(strings = {"text", "json"})
    void noSecretAppearsInTheLogs(String format) throws Exception {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("admin token", ADMIN_TOKEN);
        secrets.put("rejected WebDAV password", BOB_WRONG_PASSWORD);
        secrets.put("enrollment app password", ENROLL_PASSWORD);
        secrets.put("wrong bearer token", WRONG_BEARER);
        secrets.put("wrong AppAPI secret", WRONG_APP_SECRET);
        StringBuilder printed = new StringBuilder();
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

        try (WebDavServer dav = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, tmp.resolve("dav"))) {
            secrets.put("WebDAV password", dav.password());
            Path data = tmp.resolve("data");
            Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
            env.putAll(Map.of("SIDECAR_LOG_FORMAT", format, "SIDECAR_LOG_LEVEL", "DEBUG", "SIDECAR_ADMIN_TOKEN", ADMIN_TOKEN,
                    "SIDECAR_TARGET", "webdav", "SIDECAR_WEBDAV_URL", dav.baseUrl() + "{user}/",
                    "SIDECAR_RETRY_INITIAL_DELAY", "1h", "SIDECAR_RETRY_MAX_DELAY", "1h"));
            String alice = cli(printed, env, "", "device", "add", "--user", "alice", "--name", "phone", "--json");
            String aliceToken = JSON.readTree(alice).path("token").asText();
            aliceDeviceId = JSON.readTree(alice).path("deviceId").asText();
            String bobToken = JSON.readTree(cli(printed, env, "", "device", "add", "--user", "bob", "--name", "phone", "--json"))
                    .path("token").asText();
            secrets.put("alice's device token", aliceToken);
            secrets.put("bob's device token", bobToken);
            cli(printed, env, dav.password() + "\n", "user", "set-password", "alice", "--login", dav.user());
            cli(printed, env, BOB_WRONG_PASSWORD + "\n", "user", "set-password", "bob", "--login", dav.user());
            secrets.put("secret.key", Files.readString(data.resolve("secret.key")).strip());

            try (SidecarProcess s = SidecarProcess.start(env, List.of(), tmp.resolve("webdav-" + format + ".log"))) {
                String delivered = upload(http, s, aliceToken, "k-alice");
                awaitJob(http, s, aliceToken, delivered, j -> j.path("state").asText().equals("succeeded"));
                String rejected = upload(http, s, bobToken, "k-bob");
                JsonNode bobJob = awaitJob(http, s, bobToken, rejected, j -> j.path("lastError").asText().contains("CREDENTIALS_REJECTED"));
                assertThat(bobJob.path("lastError").asText()).doesNotContain(BOB_WRONG_PASSWORD);

                assertThat(send(http, s.uri("/v1/jobs"), "GET", Map.of("Authorization", "Bearer " + WRONG_BEARER), "").statusCode())
                        .isEqualTo(401);
                String basic = Base64.getEncoder().encodeToString(("alice:" + ENROLL_PASSWORD).getBytes(StandardCharsets.UTF_8));
                assertThat(send(http, s.uri("/v1/devices"), "POST", Map.of("Authorization", "Basic " + basic,
                        "Content-Type", "application/json"), "{\"name\":\"phone 2\"}").statusCode()).isEqualTo(501);

                Map<String, String> form = Map.of("Content-Type", "application/x-www-form-urlencoded");
                assertThat(send(http, s.uri("/admin/login"), "POST", form, "token=" + enc("not-" + ADMIN_TOKEN)).statusCode())
                        .isEqualTo(401);
                HttpResponse<String> signedIn = send(http, s.uri("/admin/login"), "POST", form, "token=" + enc(ADMIN_TOKEN));
                assertThat(signedIn.statusCode()).isEqualTo(303);
                String cookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
                secrets.put("admin session cookie", cookie.substring(cookie.indexOf('=') + 1));
                assertThat(send(http, s.uri("/admin"), "GET", Map.of("Cookie", cookie), "").statusCode()).isEqualTo(200);
                assertThat(send(http, s.uri("/admin/status.json"), "GET", Map.of("Authorization", "Bearer " + ADMIN_TOKEN), "")
                        .statusCode()).isEqualTo(200);
                s.stop();
                printed.append(s.log());
            }
        }

        // ExApp mode: AppAPI's calls carry the app secret; a USER call enrolls a device and answers its token.
        Path exData = tmp.resolve("exapp-data");
        ExAppIdentity identity = ExAppIdentity.create(exData);
        secrets.put("AppAPI secret", identity.secret());
        try (WebDavServer dav = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, tmp.resolve("dav2"))) {
            Map<String, String> env = SidecarProcess.baseEnv(exData, SidecarProcess.freePort());
            env.putAll(Map.of("SIDECAR_LOG_FORMAT", format, "SIDECAR_LOG_LEVEL", "DEBUG", "SIDECAR_TARGET", "nextcloud",
                    "SIDECAR_WEBDAV_URL", dav.baseUrl() + "remote.php/dav/files/{user}/"));
            try (SidecarProcess s = SidecarProcess.start(env, List.of(), tmp.resolve("exapp-" + format + ".log"))) {
                secrets.put("secret.key (ExApp data folder)", Files.readString(exData.resolve("secret.key")).strip());
                assertThat(send(http, s.uri("/enabled?enabled=1"), "PUT", appApi("", WRONG_APP_SECRET), "").statusCode()).isEqualTo(401);
                assertThat(send(http, s.uri("/init"), "POST", appApi("", identity.secret()), "").statusCode()).isEqualTo(200);
                assertThat(send(http, s.uri("/enabled?enabled=1"), "PUT", appApi("", identity.secret()), "").statusCode()).isEqualTo(200);
                HttpResponse<String> enrolled = send(http, s.uri("/exapp/devices"), "POST", appApi("carol", identity.secret()),
                        "{\"name\":\"carol's phone\"}");
                assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
                secrets.put("ExApp-enrolled device token", JSON.readTree(enrolled.body()).path("token").asText());
                s.stop();
                printed.append(s.log());
            }
        }

        String all = printed.toString();
        assertThat(all).as("the logs say something").contains("succeeded").contains("CREDENTIALS_REJECTED").contains("enabled")
                .contains(aliceDeviceId).contains("Admin signed in");
        if (format.equals("json")) {
            long lines = all.lines().filter(l -> l.startsWith("{")).count();
            assertThat(lines).as("JSON log lines").isGreaterThan(20);
        }
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            assertThat(secret.getValue()).as(secret.getKey()).hasSizeGreaterThan(8);
            assertThat(all).as("the %s must not appear in the %s logs", secret.getKey(), format).doesNotContain(secret.getValue());
        }
        // Also not in a form that only moves it a little: base64 of the AppAPI header, URL-encoded tokens.
        String header = Base64.getEncoder().encodeToString(("carol:" + secrets.get("AppAPI secret")).getBytes(StandardCharsets.UTF_8));
        assertThat(all).doesNotContain(header).doesNotContain(enc(ADMIN_TOKEN));
        System.out.println(format + " logs: " + all.length() + " characters, " + all.lines().count() + " lines, none of "
                + secrets.size() + " secrets (" + String.join(", ", secrets.keySet()) + ") found");
    }

    private static String cli(StringBuilder printed, Map<String, String> env, String stdin, String... args) {
        SidecarProcess.Exit exit = SidecarProcess.runWithInput(env, stdin, args);
        assertThat(exit.code()).as(String.join(" ", args) + ": " + exit.err()).isZero();
        printed.append(exit.err());
        return exit.out();
    }

    private static String upload(HttpClient http, SidecarProcess s, String token, String key) throws Exception {
        HttpResponse<String> r = send(http, s.uri("/v1/uploads/" + key), "PUT",
                Map.of("Authorization", "Bearer " + token, "X-Filename", key + ".jpg"), "photo bytes of " + key);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).path("id").asText();
    }

    private static JsonNode awaitJob(HttpClient http, SidecarProcess s, String token, String id,
                                     java.util.function.Predicate<JsonNode> done) {
        JsonNode[] last = new JsonNode[1];
        await("job " + id).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            last[0] = JSON.readTree(send(http, s.uri("/v1/jobs/" + id), "GET", Map.of("Authorization", "Bearer " + token), "").body());
            assertThat(done.test(last[0])).as("%s", last[0]).isTrue();
        });
        return last[0];
    }

    private static HttpResponse<String> send(HttpClient http, URI uri, String method, Map<String, String> headers, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> appApi(String user, String secret) {
        Map<String, String> h = new HashMap<>();
        h.put("EX-APP-ID", "photo_sidecar");
        h.put("EX-APP-VERSION", "0.1.0");
        h.put("AA-VERSION", "32.0.0");
        h.put("AUTHORIZATION-APP-API", Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8)));
        h.put("Content-Type", "application/json");
        return h;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
