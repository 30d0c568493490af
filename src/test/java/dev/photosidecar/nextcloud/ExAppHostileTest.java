package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile calls on the ExApp routes (part of the hostile-input corpus, see api/HostileInputTest): near-miss
 * AppAPI secrets, smuggled users, device tokens in the wrong place. Each is refused with a 4xx and a JSON
 * code; none switches the app off or enrolls a device; uploads keep working afterwards.
 */
@FunctionalTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExAppHostileTest {
    @TempDir
    static Path temp;
    ExAppIdentity identity;
    TestSidecar s;
    String deviceToken;
    int good;

    @BeforeAll
    void start() throws Exception {
        Path data = temp.resolve("data");
        identity = ExAppIdentity.create(data);
        s = TestSidecar.start(data, Map.of("SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", "http://127.0.0.1:9/"));
        assertThat(s.http().send("PUT", "/enabled?enabled=1", null, appApi("", identity.secret()), new byte[0]).status()).isEqualTo(200);
        deviceToken = s.enroll("alice", "phone");
    }

    @AfterAll
    void stop() {
        if (s != null) {
            s.close();
        }
    }

    private static Map<String, String> appApi(String user, String secret) {
        return withAuthorization(Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8)));
    }

    private static Map<String, String> withAuthorization(String value) {
        Map<String, String> h = new HashMap<>();
        h.put("EX-APP-ID", "photo_sidecar");
        h.put("EX-APP-VERSION", "0.1.0");
        h.put("AA-VERSION", "32.0.0");
        h.put("AUTHORIZATION-APP-API", value);
        return h;
    }

    private static String flipLast(String s) {
        char c = s.charAt(s.length() - 1);
        return s.substring(0, s.length() - 1) + (c == 'A' ? 'B' : 'A');
    }

    Stream<Arguments> cases() {
        Map<String, Function<String, Map<String, String>>> c = new java.util.LinkedHashMap<>();
        c.put("secret with its last character changed", secret -> appApi("alice", flipLast(secret)));
        c.put("secret with its first character changed", secret -> appApi("alice", (secret.charAt(0) == 'x' ? "y" : "x") + secret.substring(1)));
        c.put("secret one character short", secret -> appApi("alice", secret.substring(0, secret.length() - 1)));
        c.put("secret with one character more", secret -> appApi("alice", secret + "A"));
        c.put("secret upper-cased", secret -> appApi("alice", secret.toUpperCase(Locale.ROOT)));
        c.put("empty secret", secret -> appApi("alice", ""));
        c.put("secret without the user and colon", secret -> withAuthorization(
                Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8))));
        c.put("a colon smuggled into the user", secret -> appApi("alice:x", secret));
        c.put("empty AUTHORIZATION-APP-API", secret -> withAuthorization(""));
        c.put("the device token as AUTHORIZATION-APP-API", secret -> withAuthorization(deviceToken));
        c.put("right secret, user with invalid UTF-8", secret -> {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            raw.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFE});
            raw.writeBytes((":" + secret).getBytes(StandardCharsets.UTF_8));
            return withAuthorization(Base64.getEncoder().encodeToString(raw.toByteArray()));
        });
        c.put("right secret, user that is a traversal", secret -> appApi("../../etc", secret));
        c.put("right secret, user with a NUL", secret -> appApi("alice\u0000root", secret));
        c.put("AUTHORIZATION-APP-API of 64 KiB", secret -> withAuthorization("A".repeat(64 * 1024)));
        return c.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileAppApiCall(String name, Function<String, Map<String, String>> headers) throws Exception {
        int devicesBefore = s.app().devices().list().size();
        Map<String, String> h = headers.apply(identity.secret());

        Response enroll = s.http().send("POST", "/exapp/devices", null, h, "{\"name\":\"evil\"}".getBytes(StandardCharsets.UTF_8));
        assertRefused(enroll);
        Response disable = s.http().send("PUT", "/enabled?enabled=0", null, h, new byte[0]);
        if (!name.startsWith("right secret")) {
            assertRefused(disable);
        }
        assertThat(s.app().devices().list()).as("no device enrolled").hasSize(devicesBefore);

        // The app is still enabled (the right secret switches it back if a system call was allowed through),
        // and uploads still work.
        if (disable.status() == 200) {
            s.http().send("PUT", "/enabled?enabled=1", null, appApi("", identity.secret()), new byte[0]);
        }
        assertThat(s.http().put("/v1/uploads/good-" + (++good), deviceToken, Map.of(), new byte[] {1}).status()).isEqualTo(201);
    }

    @org.junit.jupiter.api.Test
    void theAppApiSecretIsNoDeviceToken() {
        Response r = s.http().get("/v1/jobs", identity.secret());
        assertRefused(r);
        assertThat(r.errorCode()).isEqualTo("UNAUTHORIZED");
    }

    private static void assertRefused(Response r) {
        assertThat(r.status()).as(r.body()).isBetween(400, 499);
        String code = r.errorCode();
        assertThat(ErrorCode.valueOf(code).status()).as(r.body()).isEqualTo(r.status());
        assertThat(r.json().path("error").path("message").asText()).isNotBlank();
    }
}
