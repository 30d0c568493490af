package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A part is never taken as the whole file, whatever the protocol or interop version, known or not: a request that
 * says more will follow, a body shorter than its {@code Upload-Length}, and an empty body with a declared length
 * (tus-js-client's {@code ietf-draft-03} creation) leave no finished job and no delivered file, and do not burn
 * the key: the real bytes sent afterwards get 201, and the library holds exactly them.
 */
@FunctionalTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartialUploadsNeverFinishTest {
    private static final int FULL = 40_000;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** How the client sends. */
    enum Protocol {
        PLAIN(null), IETF_3(3), IETF_4(4), IETF_5(5), IETF_6(6), IETF_7(7), IETF_8(8), IETF_9_UNKNOWN(9), TUS(null);

        final Integer version;

        Protocol(Integer version) {
            this.version = version;
        }

        boolean spokenIetf() {
            return version != null && version <= 8;
        }
    }

    /** What the client sends: never the whole file. */
    enum Attempt {
        /** "More will follow", with the first half. */
        MORE_FOLLOWS,
        /** "This is all" with half of the announced Upload-Length, and a Content-Length that says so. */
        SHORT_BODY,
        /** "This is all" with half of the announced Upload-Length, chunked: the sidecar learns it only at the end. */
        SHORT_CHUNKED_BODY,
        /** "More will follow" with an empty body and the total in Upload-Length: tus-js-client's ietf-draft-03 creation. */
        EMPTY_MORE_FOLLOWS,
        /** "This is all" with an empty body and the total in Upload-Length. */
        EMPTY_WITH_LENGTH
    }

    TestSidecar sidecar;
    String token;

    @BeforeAll
    void start(@TempDir Path data) {
        sidecar = TestSidecar.start(data, Map.of());
        token = sidecar.enroll("alice", "Alice's iPhone");
    }

    @AfterAll
    void stop() {
        sidecar.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (Protocol p : Protocol.values()) {
            for (Attempt a : Attempt.values()) {
                all.add(Arguments.of(p, a));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void neverAFinishedJobNorADeliveredFileAndTheRealBytesGet201(Protocol protocol, Attempt attempt) throws Exception {
        String key = "part-" + protocol.name().toLowerCase() + "-" + attempt.name().toLowerCase().replace('_', '-');
        byte[] whole = Files2.randomBytes(key.hashCode(), FULL);
        byte[] half = Arrays.copyOf(whole, FULL / 2);
        boolean chunked = attempt == Attempt.SHORT_CHUNKED_BODY;
        byte[] body = attempt == Attempt.MORE_FOLLOWS || attempt == Attempt.SHORT_BODY || chunked ? half : new byte[0];
        boolean saysComplete = attempt == Attempt.SHORT_BODY || chunked || attempt == Attempt.EMPTY_WITH_LENGTH;

        Answer answer = switch (protocol) {
            case TUS -> tus(key, body);
            // An unknown version is a plain upload; it is sent as a version-9 client writes its creation.
            case PLAIN -> chunked ? raw(plainHead(key), body, true, null) : plain(key, body, saysComplete, Map.of());
            default -> raw(new IetfDialect(protocol.version).creation(key, token, saysComplete, chunked ? -1 : body.length, (long) FULL),
                    body, chunked, protocol.spokenIetf() ? new IetfDialect(protocol.version) : null);
        };
        System.out.printf("PartialUploadsNeverFinishTest: %s %s -> %s%s %s%n", protocol, attempt,
                answer.interim ? "104, " : "", answer.status, answer.errorCode);

        boolean resumable = protocol == Protocol.TUS || protocol.spokenIetf() && !saysComplete;
        if (resumable) {
            assertThat(answer.status).as("a resumable upload was made of it").isBetween(200, 299);
            assertThat(answer.interim).isEqualTo(protocol.spokenIetf());
            assertThat(sidecar.http().get("/v1/uploads/" + key, token).json().path("state").asText()).isEqualTo("receiving");
        } else {
            assertThat(answer.status).as("refused: %s", answer.errorCode).isEqualTo(400);
            // Only a chunked body can turn out short after the 104 (which a spoken version gets): it is refused then.
            assertThat(answer.interim).as("a 104 only where the body had to be read").isEqualTo(chunked && protocol.spokenIetf());
            String expected = !saysComplete ? "PARTIAL_UPLOAD_REFUSED"
                    // A creation that names a length its Content-Length contradicts is refused before the 104.
                    : protocol.spokenIetf() && !chunked ? "INVALID_UPLOAD_HEADER" : "CONTENT_LENGTH_MISMATCH";
            assertThat(answer.errorCode).isEqualTo(expected);
            assertThat(sidecar.http().get("/v1/uploads/" + key, token).status()).as("nothing was kept").isEqualTo(404);
        }
        assertThat(libraryFiles(key)).as("nothing delivered").isEmpty();

        Response real = sidecar.http().put("/v1/uploads/" + key, token, Map.of("X-Filename", key + ".bin"), whole);
        assertThat(real.status()).as("the key is not burned: %s", real.body()).isEqualTo(201);
        assertThat(real.header("Repr-Digest")).contains("sha-256=:" + Base64.getEncoder().encodeToString(Files2.sha256Bytes(whole)) + ":");
        awaitSucceeded(key);
        List<Path> delivered = libraryFiles(key);
        assertThat(delivered).as("exactly one copy, of the real bytes").hasSize(1);
        assertThat(Files2.sha256(delivered.get(0))).isEqualTo(Files2.sha256(whole));
        assertThat(sidecar.app().resumable().unfinished()).noneMatch(u -> u.key().equals(key));
    }

    private record Answer(boolean interim, int status, String errorCode) {
    }

    private Answer plain(String key, byte[] body, boolean saysComplete, Map<String, String> extra) {
        Map<String, String> h = new HashMap<>(extra);
        h.put("X-Filename", key + ".bin");
        h.put("Upload-Length", String.valueOf(FULL));
        if (!saysComplete) {
            h.put("Upload-Complete", "?0");
        }
        Response r = sidecar.http().put("/v1/uploads/" + key, token, h, body);
        assertThat(r.status() < 400 || r.header("X-Error-Code").isPresent()).as("an error says its code in a header").isTrue();
        return new Answer(false, r.status(), r.status() >= 400 ? r.errorCode() : null);
    }

    private String plainHead(String key) {
        return "PUT /v1/uploads/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nX-Filename: " + key + ".bin\r\nUpload-Length: " + FULL + "\r\nTransfer-Encoding: chunked";
    }

    /** A request on a raw socket, where a 104 can be seen; {@code spoken} checks the answers of a spoken version. */
    private Answer raw(String head, byte[] body, boolean chunked, IetfDialect spoken) throws Exception {
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead(head);
            c.sendBytes(chunked ? IetfDialect.chunked(body) : body);
            RawConnection.Head answer = c.readHead();
            boolean interim = answer.status() == 104;
            if (interim) {
                assertThat(spoken).as("a 104 only for a version the sidecar speaks").isNotNull();
                assertThat(answer.header("Upload-Draft-Interop-Version")).isEqualTo(String.valueOf(spoken.version()));
                answer = c.readHead();
            }
            String text = c.readBody(answer);
            if (answer.status() < 400) {
                if (spoken != null) {
                    assertThat(answer.header(spoken.completeHeader())).isEqualTo(spoken.completeValue(false));
                }
                return new Answer(interim, answer.status(), null);
            }
            String code = JSON.readTree(text).path("error").path("code").asText();
            assertThat(answer.header("X-Error-Code")).as("the code in a header too").isEqualTo(code);
            return new Answer(interim, answer.status(), code);
        }
    }

    private Answer tus(String key, byte[] body) {
        Map<String, String> h = new HashMap<>(Map.of("Tus-Resumable", "1.0.0", "Upload-Length", String.valueOf(FULL),
                "Upload-Metadata", "key " + b64(key) + ",filename " + b64(key + ".bin"),
                "Content-Type", "application/offset+octet-stream"));
        Response r = sidecar.http().send("POST", "/v1/tus/", token, h, body);
        assertThat(r.header("Upload-Offset")).contains(String.valueOf(body.length));
        return new Answer(false, r.status(), r.status() >= 400 ? r.errorCode() : null);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private List<Path> libraryFiles(String key) throws Exception {
        Path root = sidecar.library("alice");
        if (!root.toFile().exists()) {
            return List.of();
        }
        return Files2.regularFiles(root).stream().filter(p -> p.getFileName().toString().startsWith(key + ".")).toList();
    }

    private void awaitSucceeded(String key) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode job = sidecar.http().get("/v1/uploads/" + key, token).json();
            return job.path("state").asText().equals("succeeded");
        });
    }
}
