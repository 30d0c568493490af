package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.GeneratedBody;
import dev.photosidecar.support.NextcloudTest;
import dev.photosidecar.support.SidecarProcess;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 600 MB video goes up to a real Nextcloud in chunks; the sidecar is killed with SIGKILL in the middle,
 * and after the restart the upload resumes from the chunks already on the host instead of starting over.
 */
@NextcloudTest
class NextcloudChunkedResumeTest {
    private static final long SIZE = 600L * 1000 * 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void aKilledChunkedUploadResumesFromTheChunksAlreadyOnTheHost() throws Exception {
        NextcloudEnv nc = NextcloudEnv.require();
        String folder = "SidecarChunks-" + UUID.randomUUID().toString().substring(0, 8);
        Path data = temp.resolve("data");
        SidecarProcess.Device device = SidecarProcess.addDevice(data, nc.user(), "video phone");
        Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
        env.putAll(Map.of("SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", nc.url(),
                "SIDECAR_WEBDAV_USER", nc.user(), "SIDECAR_WEBDAV_PASSWORD", nc.appPassword(),
                "SIDECAR_PATH_TEMPLATE", folder + "/{filename}", "SIDECAR_WORKERS", "1",
                "SIDECAR_RETRY_INITIAL_DELAY", "1s", "SIDECAR_RETRY_MAX_DELAY", "2s"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String jobPath;
        String sha;
        try (SidecarProcess first = SidecarProcess.start(env, List.of("-Xmx128m"), temp.resolve("first.log"))) {
            AtomicReference<GeneratedBody> sent = new AtomicReference<>();
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(first.uri("/v1/uploads/big-video"))
                    .header("Authorization", "Bearer " + device.token())
                    .header("X-Filename", "VID_0600.MOV").header("X-Resource-Type", "video")
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                        GeneratedBody b = new GeneratedBody(SIZE);
                        sent.set(b);
                        return b;
                    }), SIZE)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            sha = sent.get().sha256();
            jobPath = created.headers().firstValue("Location").orElseThrow();

            // Kill it once a few chunks are confirmed, while the rest are still going up.
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200)).until(() -> chunksDone(data) >= 4);
            first.kill();
        }
        int doneAtKill = chunksDone(data);

        try (SidecarProcess second = SidecarProcess.start(env, List.of("-Xmx128m"), temp.resolve("second.log"))) {
            HttpRequest poll = HttpRequest.newBuilder(second.uri(jobPath)).header("Authorization", "Bearer " + device.token()).build();
            JsonNode job = await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> JSON.readTree(http.send(poll, HttpResponse.BodyHandlers.ofString()).body()), j -> {
                        assertThat(j.path("state").asText()).as(j.toString()).isNotEqualTo("failed");
                        return j.path("state").asText().equals("succeeded");
                    });
            Matcher resumed = Pattern.compile("resuming chunked upload \\S+: (\\d+) of (\\d+) chunks already on the host")
                    .matcher(second.log());
            assertThat(resumed.find()).as("the restarted sidecar says it resumes:\n%s", second.log()).isTrue();
            int onHost = Integer.parseInt(resumed.group(1));
            int total = Integer.parseInt(resumed.group(2));
            assertThat(onHost).as("chunks kept from before the kill").isGreaterThanOrEqualTo(doneAtKill).isLessThan(total);
            assertThat(total).isGreaterThan(1);

            assertThat(job.path("remotePath").asText()).isEqualTo(folder + "/VID_0600.MOV");
            assertThat(sha256Of(nc, folder + "/VID_0600.MOV")).isEqualTo(sha);
            System.out.printf("NextcloudChunkedResumeTest: killed with %d of %d chunks confirmed; the restart found %d on the "
                    + "host and sent the other %d%n", doneAtKill, total, onHost, total - onHost);
        } finally {
            nc.dav("DELETE", folder, null);
        }
    }

    private static int chunksDone(Path data) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("ledger.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT chunks_done FROM chunk_uploads")) {
            if (!rs.next() || rs.getString(1).isBlank()) {
                return 0;
            }
            return rs.getString(1).split(",").length;
        }
    }

    private static String sha256Of(NextcloudEnv nc, String path) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(nc.filesUrl(path)))
                .header("Authorization", nc.basic()).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
