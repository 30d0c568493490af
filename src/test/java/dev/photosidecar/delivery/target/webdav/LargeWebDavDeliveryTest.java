package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.GeneratedBody;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.WebDavServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** "A 1 GiB file is delivered with the JVM at -Xmx128m": WebDAV delivery streams from the spool file. */
@CrashTest
class LargeWebDavDeliveryTest {
    private static final long SIZE = 1L << 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void a1GiBFileReachesLighttpdIntactFromASidecarWith128MiBHeap() throws Exception {
        Path data = temp.resolve("data");
        try (WebDavServer server = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"))) {
            SidecarProcess.Device device = SidecarProcess.addDevice(data, "carol", "video phone");
            Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
            env.putAll(Map.of("SIDECAR_TARGET", "webdav", "SIDECAR_WEBDAV_URL", server.baseUrl() + "{user}/",
                    "SIDECAR_WEBDAV_USER", server.user(), "SIDECAR_WEBDAV_PASSWORD", server.password(),
                    "SIDECAR_TIME_ZONE", "UTC"));
            try (SidecarProcess sidecar = SidecarProcess.start(env, List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"),
                    temp.resolve("sidecar.log"))) {
                AtomicReference<GeneratedBody> sent = new AtomicReference<>();
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(sidecar.uri("/v1/uploads/big-1gib"))
                        .timeout(Duration.ofMinutes(5))
                        .header("Authorization", "Bearer " + device.token())
                        .header("X-Filename", "BIG 0001.MOV")
                        .header("X-Created-At", "2024-06-15T12:00:00Z")
                        .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                            GeneratedBody body = new GeneratedBody(SIZE);
                            sent.set(body);
                            return body;
                        }), SIZE)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                String sha = sent.get().sha256();

                HttpRequest poll = HttpRequest.newBuilder(sidecar.uri(created.headers().firstValue("Location").orElseThrow()))
                        .header("Authorization", "Bearer " + device.token()).build();
                JsonNode job = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> JSON.readTree(http.send(poll, HttpResponse.BodyHandlers.ofString()).body()), j -> {
                            assertThat(j.path("state").asText()).as(j.toString()).isNotEqualTo("failed");
                            return j.path("state").asText().equals("succeeded");
                        });
                double seconds = Duration.between(Instant.parse(job.path("receivedAt").asText()),
                        Instant.parse(job.path("deliveredAt").asText())).toMillis() / 1e3;

                Path onHost = server.root().resolve("carol").resolve(job.path("remotePath").asText());
                assertThat(job.path("remotePath").asText()).isEqualTo("Photos/2024/06/BIG 0001.MOV");
                assertThat(Files.size(onHost)).isEqualTo(SIZE);
                assertThat(dev.photosidecar.spool.Sha256.ofFile(onHost)).isEqualTo(sha);
                assertThat(sidecar.isAlive()).isTrue();
                assertThat(sidecar.log()).doesNotContain("OutOfMemoryError");
                System.out.printf("LargeWebDavDeliveryTest: 1 GiB at -Xmx128m delivered to lighttpd in %.1f s (%.0f MB/s)%n",
                        seconds, SIZE / 1e6 / seconds);
                Files.delete(onHost);
            }
        }
    }
}
