package dev.photosidecar.http;

import static dev.photosidecar.support.RawExchange.ascii;
import static dev.photosidecar.support.RawExchange.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.RawExchange;
import dev.photosidecar.support.TestSidecar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of crafted requests (issue 7, "hostile input"), complementing {@link BadInputTest}: traversal in
 * keys, names and template tokens in every encoding, NUL and control bytes, huge and repeated headers, lying
 * lengths, slow-loris, invalid UTF-8, JSON bombs, and other devices' tokens; and (issue 14) clients that take more
 * than their share: a body whose device is revoked while it arrives, more bytes in flight or more unfinished
 * resumable uploads than a device may have, an admin sign-out without its CSRF token.
 *
 * <p>Every case is checked the same way: a refused request gets a 4xx (never a 5xx, never a 2xx) with a JSON
 * error and a stable code; a name that is odd but harmless is accepted and lands as one file inside the
 * user's root; no file appears outside the library; no job or spool file is left by a refusal; and another
 * device's good upload still gets 201 afterwards.
 */
@FunctionalTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CODES = Arrays.stream(ErrorCode.values()).map(Enum::name).collect(Collectors.toSet());
    private static final String ADMIN_TOKEN = "hostile-corpus-admin-token";

    @TempDir
    static Path root;
    /** Four levels down, so that a traversal of a few "../" would still land where this test can see it. */
    Path data;
    TestSidecar s;
    /** The attacker: its device name is itself a traversal attempt, used by the {device} token. */
    String alice;
    String aliceDevice;
    String alice2;
    String bob;
    String carol;
    String revoked;
    Job carolJob;
    int expectedJobs;
    int good;
    Set<Path> baseline;
    /** Answers seen, by status, over the cases that passed every check (printed at the end). */
    final java.util.SortedMap<Integer, Integer> answers = new java.util.TreeMap<>();
    int casesRun;

    @BeforeAll
    void start() throws Exception {
        data = root.resolve("l1/l2/l3/data");
        s = TestSidecar.start(data, Map.of(
                "SIDECAR_PATH_TEMPLATE", "Photos/{user}/{device}/{resourceType}/{yyyy}/{MM}/{dd}/{filename}",
                "SIDECAR_MAX_UPLOAD_BYTES", "1MiB",
                "SIDECAR_IDLE_TIMEOUT", "2s",
                "SIDECAR_HEADER_TIMEOUT", "2s",
                "SIDECAR_WORKERS", "2",
                "SIDECAR_MAX_BYTES_IN_FLIGHT_PER_DEVICE", "1MiB",
                "SIDECAR_MAX_UNFINISHED_UPLOADS_PER_DEVICE", "2",
                "SIDECAR_ADMIN_TOKEN", ADMIN_TOKEN));
        var a = s.app().devices().add("alice", "../../../../escape-marker");
        alice = a.token();
        aliceDevice = a.device().id();
        alice2 = s.enroll("alice", "tablet");
        bob = s.enroll("bob", "good phone");
        carol = s.enroll("carol", "victim");
        var gone = s.app().devices().add("carol", "stolen phone");
        revoked = gone.token();
        s.app().devices().revoke(gone.device().id());

        assertThat(s.http().put("/v1/uploads/carol-photo", carol, Map.of("X-Filename", "carol.jpg"), bytes("carol")).status())
                .isEqualTo(201);
        expectedJobs = 1;
        carolJob = awaitDelivered("carol-photo", carol);
        baseline = files();
    }

    @AfterAll
    void stop() {
        int passed = answers.values().stream().mapToInt(Integer::intValue).sum();
        long serverErrors = answers.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(java.util.Map.Entry::getValue).sum();
        // A case passes only when it left no job, no spool file and no file outside the library.
        System.out.printf("hostile corpus: cases: %d, passed all checks: %d, answers: %s, 5xx: %d, "
                + "good uploads by another device after each: %d%n", casesRun, passed, answers, serverErrors, good);
        if (s != null) {
            s.close();
        }
    }

    // ---- the corpus -------------------------------------------------------------------------------------

    Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        // Keys: traversal and odd characters in the path, in every encoding (BadInputTest has the plain ones).
        c.add(refused("key double-encoded dot-dot %252e%252e", t -> t.put("/v1/uploads/%252e%252e", t.alice, Map.of()), "INVALID_KEY"));
        c.add(refused("key double-encoded traversal %252e%252e%252fetc", t -> t.put("/v1/uploads/%252e%252e%252fetc", t.alice, Map.of()),
                "INVALID_KEY"));
        c.add(refused("key overlong UTF-8 dots %c0%ae%c0%ae", t -> t.put("/v1/uploads/%c0%ae%c0%ae", t.alice, Map.of()),
                "INVALID_KEY", "BAD_REQUEST"));
        c.add(refused("key overlong UTF-8 slash a%c0%afb", t -> t.put("/v1/uploads/a%c0%afb", t.alice, Map.of()),
                "INVALID_KEY", "BAD_REQUEST"));
        c.add(refused("key encoded backslash ..%5c..%5cwin", t -> t.put("/v1/uploads/..%5c..%5cwin", t.alice, Map.of()),
                "INVALID_KEY", "BAD_REQUEST"));
        c.add(refused("key fullwidth dots and slash", t -> t.put("/v1/uploads/%EF%BC%8E%EF%BC%8E%EF%BC%8Fetc", t.alice, Map.of()),
                "INVALID_KEY"));
        c.add(refused("key division slash U+2215", t -> t.put("/v1/uploads/..%E2%88%95etc", t.alice, Map.of()), "INVALID_KEY"));
        c.add(refused("key RTL override U+202E", t -> t.put("/v1/uploads/a%E2%80%AEgpj", t.alice, Map.of()), "INVALID_KEY"));
        c.add(refused("key with encoded tab", t -> t.put("/v1/uploads/a%09b", t.alice, Map.of()), "INVALID_KEY", "BAD_REQUEST"));
        c.add(refused("raw path /v1/uploads/.. (dot segment)", t -> t.raw("PUT /v1/uploads/.. HTTP/1.1", t.alice, "", "x"),
                "INVALID_KEY", "BAD_REQUEST", "NOT_FOUND", "METHOD_NOT_ALLOWED"));
        c.add(refused("raw path encoded dot segments /%2e%2e/%2e%2e/etc/passwd",
                t -> t.raw("PUT /v1/uploads/%2e%2e/%2e%2e/etc/passwd HTTP/1.1", t.alice, "", "x"),
                "INVALID_KEY", "BAD_REQUEST", "NOT_FOUND", "METHOD_NOT_ALLOWED"));
        c.add(refused("raw path ../ climbing out of /v1", t -> t.raw("PUT /v1/uploads/../../../etc/passwd HTTP/1.1", t.alice, "", "x"),
                "BAD_REQUEST", "NOT_FOUND", "METHOD_NOT_ALLOWED"));
        c.add(refused("raw path with invalid UTF-8 bytes", t -> t.rawBytes(concat(ascii("PUT /v1/uploads/k"),
                new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF}, ascii(" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.alice
                        + "\r\nContent-Length: 1\r\n\r\nx"))), "INVALID_KEY", "BAD_REQUEST"));
        c.add(refused("raw path with a NUL byte", t -> t.rawBytes(concat(ascii("PUT /v1/uploads/k"), new byte[] {0},
                ascii("x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.alice + "\r\nContent-Length: 1\r\n\r\nx"))),
                "INVALID_KEY", "BAD_REQUEST"));
        c.add(refused("raw path with a semicolon parameter", t -> t.raw("PUT /v1/uploads/k;..%2f..%2fx HTTP/1.1", t.alice, "", "x"),
                "INVALID_KEY", "BAD_REQUEST", "NOT_FOUND"));
        c.add(refused("absolute-form request target to another host",
                t -> t.raw("PUT http://evil.example/v1/uploads/%2e%2e HTTP/1.1", t.alice, "", "x"), "INVALID_KEY", "BAD_REQUEST"));

        // X-Filename: names are data. Refused when they could act as a path or hide what they are...
        c.add(refused("name overlong UTF-8 ../ %c0%ae%c0%ae%c0%af", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "%c0%ae%c0%ae%c0%afetc")),
                "INVALID_FILENAME"));
        c.add(refused("name overlong UTF-8 slash only %c0%af", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "a%c0%afb.jpg")),
                "INVALID_FILENAME"));
        c.add(refused("name encoded CR LF header injection", t -> t.put(t.key(), t.alice,
                Map.of("X-Filename", "a.jpg%0D%0AX-Evil:%201")), "INVALID_FILENAME"));
        c.add(refused("name RTL override photo\u202Egpj.exe", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "photo%E2%80%AEgpj.exe")),
                "INVALID_FILENAME"));
        c.add(refused("name left-to-right isolate U+2066", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "%E2%81%A6a.jpg")),
                "INVALID_FILENAME"));
        c.add(refused("name ' .. ' with blanks around", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "%20..%20")), "INVALID_FILENAME"));
        c.add(refused("name encoded tab then dot-dot", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "..%09")), "INVALID_FILENAME"));
        c.add(refused("name mixed-case encoded ../../", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "%2e%2E%2f%2E%2e%2Fx")),
                "INVALID_FILENAME"));
        c.add(refused("name C1 control U+0085", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "a%C2%85b.jpg")), "INVALID_FILENAME"));
        c.add(refused("name raw NUL byte in the header", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                "X-Filename: a\u0000b.jpg\r\n", "x"), "INVALID_FILENAME", "BAD_REQUEST"));
        c.add(refused("name raw bare CR in the header", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                "X-Filename: a\rX-Evil: 1.jpg\r\n", "x"), "INVALID_FILENAME", "BAD_REQUEST"));
        c.add(refused("name raw overlong UTF-8 bytes", t -> t.rawBytes(concat(ascii("PUT /v1/uploads/" + t.key()
                + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.alice + "\r\nContent-Length: 1\r\nX-Filename: "),
                new byte[] {(byte) 0xC0, (byte) 0xAE, (byte) 0xC0, (byte) 0xAE, (byte) 0xC0, (byte) 0xAF, 'x'}, ascii("\r\n\r\nx"))),
                "INVALID_FILENAME", "BAD_REQUEST"));
        c.add(refused("name 64 KiB long", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                "X-Filename: " + "a".repeat(64 * 1024) + "\r\n", "x"), "HEADERS_TOO_LARGE"));
        c.add(refused("name sent twice, harmless then traversal", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                "X-Filename: a.jpg\r\nX-Filename: ../../evil.jpg\r\n", "x"), "INVALID_FILENAME"));
        c.add(refused("name repeated 1000 times", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                "X-Filename: a\r\n".repeat(1000), "x"), "INVALID_FILENAME", "HEADERS_TOO_LARGE"));
        // ... and accepted when they are only unusual: they land as one file inside the user's root.
        c.add(accepted("name fullwidth ．．／．．／etc (U+FF0E, U+FF0F)", "．．／．．／etc",
                t -> t.put(t.key(), t.alice, Map.of("X-Filename", "%EF%BC%8E%EF%BC%8E%EF%BC%8F%EF%BC%8E%EF%BC%8E%EF%BC%8Fetc"))));
        c.add(accepted("name division slash ..∕..∕passwd (U+2215)", "..∕..∕passwd",
                t -> t.put(t.key(), t.alice, Map.of("X-Filename", "..%E2%88%95..%E2%88%95passwd"))));
        c.add(accepted("name double-encoded %252e%252e%252f stays literal", "%2e%2e%2fx",
                t -> t.put(t.key(), t.alice, Map.of("X-Filename", "%252e%252e%252fx"))));
        c.add(accepted("name NFD e+U+0301 is stored as NFC", Normalizer.normalize("Cafe\u0301.jpg", Normalizer.Form.NFC),
                t -> t.put(t.key(), t.alice, Map.of("X-Filename", "Cafe%CC%81.jpg"))));
        c.add(accepted("name NFC é stays NFC", "Caf\u00e9 2.jpg", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "Caf%C3%A9%202.jpg"))));
        c.add(accepted("name three dots", "...", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "..."))));
        c.add(accepted("name zero-width space before dot-dot", "\u200B..", t -> t.put(t.key(), t.alice, Map.of("X-Filename", "%E2%80%8B.."))));
        c.add(accepted("name 85 euro signs (255 UTF-8 bytes)", "€".repeat(85),
                t -> t.put(t.key(), t.alice, Map.of("X-Filename", "%E2%82%AC".repeat(85)))));
        c.add(accepted("name .htaccess", ".htaccess", t -> t.put(t.key(), t.alice, Map.of("X-Filename", ".htaccess"))));

        // Other headers: values that overflow or smuggle.
        c.add(refused("resource type that overflows a long", t -> t.put(t.key(), t.alice,
                Map.of("X-Resource-Type", "99999999999999999999999")), "INVALID_RESOURCE_TYPE"));
        c.add(refused("resource type with a traversal", t -> t.put(t.key(), t.alice, Map.of("X-Resource-Type", "../photo")),
                "INVALID_RESOURCE_TYPE"));
        c.add(refused("created-at at year +999999999", t -> t.put(t.key(), t.alice, Map.of("X-Created-At", "+999999999-12-31T23:59:59Z")),
                "INVALID_CREATED_AT"));
        c.add(refused("created-at on February 30th", t -> t.put(t.key(), t.alice, Map.of("X-Created-At", "2024-02-30T00:00:00Z")),
                "INVALID_CREATED_AT"));
        c.add(refused("created-at with an offset of +99:00", t -> t.put(t.key(), t.alice, Map.of("X-Created-At", "2024-01-01T00:00:00+99:00")),
                "INVALID_CREATED_AT"));
        c.add(refused("digest 5000 characters long", t -> t.put(t.key(), t.alice, Map.of("Content-Digest", "sha-256=:" + "A".repeat(5000) + ":")),
                "INVALID_DIGEST"));
        c.add(refused("digest sent twice", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                "Content-Digest: sha-512=:AAAA:\r\nContent-Digest: sha-256=:" + "A".repeat(43) + "=:\r\n", "x"), "INVALID_DIGEST"));
        c.add(refused("asset id with a raw NUL", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                "X-Asset-Id: a\u0000b\r\n", "x"), "INVALID_ASSET_ID", "BAD_REQUEST"));
        c.add(refused("one header line of 64 KiB", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                "X-Padding: " + "p".repeat(64 * 1024) + "\r\n", "x"), "HEADERS_TOO_LARGE"));
        c.add(refused("2000 distinct header lines", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", t.alice,
                java.util.stream.IntStream.range(0, 2000).mapToObj(i -> "X-H" + i + ": v\r\n").collect(Collectors.joining()), "x"),
                "HEADERS_TOO_LARGE"));

        // Lengths and framing.
        c.add(refused("two Content-Length values that differ", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + t.alice + "\r\nContent-Length: 1\r\nContent-Length: 5", "hello", true), "BAD_REQUEST"));
        c.add(refused("Content-Length and Transfer-Encoding together", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\n"
                + "Host: x\r\nAuthorization: Bearer " + t.alice + "\r\nContent-Length: 3\r\nTransfer-Encoding: chunked",
                "5\r\nhello\r\n0\r\n\r\n", true), "BAD_REQUEST"));
        c.add(refused("Transfer-Encoding gzip, chunked", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\n"
                + "Host: x\r\nAuthorization: Bearer " + t.alice + "\r\nTransfer-Encoding: gzip, chunked", "5\r\nhello\r\n0\r\n\r\n", true),
                "BAD_REQUEST"));
        c.add(refused("negative Content-Length", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + t.alice + "\r\nContent-Length: -1", "x", true), "BAD_REQUEST"));
        c.add(refused("Content-Length past Long.MAX_VALUE", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + t.alice + "\r\nContent-Length: 99999999999999999999", "x", true), "BAD_REQUEST"));
        c.add(refused("Content-Length in hex", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + t.alice + "\r\nContent-Length: 0x10", "x", true), "BAD_REQUEST"));
        c.add(refused("Content-Length larger than the limit, no body sent", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\n"
                + "Host: x\r\nAuthorization: Bearer " + t.alice + "\r\nContent-Length: 9000000000000", "", true),
                "UPLOAD_TOO_LARGE", "REQUEST_TOO_LARGE"));
        c.add(refusedOrCut("Content-Length longer than the body, client then waits", t -> t.rawHead("PUT /v1/uploads/" + t.key()
                + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.alice + "\r\nContent-Length: 5000", "only this", false),
                "CONTENT_LENGTH_MISMATCH", "BAD_REQUEST"));
        c.add(refusedOrCut("chunk size that is not hex", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + t.alice + "\r\nTransfer-Encoding: chunked", "zz\r\nhello\r\n0\r\n\r\n", true),
                "BAD_REQUEST", "CONTENT_LENGTH_MISMATCH"));
        c.add(refusedOrCut("chunk size of 2^64-1", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + t.alice + "\r\nTransfer-Encoding: chunked", "ffffffffffffffff\r\nhello\r\n0\r\n\r\n", true),
                "BAD_REQUEST", "CONTENT_LENGTH_MISMATCH", "UPLOAD_TOO_LARGE"));
        c.add(refusedOrCut("slow-loris headers, one byte every 150 ms", HostileInputTest::slowHeaders, "BAD_REQUEST"));
        c.add(refusedOrCut("slow-loris body that stops after 10 bytes", t -> t.rawHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\n"
                + "Host: x\r\nAuthorization: Bearer " + t.alice + "\r\nContent-Length: 100", "0123456789", false),
                "CONTENT_LENGTH_MISMATCH", "BAD_REQUEST"));

        // JSON bodies of the bulk calls.
        c.add(refused("check: 500 000 nested arrays", t -> t.post("/v1/uploads/check", t.alice, "{\"keys\":" + "[".repeat(500_000)),
                "INVALID_JSON"));
        c.add(refused("acknowledge: 100 000 nested objects", t -> t.post("/v1/jobs/acknowledge", t.alice,
                "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)), "INVALID_JSON"));
        c.add(refused("check: array of 200 000 numbers", t -> t.post("/v1/uploads/check", t.alice,
                "{\"keys\":[" + "1,".repeat(200_000) + "1]}"), "INVALID_JSON", "TOO_MANY_ITEMS"));
        c.add(refused("check: one 900 KB string", t -> t.post("/v1/uploads/check", t.alice, "{\"keys\":[\"" + "k".repeat(900_000) + "\"]}"),
                "INVALID_JSON"));
        c.add(refused("acknowledge: duplicate keys", t -> t.post("/v1/jobs/acknowledge", t.alice,
                "{\"ids\":[\"x\"],\"ids\":[\"" + t.carolJob.id() + "\"]}"), "INVALID_JSON"));
        c.add(refused("check: duplicate keys", t -> t.post("/v1/uploads/check", t.alice, "{\"keys\":[],\"keys\":[\"carol-photo\"]}"),
                "INVALID_JSON"));
        c.add(refused("check: the number 1e999999", t -> t.post("/v1/uploads/check", t.alice, "{\"keys\":1e999999}"), "INVALID_JSON"));
        c.add(refused("acknowledge: a number of 5000 digits", t -> t.post("/v1/jobs/acknowledge", t.alice,
                "{\"ids\":[" + "9".repeat(5000) + "]}"), "INVALID_JSON"));
        c.add(refused("check: invalid UTF-8 inside a string", t -> t.postBytes("/v1/uploads/check", t.alice,
                concat(ascii("{\"keys\":[\"a"), new byte[] {(byte) 0xC3, 0x28}, ascii("\"]}"))), "INVALID_JSON"));
        c.add(refused("acknowledge: a lone UTF-16 surrogate escape", t -> t.post("/v1/jobs/acknowledge", t.alice,
                "{\"ids\":[\"\\uD800\"]}"), "JOB_NOT_FOUND", "INVALID_JSON"));

        // Tokens: other devices' jobs are invisible, and near-miss tokens are nobody's.
        c.add(refused("device A reads user B's job", t -> t.get("/v1/jobs/" + t.carolJob.id(), t.alice), "JOB_NOT_FOUND"));
        c.add(refused("device A acknowledges user B's job", t -> t.post("/v1/jobs/" + t.carolJob.id() + "/acknowledge", t.alice, ""),
                "JOB_NOT_FOUND"));
        c.add(refused("device A bulk-acknowledges user B's job", t -> t.post("/v1/jobs/acknowledge", t.alice,
                "{\"ids\":[\"" + t.carolJob.id() + "\"]}"), "JOB_NOT_FOUND"));
        c.add(refused("device A cancels user B's job", t -> t.delete("/v1/jobs/" + t.carolJob.id(), t.alice), "JOB_NOT_FOUND"));
        c.add(refused("device A retries user B's job", t -> t.post("/v1/jobs/" + t.carolJob.id() + "/retry", t.alice, ""), "JOB_NOT_FOUND"));
        c.add(refused("device A reads user B's upload by key", t -> t.get("/v1/uploads/carol-photo", t.alice), "UPLOAD_NOT_FOUND"));
        c.add(refused("second device of the same user reads the first's upload", t -> t.get("/v1/uploads/carol-photo", t.alice2),
                "UPLOAD_NOT_FOUND"));
        c.add(new Case("device A checks user B's keys and learns nothing", t -> t.post("/v1/uploads/check", t.alice,
                "{\"keys\":[\"carol-photo\"]}"), (t, o) -> {
                    assertThat(o.status()).isEqualTo(200);
                    assertThat(JSON.readTree(o.body()).path("known").size()).as(o.body()).isZero();
                }));
        c.add(refused("revoked token cancels a job", t -> t.delete("/v1/jobs/" + t.carolJob.id(), t.revoked), "UNAUTHORIZED"));
        c.add(refused("token with its last character changed", t -> t.put(t.key(), t.flipLast(t.alice), Map.of()), "UNAUTHORIZED"));
        c.add(refused("token with its first character changed", t -> t.put(t.key(), t.flipFirst(t.alice), Map.of()), "UNAUTHORIZED"));
        c.add(refused("token one character short", t -> t.put(t.key(), t.alice.substring(0, t.alice.length() - 1), Map.of()),
                "UNAUTHORIZED"));
        c.add(refused("token with one character more", t -> t.put(t.key(), t.alice + "A", Map.of()), "UNAUTHORIZED"));
        c.add(refused("token upper-cased", t -> t.put(t.key(), t.alice.toUpperCase(java.util.Locale.ROOT), Map.of()), "UNAUTHORIZED"));
        c.add(refused("empty Authorization", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", null, "Authorization: \r\n", "x"),
                "UNAUTHORIZED"));
        c.add(refused("'Bearer ' and nothing", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", null, "Authorization: Bearer \r\n", "x"),
                "UNAUTHORIZED"));
        c.add(refused("lower-case scheme with a wrong token", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", null,
                "Authorization: bearer psc_nottherightone\r\n", "x"), "UNAUTHORIZED"));
        c.add(refused("two tokens in one header", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", null,
                "Authorization: Bearer " + t.bob + " " + t.alice + "\r\n", "x"), "UNAUTHORIZED"));
        c.add(refused("two Authorization headers (another device's first)", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", null,
                "Authorization: Bearer " + t.bob + "\r\nAuthorization: Bearer " + t.alice + "\r\n", "x"), "UNAUTHORIZED"));
        c.add(refused("token with a raw NUL", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", null,
                "Authorization: Bearer " + t.alice + "\u0000\r\n", "x"), "UNAUTHORIZED", "BAD_REQUEST"));
        c.add(refused("token with invalid UTF-8 bytes", t -> t.rawBytes(concat(ascii("PUT /v1/uploads/" + t.key()
                + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nAuthorization: Bearer "), new byte[] {(byte) 0xFF, (byte) 0xFE},
                ascii("\r\n\r\nx"))), "UNAUTHORIZED", "BAD_REQUEST"));
        c.add(refused("token that looks like SQL", t -> t.put(t.key(), "' OR 1=1 --", Map.of()), "UNAUTHORIZED"));
        c.add(refused("token of 64 KiB", t -> t.raw("PUT /v1/uploads/" + t.key() + " HTTP/1.1", null,
                "Authorization: Bearer " + "A".repeat(64 * 1024) + "\r\n", "x"), "HEADERS_TOO_LARGE"));

        // Clients that take more than their share (issue 14).
        c.add(refused("device revoked while its body arrives", HostileInputTest::revokedMidBody, "UNAUTHORIZED"));
        c.add(refused("more bytes in flight than the device's share", HostileInputTest::overBytesInFlight,
                "TOO_MANY_BYTES_IN_FLIGHT"));
        c.add(refused("tus creation past the device's unfinished uploads", t -> t.pastUnfinishedCap(false),
                "TOO_MANY_UNFINISHED_UPLOADS"));
        c.add(refused("IETF creation past the device's unfinished uploads", t -> t.pastUnfinishedCap(true),
                "TOO_MANY_UNFINISHED_UPLOADS"));
        c.add(new Case("admin sign-out without the CSRF token", HostileInputTest::signOutWithoutCsrf, (t, o) -> {
            assertRefused(o, "UNAUTHORIZED");
            assertThat(t.s.http().send("GET", "/admin", null, Map.of("Cookie", o.token()), null).status())
                    .as("still signed in").isEqualTo(200);
        }));
        return c.stream();
    }

    // ---- running one case -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileRequest(Case c) throws Exception {
        casesRun++;
        // Counted afresh for every case, so that one failing case does not fail all that follow.
        expectedJobs = (int) jobCount();
        int before = expectedJobs;
        Outcome o = c.action().run(this);
        c.expect().check(this, o);

        await().atMost(Duration.ofSeconds(15)).until(() -> s.app().api().describe().get("runningUploads").equals(0));
        assertThat(Files2.regularFiles(data.resolve("spool/incoming"))).as("no partial upload left in the spool").isEmpty();
        long jobs = jobCount();
        assertThat(jobs).as("jobs after '%s' (a refusal keeps none)", c.name()).isEqualTo(expectedJobs);
        if (expectedJobs == before) {
            assertThat(Files.list(data.resolve("spool/ready")).count()).as("no spool copy kept").isLessThanOrEqualTo(jobs);
        }
        assertNothingOutsideTheLibrary();
        Job carolNow = s.app().ledger().find(carolJob.id()).orElseThrow();
        assertThat(carolNow.state()).as("the other user's job is untouched").isEqualTo(JobState.SUCCEEDED);

        Http.Response goodUpload = s.http().put("/v1/uploads/good-" + (++good), bob, Map.of("X-Filename", "good.jpg"), bytes("good " + good));
        assertThat(goodUpload.status()).as("another device still uploads after '%s'", c.name()).isEqualTo(201);
        expectedJobs++;
        answers.merge(o.status(), 1, Integer::sum);
    }

    private long jobCount() {
        return s.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum();
    }

    private void assertNothingOutsideTheLibrary() throws IOException {
        Path library = data.resolve("library");
        for (Path f : files()) {
            if (baseline.contains(f)) {
                continue;
            }
            String rel = root.relativize(f).toString();
            boolean allowed = f.startsWith(library.resolve("alice")) || f.startsWith(library.resolve("bob"))
                    || f.startsWith(data.resolve("spool/ready")) || f.getFileName().toString().startsWith("ledger.db");
            assertThat(allowed).as("unexpected file %s", rel).isTrue();
            for (Path segment : root.relativize(f)) {
                assertThat(segment.toString()).as(rel).isNotIn("..", ".");
            }
        }
    }

    private Set<Path> files() throws IOException {
        Set<Path> out = new HashSet<>();
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    out.add(file);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                // SQLite's -shm/-wal files come and go while we look.
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private Job awaitDelivered(String key, String token) {
        String[] id = new String[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode j = s.http().get("/v1/uploads/" + key, token).json();
            id[0] = j.path("id").asText();
            return "succeeded".equals(j.path("state").asText());
        });
        return s.app().ledger().find(id[0]).orElseThrow();
    }

    // ---- expectations -----------------------------------------------------------------------------------

    /** What a case did: an HTTP answer, or -1 when the server cut the connection without one. */
    record Outcome(int status, String body, String retryAfter, String key, String token) {
    }

    @FunctionalInterface
    interface Action {
        Outcome run(HostileInputTest t) throws Exception;
    }

    @FunctionalInterface
    interface Expect {
        void check(HostileInputTest t, Outcome o) throws Exception;
    }

    record Case(String name, Action action, Expect expect) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case refused(String name, Action action, String... codes) {
        return new Case(name, action, (t, o) -> assertRefused(o, codes));
    }

    /** Refused with an answer, or cut off without one (a client that stalls may never be answered). */
    private static Case refusedOrCut(String name, Action action, String... codes) {
        return new Case(name, action, (t, o) -> {
            if (o.status() >= 0) {
                assertRefused(o, codes);
            }
        });
    }

    private static void assertRefused(Outcome o, String... codes) throws IOException {
        assertThat(o.status()).as("status, body %s", o.body()).isBetween(400, 499);
        JsonNode error = JSON.readTree(o.body()).path("error");
        String code = error.path("code").asText();
        assertThat(code).as(o.body()).matches("[A-Z_]+").isIn(CODES).isIn((Object[]) codes);
        assertThat(ErrorCode.valueOf(code).status()).as("the code's own status").isEqualTo(o.status());
        // Never a stack trace (the spool names the exception's class when a body breaks off; that is allowed).
        assertThat(error.path("message").asText()).isNotBlank().doesNotContain("\tat ").doesNotContain("Exception:")
                .doesNotContain("java.");
    }

    /** Accepted as data: 201, delivered as one file named {@code expectedName} inside the user's root. */
    private static Case accepted(String name, String expectedName, Action action) {
        return new Case(name, action, (t, o) -> {
            assertThat(o.status()).as(o.body()).isEqualTo(201);
            t.expectedJobs++;
            Job job = t.awaitDelivered(o.key(), o.token());
            String remote = job.remotePath().orElseThrow();
            Path userRoot = t.data.resolve("library").resolve(job.userId()).toRealPath();
            Path landed = userRoot.resolve(remote);
            assertThat(landed.toRealPath()).as("inside the user's root").startsWith(userRoot);
            assertThat(userRoot.relativize(landed.toRealPath()).getNameCount()).as("one segment per template part: %s", remote)
                    .isEqualTo(8);
            assertThat(landed.getFileName().toString()).isEqualTo(expectedName);
            assertThat(remote.split("/")[2]).as("the device name's traversal stays one segment").isEqualTo(".._.._.._.._escape-marker");
        });
    }

    // ---- requests ---------------------------------------------------------------------------------------

    private int keys;

    String key() {
        return "hostile-" + (++keys);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    String flipLast(String token) {
        char last = token.charAt(token.length() - 1);
        return token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
    }

    String flipFirst(String token) {
        char first = token.charAt(0);
        return (first == 'q' ? 'r' : 'q') + token.substring(1);
    }

    private static Outcome of(Http.Response r, String key, String token) {
        return new Outcome(r.status(), r.body(), r.header("Retry-After").orElse(null), key, token);
    }

    Outcome put(String keyOrPath, String token, Map<String, String> headers) {
        String path = keyOrPath.startsWith("/") ? keyOrPath : "/v1/uploads/" + keyOrPath;
        String key = path.substring(path.lastIndexOf('/') + 1);
        try {
            return of(s.http().put(path, token, headers, bytes("hostile body")), key, token);
        } catch (UncheckedIOException e) {
            return new Outcome(-1, e.toString(), null, key, token);
        }
    }

    Outcome get(String path, String token) {
        return of(s.http().get(path, token), null, token);
    }

    Outcome delete(String path, String token) {
        return of(s.http().delete(path, token), null, token);
    }

    Outcome post(String path, String token, String json) {
        return of(s.http().post(path, token, json), null, token);
    }

    Outcome postBytes(String path, String token, byte[] body) {
        return of(s.http().send("POST", path, token, Map.of("Content-Type", "application/json"), body), null, token);
    }

    /** A raw request: the request line, Host, the token (if any), extra header lines, Content-Length and body. */
    Outcome raw(String requestLine, String token, String extraHeaders, String body) throws IOException {
        return rawBytes(ascii(requestLine + "\r\nHost: x\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                + extraHeaders + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body));
    }

    Outcome rawHead(String head, String body, boolean halfClose) throws IOException {
        return answer(RawExchange.send(s.port(), ascii(head + "\r\n\r\n" + body), halfClose, 15_000));
    }

    Outcome rawBytes(byte[] request) throws IOException {
        return answer(RawExchange.send(s.port(), request, false, 15_000));
    }

    private static Outcome answer(RawExchange.Answer a) {
        return new Outcome(a.status(), a.body(), a.header("Retry-After"), null, null);
    }

    /** A new device of a new user, for a case that must not spend alice's shares or token. */
    private dev.photosidecar.ledger.EnrolledDevice freshDevice() {
        return s.app().devices().add("mallory-" + keys, "hostile client");
    }

    private void awaitUploadRunning() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !s.app().api().describe().get("runningUploads").equals(0));
    }

    private static Outcome revokedMidBody(HostileInputTest t) throws IOException {
        var device = t.freshDevice();
        return answer(RawExchange.send(t.s.port(), out -> {
            out.write(ascii("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + device.token()
                    + "\r\nContent-Length: 20\r\n\r\n0123456789"));
            out.flush();
            t.awaitUploadRunning();
            t.s.app().devices().revoke(device.device().id());
            out.write(ascii("0123456789"));
        }, false, 15_000));
    }

    /** One upload announcing the whole share trickles; a second one, of 12 bytes, is one too many. */
    private static Outcome overBytesInFlight(HostileInputTest t) throws IOException {
        var device = t.freshDevice();
        try (RawConnection slow = new RawConnection(t.s.port())) {
            slow.sendHead("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + device.token()
                    + "\r\nContent-Length: 1048576");
            slow.sendBytes(new byte[10]);
            t.awaitUploadRunning();
            Outcome second = t.put(t.key(), device.token(), Map.of());
            slow.drop();
            return second;
        }
    }

    /** Two unfinished tus uploads (the corpus's cap), then a creation one too many, then the two are cancelled. */
    private Outcome pastUnfinishedCap(boolean ietf) throws IOException {
        var device = freshDevice();
        List<String> created = new ArrayList<>();
        Map<String, String> tus = Map.of("Tus-Resumable", "1.0.0", "Upload-Length", "1048576");
        try {
            for (int i = 0; i < 2; i++) {
                Http.Response r = s.http().send("POST", "/v1/tus/", device.token(), with(tus, "Upload-Metadata",
                        "key " + java.util.Base64.getEncoder().encodeToString(key().getBytes(StandardCharsets.UTF_8))), null);
                assertThat(r.status()).as(r.body()).isEqualTo(201);
                created.add(r.header("Location").orElseThrow());
            }
            if (ietf) {
                return raw("PUT /v1/uploads/" + key() + " HTTP/1.1", device.token(),
                        "Upload-Draft-Interop-Version: 6\r\nUpload-Complete: ?1\r\n", "x");
            }
            return of(s.http().send("POST", "/v1/tus/", device.token(), with(tus, "Upload-Metadata",
                    "key " + java.util.Base64.getEncoder().encodeToString(key().getBytes(StandardCharsets.UTF_8))), null),
                    null, device.token());
        } finally {
            for (String location : created) {
                s.http().send("DELETE", location, device.token(), tus, null);
            }
        }
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put(name, value);
        return all;
    }

    /** Signs in, then signs out as a page elsewhere would (a script's POST that cannot know the token). */
    private static Outcome signOutWithoutCsrf(HostileInputTest t) {
        Http.Response in = t.s.http().send("POST", "/admin/login", null, Map.of("Content-Type", "application/x-www-form-urlencoded"),
                bytes("token=" + ADMIN_TOKEN));
        assertThat(in.status()).isEqualTo(303);
        String cookie = in.header("Set-Cookie").orElseThrow().split(";")[0];
        Http.Response out = t.s.http().send("POST", "/admin/logout", null, Map.of("Cookie", cookie), null);
        return new Outcome(out.status(), out.body(), null, null, cookie);
    }

    private static Outcome slowHeaders(HostileInputTest t) throws IOException {
        byte[] head = ascii("PUT /v1/uploads/" + t.key() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.alice
                + "\r\nX-Filename: " + "s".repeat(100) + ".jpg\r\nContent-Length: 1\r\n\r\nx");
        return answer(RawExchange.send(t.s.port(), out -> {
            for (byte b : head) {
                out.write(b);
                out.flush();
                Thread.sleep(150);
            }
        }, false, 15_000));
    }
}
