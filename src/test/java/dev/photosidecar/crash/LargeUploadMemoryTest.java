package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.GeneratedBody;
import dev.photosidecar.support.SidecarProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Uploading a 2 GiB body with the JVM at -Xmx64m succeeds": intake and delivery must stream, never hold a
 * body (or any sizeable part of it) in memory. The body is generated on the fly, so the test needs no 2 GiB
 * source file, and its SHA-256 is computed as it is sent.
 */
@CrashTest
class LargeUploadMemoryTest {
    private static final long SIZE = 2L << 30;
    private static final String USER = "bob";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Kept when the test fails (the big files are deleted either way; the log is the evidence). */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path temp;

    private SidecarProcess sidecar;

    @AfterEach
    void cleanUp() throws IOException {
        if (sidecar != null) {
            sidecar.close();
        }
        // 4 GiB (spool copy and library copy) must not linger on the disk, pass or fail.
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

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void a2GiBUploadIsReceivedAndDeliveredIntactBySidecarWith64MiBHeap() throws Exception {
        Path data = temp.resolve("data");
        Path log = temp.resolve("sidecar.log");
        SidecarProcess.Device device = SidecarProcess.addDevice(data, USER, "big-file phone");
        Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
        env.put("SIDECAR_WORKERS", "1");
        env.put("SIDECAR_TIME_ZONE", "UTC");
        // ExitOnOutOfMemoryError: any OOM anywhere (a request thread, a worker) ends the process, so it
        // cannot hide behind a 500 or a retried delivery; the liveness check below then catches it.
        sidecar = SidecarProcess.start(env, List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"), log);

        AtomicReference<GeneratedBody> sent = new AtomicReference<>();
        HttpRequest request = HttpRequest.newBuilder(sidecar.uri("/v1/uploads/big-2gib"))
                .timeout(Duration.ofMinutes(10))
                .header("Authorization", "Bearer " + device.token())
                .header("Content-Type", "video/quicktime")
                .header("X-Filename", "BIG_0001.MOV")
                .header("X-Resource-Type", "video")
                .header("X-Created-At", "2024-06-15T12:00:00Z")
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                    GeneratedBody body = new GeneratedBody(SIZE);
                    sent.set(body);
                    return body;
                }), SIZE))
                .build();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        long intakeStart = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // Typically the sidecar died mid-body (an OutOfMemoryError ends it, see above): say so, with its log.
            throw new AssertionError("the 2 GiB upload broke off (" + e + "); the sidecar's log:\n" + sidecar.log(), e);
        }
        double intakeSeconds = (System.nanoTime() - intakeStart) / 1e9;
        assertThat(response.statusCode()).as("answer to the 2 GiB upload: %s\nsidecar log:\n%s", response.body(), sidecar.log())
                .isEqualTo(201);
        GeneratedBody body = sent.get();
        assertThat(body.position()).as("bytes the client generated").isEqualTo(SIZE);
        String expectedSha = body.sha256();
        JsonNode created = JSON.readTree(response.body());
        assertThat(created.get("size").asLong()).isEqualTo(SIZE);
        assertThat(created.get("sha256").asText()).isEqualTo(expectedSha);

        String jobPath = response.headers().firstValue("Location").orElseThrow();
        HttpRequest poll = HttpRequest.newBuilder(sidecar.uri(jobPath)).header("Authorization", "Bearer " + device.token()).build();
        JsonNode job = await("2 GiB job delivered").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> JSON.readTree(http.send(poll, HttpResponse.BodyHandlers.ofString()).body()), j -> {
                    assertThat(j.get("state").asText()).as("job state: %s", j).isNotIn("failed", "cancelled");
                    return j.get("state").asText().equals("succeeded");
                });
        double deliverySeconds = Duration.between(Instant.parse(job.get("receivedAt").asText()),
                Instant.parse(job.get("deliveredAt").asText())).toMillis() / 1e3;

        // The delivered file is the body, byte for byte (hashed here, not taken from the sidecar's word).
        Path delivered = data.resolve("library").resolve(USER).resolve(job.get("remotePath").asText());
        assertThat(job.get("remotePath").asText()).isEqualTo("Photos/2024/06/BIG_0001.MOV");
        assertThat(Files.size(delivered)).isEqualTo(SIZE);
        assertThat(sha256(delivered)).as("SHA-256 of the delivered file").isEqualTo(expectedSha);

        // It did all that within 64 MiB of heap, and is still up to take the next one.
        assertThat(sidecar.isAlive()).as("sidecar alive after the 2 GiB upload; log:\n%s", sidecar.log()).isTrue();
        assertThat(sidecar.log()).doesNotContain("OutOfMemoryError");
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(sidecar.uri("/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);

        System.out.printf("LargeUploadMemoryTest: 2 GiB at -Xmx64m: intake %.1f s (%.0f MB/s), delivery %.1f s (%.0f MB/s)%n",
                intakeSeconds, SIZE / 1e6 / intakeSeconds, deliverySeconds, SIZE / 1e6 / deliverySeconds);
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md = newDigest();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
