package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.RawExchange;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From iOS 26.4 an app reads a finished upload's headers, never its body: every answer to an upload that names a
 * job carries its receipt (Location, X-Job-Id, X-Job-State, X-Job-Size, Repr-Digest of the stored bytes), and every
 * error its code in X-Error-Code, Jetty's own errors included.
 */
@FunctionalTest
class UploadReceiptHeadersTest {
    @TempDir
    Path data;

    TestSidecar sidecar;
    String token;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of());
        token = sidecar.enroll("alice", "Alice's iPhone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    private static String reprDigest(byte[] bytes) {
        return "sha-256=:" + Base64.getEncoder().encodeToString(Files2.sha256Bytes(bytes)) + ":";
    }

    private static void assertReceipt(Response r, String jobId, String state, byte[] stored) {
        assertThat(r.header("Location")).contains("/v1/jobs/" + jobId);
        assertThat(r.header("X-Job-Id")).contains(jobId);
        assertThat(r.header("X-Job-State")).contains(state);
        assertThat(r.header("X-Job-Size")).contains(String.valueOf(stored.length));
        assertThat(r.header("Repr-Digest")).contains(reprDigest(stored));
    }

    @Test
    void createdReplayedAndConflictingUploadsTellTheirJobInHeaders() {
        byte[] photo = Files2.randomBytes(1, 12_345);
        Response created = sidecar.http().put("/v1/uploads/r-photo", token, Map.of(), photo);
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().path("id").asText();
        assertReceipt(created, id, "pending", photo);

        Response replay = sidecar.http().put("/v1/uploads/r-photo", token, Map.of(), photo);
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.header("X-Job-State")).contains(replay.json().path("state").asText());
        assertReceipt(replay, id, replay.json().path("state").asText(), photo);

        Response conflict = sidecar.http().put("/v1/uploads/r-photo", token, Map.of(), Files2.randomBytes(2, 999));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.header("X-Error-Code")).contains("KEY_CONFLICT");
        // The receipt of the job that holds the key: its state, size and digest, not the refused body's.
        assertThat(conflict.header("X-Job-State")).isPresent();
        assertReceipt(conflict, id, conflict.header("X-Job-State").orElseThrow(), photo);
    }

    @Test
    void theLastTusPatchCarriesTheReceiptAndTheCreationKeepsItsTusLocation() {
        byte[] video = Files2.randomBytes(3, 70_000);
        String meta = "key " + b64("r-tus") + ",filename " + b64("clip.mov");
        Response created = sidecar.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0",
                "Upload-Length", String.valueOf(video.length), "Upload-Metadata", meta), null);
        String location = created.header("Location").orElseThrow();
        assertThat(location).startsWith("/v1/tus/");
        assertThat(created.header("X-Job-Id")).as("not finished yet: no receipt").isEmpty();
        Map<String, String> h = Map.of("Tus-Resumable", "1.0.0", "Content-Type", "application/offset+octet-stream");
        Response first = sidecar.http().send("PATCH", location, token, with(h, "Upload-Offset", "0"), Arrays.copyOf(video, 30_000));
        assertThat(first.header("X-Job-Id")).isEmpty();
        Response last = sidecar.http().send("PATCH", location, token, with(h, "Upload-Offset", "30000"),
                Arrays.copyOfRange(video, 30_000, video.length));
        assertThat(last.status()).isEqualTo(204);
        assertReceipt(last, location.substring("/v1/tus/".length()), "pending", video);

        // creation-with-upload that is the whole file: Location stays the tus URL (tus clients need it).
        byte[] photo = Files2.randomBytes(4, 5_000);
        Response whole = sidecar.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0",
                "Upload-Length", String.valueOf(photo.length), "Upload-Metadata", "key " + b64("r-tus-whole"),
                "Content-Type", "application/offset+octet-stream"), photo);
        assertThat(whole.status()).isEqualTo(201);
        assertThat(whole.header("Location")).hasValueSatisfying(l -> assertThat(l).startsWith("/v1/tus/"));
        assertThat(whole.header("X-Job-Id")).contains(whole.header("Location").orElseThrow().substring("/v1/tus/".length()));
        assertThat(whole.header("Repr-Digest")).contains(reprDigest(photo));
    }

    @Test
    void everyErrorSaysItsCodeInAHeaderJettysOwnIncluded() throws Exception {
        Response unauthorized = sidecar.http().put("/v1/uploads/x", null, Map.of(), new byte[1]);
        assertThat(unauthorized.header("X-Error-Code")).contains("UNAUTHORIZED");
        Response noRoute = sidecar.http().get("/v1/nothing-here", token);
        assertThat(noRoute.header("X-Error-Code")).contains("NOT_FOUND");
        Response badName = sidecar.http().put("/v1/uploads/x", token, Map.of("X-Filename", "../etc"), new byte[1]);
        assertThat(badName.header("X-Error-Code")).contains("INVALID_FILENAME");
        // Refused by Jetty's parser before any route runs: a header section larger than max_header_bytes.
        RawExchange.Answer tooLarge = RawExchange.send(sidecar.port(), RawExchange.ascii("PUT /v1/uploads/x HTTP/1.1\r\nHost: x\r\n"
                + "X-Pad: " + "a".repeat(20_000) + "\r\nContent-Length: 0\r\n\r\n"), false, 10_000);
        assertThat(tooLarge.status()).isEqualTo(431);
        assertThat(tooLarge.header("X-Error-Code")).isEqualTo("HEADERS_TOO_LARGE");
        // Refused by Jetty after parsing: a path it will not route.
        RawExchange.Answer ambiguous = RawExchange.send(sidecar.port(), RawExchange.ascii("GET /v1/jobs/%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n"),
                false, 10_000);
        assertThat(ambiguous.status()).isBetween(400, 499);
        assertThat(ambiguous.header("X-Error-Code")).isNotNull();
    }

    private static Map<String, String> with(Map<String, String> base, String name, String value) {
        Map<String, String> m = new java.util.HashMap<>(base);
        m.put(name, value);
        return m;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
