package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.GeneratedBody;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.SidecarProcess;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * "A client that drops the connection at random points in a 1 GiB upload resumes and finishes, and the
 * bytes match": over raw sockets, for the IETF draft (interop 6) and for tus, against a sidecar in its own
 * JVM at -Xmx64m (so nothing of the body can be held in memory). The connection is reset (RST, like a phone
 * losing its network) at random offsets; the client then asks for the offset and sends the rest from there.
 *
 * <p>{@code -Dresumable.bytes=N} changes the size (default 1 GiB), {@code -Dresumable.drops=N} the number of
 * drops per upload (default 4), {@code -Dresumable.seed=N} the random cut points.
 */
@CrashTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResumableLargeUploadTest {
    /**
     * Two HEADs this far apart that give the same offset: the dropped request has stopped writing. Until then the
     * offset is a moving figure (the server answers HEAD without waiting for the request that holds the upload), and
     * comparing it with the bytes on disk raced the writer.
     */
    private static final Duration STEADY = Duration.ofMillis(150);

    private static final long SIZE = Long.getLong("resumable.bytes", 1L << 30);
    private static final int DROPS = Integer.getInteger("resumable.drops", 4);
    private static final long SEED = Long.getLong("resumable.seed", System.nanoTime());
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path temp;

    // One sidecar and one expected hash for both protocols: starting a JVM and hashing 1 GiB are the slow parts.
    private SidecarProcess sidecar;
    private SidecarProcess.Device device;
    private Path data;
    private String expectedSha;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Random random = new Random(SEED);

    @BeforeAll
    void start() {
        data = temp.resolve("data");
        device = SidecarProcess.addDevice(data, "carol", "carol's phone on a train");
        Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
        env.put("SIDECAR_WORKERS", "1");
        env.put("SIDECAR_TIME_ZONE", "UTC");
        sidecar = SidecarProcess.start(env, List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"), temp.resolve("sidecar.log"));
    }

    @AfterAll
    void stop() throws IOException {
        if (sidecar != null) {
            sidecar.close();
        }
        for (String dir : List.of("data/spool", "data/library")) {
            Path root = temp.resolve(dir);
            if (Files.isDirectory(root)) {
                try (Stream<Path> walk = Files.walk(root)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /** Random cut points, strictly increasing, inside the body. */
    private List<Long> cuts() {
        List<Long> cuts = new ArrayList<>();
        long from = 0;
        for (int i = 0; i < DROPS; i++) {
            long left = SIZE - from;
            from += 1 + (long) (random.nextDouble() * left / (DROPS - i + 1));
            cuts.add(from);
        }
        return cuts;
    }

    private synchronized String expectedSha256() throws IOException {
        if (expectedSha == null) {
            try (GeneratedBody body = new GeneratedBody(SIZE)) {
                body.transferTo(java.io.OutputStream.nullOutputStream());
                expectedSha = body.sha256();
            }
        }
        return expectedSha;
    }

    private static GeneratedBody bodyFrom(long offset) {
        GeneratedBody body = new GeneratedBody(SIZE);
        body.skip(offset);
        return body;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void ietfV6UploadSurvivesRandomDropsAndTheBytesMatch() throws Exception {
        long start = System.nanoTime();
        List<Long> cuts = cuts();
        String location;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead("POST /v1/uploads/train-video HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + device.token()
                    + "\r\nX-Filename: TRAIN.MOV\r\nX-Resource-Type: video\r\nX-Created-At: 2024-06-15T12:00:00Z"
                    + "\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: ?1\r\nContent-Length: " + SIZE);
            RawConnection.Head interim = c.readHead();
            assertThat(interim.statusLine()).startsWith("HTTP/1.1 104");
            location = interim.header("Location");
            c.sendBody(bodyFrom(0), cuts.get(0));
            c.drop();
        }
        String id = location.substring(location.lastIndexOf('/') + 1);
        int resumes = 0;
        RawConnection.Head fin = null;
        String finBody = null;
        for (int i = 1; fin == null; i++) {
            long offset = ietfOffset(location);
            assertThat(offset).as("offset after a drop").isLessThanOrEqualTo(cuts.get(Math.min(i, cuts.size()) - 1));
            assertThat(Files.size(data.resolve("spool/partial").resolve(id))).as("the bytes on disk are the offset").isEqualTo(offset);
            long stopAt = i < cuts.size() ? Math.max(cuts.get(i), offset) : SIZE;
            try (RawConnection c = new RawConnection(sidecar.port())) {
                c.sendHead("PATCH " + location + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + device.token()
                        + "\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: ?1\r\nUpload-Offset: " + offset
                        + "\r\nContent-Type: application/partial-upload\r\nExpect: 100-continue\r\nContent-Length: " + (SIZE - offset));
                RawConnection.Head go = c.readHead();
                if (go.status() != 100) {
                    assertThat(go.status()).as("a resumption is refused only while the dropped request still holds the upload")
                            .isIn(409, 423);
                    c.readBody(go);
                    Thread.sleep(50);
                    i--;
                    continue;
                }
                resumes++;
                c.sendBody(bodyFrom(offset), stopAt - offset);
                if (stopAt < SIZE) {
                    c.drop();
                } else {
                    fin = c.readHead();
                    finBody = c.readBody(fin);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(fin.status()).as("final answer %s; sidecar log:\n%s", finBody, sidecar.log()).isEqualTo(201);
        JsonNode job = JSON.readTree(finBody);
        verify(job, "train-video");
        System.out.printf("ResumableLargeUploadTest: IETF v6, %d MiB, %d drops (seed %d), %d resumptions, %.1f s%n",
                SIZE >> 20, DROPS, SEED, resumes, seconds);
    }

    /** HEAD until the dropped request has let go (the offset no longer moves), then the durable offset. */
    private long ietfOffset(String location) {
        AtomicLong before = new AtomicLong(-1);
        return await().atMost(Duration.ofSeconds(60)).pollInterval(STEADY).until(() -> {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(sidecar.uri(location))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Authorization", "Bearer " + device.token())
                    .header("Upload-Draft-Interop-Version", "6").build(), HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(r.headers().firstValue("Upload-Complete")).contains("?0");
            return Long.parseLong(r.headers().firstValue("Upload-Offset").orElseThrow());
        }, o -> o == before.getAndSet(o));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void tusUploadSurvivesRandomDropsAndTheBytesMatch() throws Exception {
        long start = System.nanoTime();
        List<Long> cuts = cuts();
        String metadata = "key " + b64("train-video-tus") + ",filename " + b64("TRAIN2.MOV") + ",resourceType " + b64("video");
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(sidecar.uri("/v1/tus/"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + device.token()).header("Tus-Resumable", "1.0.0")
                .header("Upload-Length", String.valueOf(SIZE)).header("Upload-Metadata", metadata).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String location = created.headers().firstValue("Location").orElseThrow();
        String id = location.substring(location.lastIndexOf('/') + 1);
        int resumes = 0;
        boolean done = false;
        for (int i = 0; !done; i++) {
            long offset = tusOffset(location);
            if (i > 0) {
                assertThat(offset).isLessThanOrEqualTo(cuts.get(Math.min(i, cuts.size()) - 1));
            }
            assertThat(offset == 0 || Files.size(data.resolve("spool/partial").resolve(id)) == offset).isTrue();
            long stopAt = i < cuts.size() ? Math.max(cuts.get(i), offset) : SIZE;
            try (RawConnection c = new RawConnection(sidecar.port())) {
                c.sendHead("PATCH " + location + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + device.token()
                        + "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: " + offset
                        + "\r\nContent-Type: application/offset+octet-stream\r\nExpect: 100-continue\r\nContent-Length: " + (SIZE - offset));
                RawConnection.Head go = c.readHead();
                if (go.status() != 100) {
                    assertThat(go.status()).isIn(409, 423);
                    c.readBody(go);
                    Thread.sleep(50);
                    i--;
                    continue;
                }
                resumes++;
                c.sendBody(bodyFrom(offset), stopAt - offset);
                if (stopAt < SIZE) {
                    c.drop();
                } else {
                    RawConnection.Head fin = c.readHead();
                    String finBody = c.readBody(fin);
                    assertThat(fin.status()).as("final answer %s; sidecar log:\n%s", finBody, sidecar.log()).isEqualTo(204);
                    assertThat(fin.header("Upload-Offset")).isEqualTo(String.valueOf(SIZE));
                    done = true;
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        HttpResponse<String> job = http.send(HttpRequest.newBuilder(sidecar.uri("/v1/uploads/train-video-tus"))
                .header("Authorization", "Bearer " + device.token()).build(), HttpResponse.BodyHandlers.ofString());
        verify(JSON.readTree(job.body()), "train-video-tus");
        System.out.printf("ResumableLargeUploadTest: tus, %d MiB, %d drops (seed %d), %d resumptions, %.1f s%n",
                SIZE >> 20, DROPS, SEED, resumes, seconds);
    }

    private long tusOffset(String location) {
        AtomicLong before = new AtomicLong(-1);
        return await().atMost(Duration.ofSeconds(60)).pollInterval(STEADY).until(() -> {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(sidecar.uri(location))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Authorization", "Bearer " + device.token())
                    .header("Tus-Resumable", "1.0.0").build(), HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode()).isEqualTo(200);
            return Long.parseLong(r.headers().firstValue("Upload-Offset").orElseThrow());
        }, o -> o == before.getAndSet(o));
    }

    /** The server's SHA-256, and the bytes it delivered, are the generated body's. */
    private void verify(JsonNode job, String key) throws Exception {
        String expected = expectedSha256();
        assertThat(job.path("size").asLong()).isEqualTo(SIZE);
        assertThat(job.path("sha256").asText()).as("SHA-256 the sidecar computed from its spool file").isEqualTo(expected);
        String jobPath = "/v1/jobs/" + job.path("id").asText();
        JsonNode delivered = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
                JSON.readTree(http.send(HttpRequest.newBuilder(sidecar.uri(jobPath)).header("Authorization", "Bearer " + device.token())
                        .build(), HttpResponse.BodyHandlers.ofString()).body()), j -> j.path("state").asText().equals("succeeded"));
        Path file = data.resolve("library/carol").resolve(delivered.path("remotePath").asText());
        assertThat(dev.photosidecar.spool.Sha256.ofFile(file)).as("SHA-256 of the delivered copy of the spool file").isEqualTo(expected);
        assertThat(sidecar.isAlive()).as("alive at -Xmx64m; log:\n%s", sidecar.log()).isTrue();
        assertThat(sidecar.log()).doesNotContain("OutOfMemoryError");
        try (Stream<Path> partial = Files.list(data.resolve("spool/partial"))) {
            assertThat(partial.toList()).isEmpty();
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

}
