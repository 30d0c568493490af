package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.HostileHost;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.WebDavServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "An endless PROPFIND answer, or a 256 MB Login Flow answer, runs the heap out": the real sidecar, a separate
 * JVM at {@code -Xmx128m} that any OutOfMemoryError ends, delivers to a host that calls itself Nextcloud and, for
 * alice, answers PROPFINDs, read-backs and PUTs without end, Login Flow with 256 MiB of JSON and the user
 * lookup without end, many at once. The sidecar stays up and within its heap, refuses each with its bound, and
 * delivers bob's photos meanwhile.
 */
@CrashTest
class HostileHostMemoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E+]+)$", Pattern.MULTILINE);

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void endlessAndHugeAnswersLeaveTheHeapBoundedAt128MiB() throws Exception {
        String multistatus = "<?xml version=\"1.0\" encoding=\"utf-8\"?><d:multistatus xmlns:d=\"DAV:\">";
        String response = "<d:response><d:href>/remote.php/dav/files/alice/x</d:href><d:propstat><d:prop>"
                + "<d:getcontentlength>1</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>";
        try (WebDavServer lighttpd = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"));
             HostileHost host = HostileHost.forwardingTo(lighttpd.port())
                     .upstreamPath(p -> p.startsWith("/remote.php/dav/files/") ? p.substring("/remote.php/dav/files".length()) : p)) {
            host.policy(r -> {
                String p = r.path();
                if (p.equals("/status.php")) {
                    return HostileHost.answer(200, Map.of("Content-Type", "application/json"), "{\"installed\":true,"
                            + "\"maintenance\":false,\"version\":\"32.0.1.2\",\"versionstring\":\"32.0.1\",\"productname\":\"Nextcloud\"}");
                }
                if (p.startsWith("/ocs/v2.php/cloud/capabilities")) {
                    return HostileHost.answer(200, Map.of("Content-Type", "application/json"), "{\"ocs\":{\"data\":{}}}");
                }
                if (p.equals("/index.php/login/v2")) {
                    return HostileHost.huge(200, "application/json", 256L << 20, "{\"login\":\"", 'a');
                }
                if (p.startsWith("/ocs/v1.php/cloud/user")) {
                    return HostileHost.endless(200, "application/json", "{\"ocs\":{\"data\":{\"id\":\"", "alice");
                }
                if (!p.startsWith("/remote.php/dav/files/alice/")) {
                    return null;
                }
                if (r.method().equals("PROPFIND") && p.contains(".sidecar-")) {
                    return HostileHost.endless(207, "application/xml; charset=utf-8", multistatus, response);
                }
                if (r.method().equals("PUT") && p.contains("/2024/02/")) {
                    return HostileHost.endless(201, "text/html", "<html>", "created ");
                }
                return null;
            });
            Path data = temp.resolve("data");
            SidecarProcess.Device alice = SidecarProcess.addDevice(data, "alice", "phone");
            SidecarProcess.Device bob = SidecarProcess.addDevice(data, "bob", "phone");
            Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
            env.putAll(Map.of(
                    "SIDECAR_TARGET", "nextcloud",
                    "SIDECAR_WEBDAV_URL", host.baseUrl() + "remote.php/dav/files/{user}/",
                    "SIDECAR_WEBDAV_USER", lighttpd.user(),
                    "SIDECAR_WEBDAV_PASSWORD", lighttpd.password(),
                    "SIDECAR_WEBDAV_DEADLINE", "10s",
                    "SIDECAR_MAX_ATTEMPTS", "3",
                    "SIDECAR_RETRY_INITIAL_DELAY", "1s",
                    "SIDECAR_RETRY_MAX_DELAY", "1s",
                    "SIDECAR_TIME_ZONE", "UTC"));
            try (SidecarProcess sidecar = SidecarProcess.start(env, List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"),
                    temp.resolve("sidecar.log"))) {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                AtomicLong heapPeak = new AtomicLong();
                CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
                    while (sidecar.isAlive() && !Thread.currentThread().isInterrupted()) {
                        heapPeak.accumulateAndGet(heapUsed(http, sidecar), Math::max);
                        sleep(200);
                    }
                });
                List<String> aliceJobs = new ArrayList<>();
                List<String> bobJobs = new ArrayList<>();
                for (int i = 1; i <= 6; i++) {
                    aliceJobs.add(upload(http, sidecar, alice.token(), i, 1 + i % 2));
                    bobJobs.add(upload(http, sidecar, bob.token(), i, 1 + i % 2));
                }
                // Meanwhile, phones start logins and enrollments: each answer from the host is 256 MiB or endless.
                List<CompletableFuture<HttpResponse<String>>> enrollments = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    enrollments.add(http.sendAsync(post(sidecar, "/v1/login", Map.of(), "{\"name\":\"phone " + i + "\"}"),
                            HttpResponse.BodyHandlers.ofString()));
                    enrollments.add(http.sendAsync(post(sidecar, "/v1/devices", Map.of("Authorization", "Basic "
                                    + Base64.getEncoder().encodeToString(("alice:app-password-" + i).getBytes(StandardCharsets.UTF_8))),
                            "{\"name\":\"phone " + i + "\"}"), HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> f : enrollments) {
                    HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
                    assertThat(r.body()).contains("is larger than 1.0 MiB, the most the sidecar reads for it");
                }
                await("every job succeeded or failed").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                        .until(() -> {
                            assertThat(sidecar.isAlive()).as("the sidecar is alive; its log:\n%s", sidecar.log()).isTrue();
                            return aliceJobs.stream().allMatch(id -> state(http, sidecar, alice.token(), id).equals("failed"))
                                    && bobJobs.stream().allMatch(id -> state(http, sidecar, bob.token(), id).equals("succeeded"));
                        });
                for (String id : aliceJobs) {
                    assertThat(job(http, sidecar, alice.token(), id).path("lastError").asText()).startsWith("ANSWER_TOO_LARGE: ")
                            .containsPattern("is larger than (1.0 MiB|64 KiB|[0-9.]+ KiB), the most the sidecar reads for it");
                }
                watcher.cancel(true);
                assertThat(sidecar.isAlive()).isTrue();
                assertThat(sidecar.log()).doesNotContain("OutOfMemoryError");
                assertThat(http.send(HttpRequest.newBuilder(sidecar.uri("/healthz")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode()).isEqualTo(200);
                long cut = host.acts().stream().mapToLong(HostileHost.Done::bytesSent).sum();
                System.out.printf("hostile host: heap at -Xmx128m: %d endless or 256 MiB answers (%d MiB sent in all before the"
                                + " sidecar hung up), heap peak %d MiB, alive, bob's %d photos delivered%n", host.acts().size(),
                        cut >> 20, heapPeak.get() >> 20, bobJobs.size());
            }
        }
    }

    private static long heapUsed(HttpClient http, SidecarProcess sidecar) {
        try {
            String metrics = http.send(HttpRequest.newBuilder(sidecar.uri("/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = HEAP.matcher(metrics);
            long sum = 0;
            while (m.find()) {
                sum += (long) Double.parseDouble(m.group(1));
            }
            return sum;
        } catch (Exception e) {
            return 0;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static HttpRequest post(SidecarProcess sidecar, String path, Map<String, String> headers, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(sidecar.uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::header);
        return b.build();
    }

    private static String upload(HttpClient http, SidecarProcess sidecar, String token, int i, int month) throws Exception {
        byte[] body = Files2.randomBytes(token.hashCode() + i, 20_000 + i);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(sidecar.uri("/v1/uploads/k" + i))
                .header("Authorization", "Bearer " + token)
                .header("X-Filename", "IMG_" + i + ".JPG")
                .header("X-Created-At", String.format("2024-%02d-01T10:00:00Z", month))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).path("id").asText();
    }

    private static JsonNode job(HttpClient http, SidecarProcess sidecar, String token, String id) {
        try {
            return JSON.readTree(http.send(HttpRequest.newBuilder(sidecar.uri("/v1/jobs/" + id)).header("Authorization",
                    "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String state(HttpClient http, SidecarProcess sidecar, String token, String id) {
        return job(http, sidecar, token, id).path("state").asText();
    }
}
