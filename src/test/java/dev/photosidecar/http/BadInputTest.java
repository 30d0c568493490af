package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.RawHttp;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every kind of bad input gets a 4xx with a stable code and a JSON message, leaves no job and no spool
 * file behind, and does not stop the server from serving the next good request.
 */
@FunctionalTest
class BadInputTest {
    private static final int MAX_UPLOAD = 64 * 1024;

    @TempDir
    Path data;

    TestSidecar sidecar;
    String token;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of("SIDECAR_MAX_UPLOAD_BYTES", String.valueOf(MAX_UPLOAD),
                // Keep rejected-but-valid keys from being delivered while we look.
                "SIDECAR_WORKERS", "1"));
        token = sidecar.enroll("alice", "phone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    private void assertNothingKeptAndStillServing() {
        long jobs = sidecar.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum();
        assertThat(jobs).as("no job left behind").isZero();
        assertThat(Files2.uploadFiles(data.resolve("spool"))).as("no spool file left behind").isEmpty();
        Response good = sidecar.http().put("/v1/uploads/good-after-bad", token, Map.of(), "fine".getBytes(StandardCharsets.UTF_8));
        assertThat(good.status()).as("the server still serves").isEqualTo(201);
    }

    private static void assertError(Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.errorCode()).as(r.body()).isEqualTo(code);
        assertThat(r.json().path("error").path("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    }

    @ParameterizedTest(name = "key {0}")
    @CsvSource({
        "a%20b,          key with a space",
        "a%2Fb,          key with an encoded slash",
        "%2E%2E,         key that is an encoded dot-dot",
        "caf%C3%A9,      key with a non-ASCII letter",
        "a%00b,          key with NUL",
        "a*b,            key with a star",
    })
    void illegalKeysAreRefused(String key, String why) {
        Response r = sidecar.http().put("/v1/uploads/" + key, token, Map.of(), "x".getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(why + ": " + r.body()).isEqualTo(400);
        if ("BAD_REQUEST".equals(r.errorCode())) {
            // Refused by Jetty before routing, which then closes the connection: it must say so, or a client
            // reusing the connection finds it dead (this test's next request did, now and then).
            assertThat(r.header("Connection")).as(why).hasValue("close");
        }
        assertThat(r.errorCode()).as(why).isIn("INVALID_KEY", "BAD_REQUEST");
        assertNothingKeptAndStillServing();
    }

    @Test
    void keyLongerThan200CharactersIsRefused() {
        assertError(sidecar.http().put("/v1/uploads/" + "k".repeat(201), token, Map.of(), new byte[] {1}), 400, "INVALID_KEY");
        assertThat(sidecar.http().put("/v1/uploads/" + "k".repeat(200), token, Map.of(), new byte[] {1}).status()).isEqualTo(201);
    }

    @ParameterizedTest(name = "X-Filename {0}")
    @CsvSource(delimiter = '|', value = {
        "a%2Fb.jpg       | encoded slash",
        "..%2F..%2Fetc%2Fpasswd | traversal",
        "a%5Cb.jpg       | backslash",
        "..              | dot-dot",
        "%2E%2E          | encoded dot-dot",
        ".               | dot",
        "a%00b.jpg       | NUL",
        "a%0Ab.jpg       | newline",
        "a%7Fb.jpg       | DEL",
        "%C3%28.jpg      | invalid UTF-8",
        "%E2%80%A8.jpg   | valid UTF-8 but a separator? allowed only if printable",
    })
    void fileNamesThatCouldBePathsAreRefused(String name, String why) {
        Response r = sidecar.http().put("/v1/uploads/k1", token, Map.of("X-Filename", name), "x".getBytes(StandardCharsets.UTF_8));
        if (why.startsWith("valid UTF-8")) {
            // U+2028 is a line separator, not a control character: it is just an odd name.
            assertThat(r.status()).isEqualTo(201);
            return;
        }
        assertError(r, 400, "INVALID_FILENAME");
        assertNothingKeptAndStillServing();
    }

    @Test
    void fileNameLongerThan255BytesIsRefused() {
        assertError(sidecar.http().put("/v1/uploads/k1", token, Map.of("X-Filename", "a".repeat(252) + ".jpg"),
                new byte[] {1}), 400, "INVALID_FILENAME");
        assertNothingKeptAndStillServing();
    }

    @Test
    void rawUtf8FileNameBytesAreRefusedWhenInvalid() throws Exception {
        byte[] head = ("PUT /v1/uploads/k1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nContent-Length: 1\r\nConnection: close\r\nX-Filename: ").getBytes(StandardCharsets.US_ASCII);
        byte[] bad = {(byte) 0xC3, (byte) 0x28, '.', 'j', 'p', 'g'};
        byte[] rest = "\r\n\r\nx".getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + bad.length + rest.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        System.arraycopy(rest, 0, all, head.length + bad.length, rest.length);

        RawHttp.Answer a = RawHttp.exchange(sidecar.port(), all);

        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.body()).contains("\"code\":\"INVALID_FILENAME\"").doesNotContain("<html");
        assertNothingKeptAndStillServing();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "X-Resource-Type | selfie                     | INVALID_RESOURCE_TYPE",
        "X-Resource-Type | 13                         | INVALID_RESOURCE_TYPE",
        "X-Created-At    | yesterday                  | INVALID_CREATED_AT",
        "X-Created-At    | 2024-13-01T00:00:00Z       | INVALID_CREATED_AT",
        "X-Created-At    | 2024-05-01T10:15:30        | INVALID_CREATED_AT",
        "Content-Digest  | sha-256=abc                | INVALID_DIGEST",
        "Content-Digest  | sha-256=:not*base64:       | INVALID_DIGEST",
        "Content-Digest  | sha-256=:AAAA:             | INVALID_DIGEST",
        "Repr-Digest     | sha-256=:, x               | INVALID_DIGEST",
        "Content-Type    | not a type                 | INVALID_CONTENT_TYPE",
        "X-Asset-Id      | ' '                        | INVALID_ASSET_ID",
    })
    void malformedHeadersAreRefused(String header, String value, String code) {
        Response r = sidecar.http().put("/v1/uploads/k1", token, Map.of(header, value), "body".getBytes(StandardCharsets.UTF_8));
        assertError(r, 400, code);
        assertNothingKeptAndStillServing();
    }

    @Test
    void wrongDigestIsRefusedAndNothingIsKept() {
        byte[] body = Files2.randomBytes(1, 5000);
        String other = Base64.getEncoder().encodeToString(Files2.sha256Bytes("something else".getBytes(StandardCharsets.UTF_8)));
        assertError(sidecar.http().put("/v1/uploads/k1", token, Map.of("Content-Digest", "sha-256=:" + other + ":"), body),
                400, "DIGEST_MISMATCH");
        assertError(sidecar.http().put("/v1/uploads/k1", token, Map.of("Repr-Digest", "sha-256=:" + other + ":"), body),
                400, "DIGEST_MISMATCH");
        assertNothingKeptAndStillServing();
    }

    @Test
    void bodyShorterThanContentLengthLeavesNothing() throws Exception {
        RawHttp.Answer a = RawHttp.exchange(sidecar.port(), "PUT /v1/uploads/k-short HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token + "\r\nContent-Length: 1000", new byte[400], true);

        assertThat(a.status()).as(a.head()).isEqualTo(400);
        assertThat(a.body()).contains("CONTENT_LENGTH_MISMATCH");
        assertNothingKeptAndStillServing();
    }

    @Test
    void bodyLongerThanContentLengthLeavesNothing() throws Exception {
        RawHttp.Answer a = RawHttp.exchange(sidecar.port(), "PUT /v1/uploads/k-long HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token + "\r\nContent-Length: 400", new byte[1000], false);

        assertThat(a.status()).as(a.head()).isEqualTo(400);
        assertThat(a.body()).contains("CONTENT_LENGTH_MISMATCH");
        assertNothingKeptAndStillServing();
    }

    @Test
    void bodyLongerThanContentLengthIsCaughtByItsDigest() throws Exception {
        byte[] meant = Files2.randomBytes(3, 1000);
        String digest = Base64.getEncoder().encodeToString(Files2.sha256Bytes(meant));
        // The digest covers what the client meant to send; the Content-Length cuts it short.
        RawHttp.Answer a = RawHttp.exchange(sidecar.port(), "PUT /v1/uploads/k-long HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token + "\r\nContent-Digest: sha-256=:" + digest + ":\r\nContent-Length: 400", meant, false);

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).containsAnyOf("DIGEST_MISMATCH", "CONTENT_LENGTH_MISMATCH");
        assertNothingKeptAndStillServing();
    }

    @Test
    void oversizedUploadsGet413WhetherDeclaredOrStreamed() throws Exception {
        assertError(sidecar.http().put("/v1/uploads/k-big", token, Map.of(), new byte[MAX_UPLOAD + 1]), 413, "UPLOAD_TOO_LARGE");

        StringBuilder chunked = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            chunked.append(Integer.toHexString(10_000)).append("\r\n").append("x".repeat(10_000)).append("\r\n");
        }
        chunked.append("0\r\n\r\n");
        RawHttp.Answer a = RawHttp.exchange(sidecar.port(), "PUT /v1/uploads/k-big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token + "\r\nTransfer-Encoding: chunked\r\nConnection: close", chunked.toString().getBytes(StandardCharsets.US_ASCII), false);
        assertThat(a.status()).isEqualTo(413);
        assertThat(a.body()).contains("UPLOAD_TOO_LARGE");
        assertNothingKeptAndStillServing();
        assertThat(sidecar.http().put("/v1/uploads/k-max", token, Map.of(), new byte[MAX_UPLOAD]).status()).isEqualTo(201);
    }

    @Test
    void missingWrongAndRevokedTokensGet401WithBearerChallenge() {
        byte[] body = "x".getBytes(StandardCharsets.UTF_8);
        Response none = sidecar.http().put("/v1/uploads/k1", null, Map.of(), body);
        assertError(none, 401, "UNAUTHORIZED");
        assertThat(none.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));

        assertError(sidecar.http().put("/v1/uploads/k1", "psc_wrongwrongwrongwrongwrongwrongwr", Map.of(), body), 401, "UNAUTHORIZED");
        assertError(sidecar.http().send("PUT", "/v1/uploads/k1", null, Map.of("Authorization", "Basic YTpi"), body), 401, "UNAUTHORIZED");

        var enrolled = sidecar.app().devices().add("alice", "old phone");
        assertThat(sidecar.http().get("/v1/jobs", enrolled.token()).status()).isEqualTo(200);
        sidecar.app().devices().revoke(enrolled.device().id());
        assertError(sidecar.http().get("/v1/jobs", enrolled.token()), 401, "UNAUTHORIZED");
        assertError(sidecar.http().put("/v1/uploads/k1", enrolled.token(), Map.of(), body), 401, "UNAUTHORIZED");
        assertNothingKeptAndStillServing();
    }

    @Test
    void unknownJobsAre404() {
        assertError(sidecar.http().get("/v1/jobs/aaaaaaaaaaaaaaaaaaaaaaaaaa", token), 404, "JOB_NOT_FOUND");
        assertError(sidecar.http().get("/v1/jobs/..%2F..%2Fetc", token), 404, "JOB_NOT_FOUND");
        assertError(sidecar.http().get("/v1/uploads/nope", token), 404, "UPLOAD_NOT_FOUND");
        assertError(sidecar.http().post("/v1/jobs/nope/retry", token, null), 404, "JOB_NOT_FOUND");
        assertError(sidecar.http().post("/v1/jobs/acknowledge", token, "{\"ids\":[\"nope\"]}"), 404, "JOB_NOT_FOUND");
        assertError(sidecar.http().get("/v2/anything", token), 404, "NOT_FOUND");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not json                      | INVALID_JSON",
        "'{\"ids\": [1, 2]}'            | INVALID_JSON",
        "'{\"ids\": \"a\"}'             | INVALID_JSON",
        "'[]'                          | INVALID_JSON",
        "'{\"ids\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}' | INVALID_JSON",
        "''                            | INVALID_JSON",
    })
    void malformedJsonInBulkCallsIsRefused(String body, String code) {
        assertError(sidecar.http().post("/v1/jobs/acknowledge", token, body), 400, code);
        assertError(sidecar.http().post("/v1/uploads/check", token, body.replace("ids", "keys")), 400, code);
    }

    @Test
    void oversizedIdListsAreRefused() {
        StringBuilder ids = new StringBuilder("{\"ids\":[");
        for (int i = 0; i < 1001; i++) {
            ids.append(i == 0 ? "" : ",").append("\"id").append(i).append('"');
        }
        ids.append("]}");
        assertError(sidecar.http().post("/v1/jobs/acknowledge", token, ids.toString()), 400, "TOO_MANY_ITEMS");
        assertError(sidecar.http().post("/v1/uploads/check", token, ids.toString().replace("ids", "keys")), 400, "TOO_MANY_ITEMS");
        assertError(sidecar.http().post("/v1/jobs/acknowledge", token, "{\"ids\":[\"" + "a".repeat(2_000_000) + "\"]}"),
                413, "REQUEST_TOO_LARGE");
    }

    @Test
    void badListingParametersAreRefused() {
        assertError(sidecar.http().get("/v1/jobs?state=done", token), 400, "INVALID_PARAMETER");
        assertError(sidecar.http().get("/v1/jobs?limit=0", token), 400, "INVALID_PARAMETER");
        assertError(sidecar.http().get("/v1/jobs?limit=9999", token), 400, "INVALID_PARAMETER");
        assertError(sidecar.http().get("/v1/jobs?cursor=garbage!", token), 400, "INVALID_PARAMETER");
    }

    @Test
    void spoolThatWouldDropUnderItsReserveAnswers507AndKeepsNothing() {
        sidecar.close();
        sidecar = TestSidecar.start(data, new HashMap<>(Map.of("SIDECAR_SPOOL_RESERVE_BYTES", "1000TiB")));
        Response r = sidecar.http().put("/v1/uploads/k1", token, Map.of(), Files2.randomBytes(1, 1000));
        assertError(r, 507, "INSUFFICIENT_STORAGE");
        assertThat(r.header("Retry-After")).isPresent();
        assertThat(Files2.uploadFiles(data.resolve("spool"))).isEmpty();
        assertThat(sidecar.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum()).isZero();
        assertThat(sidecar.http().get("/readyz", null).status()).isEqualTo(503);
    }
}
