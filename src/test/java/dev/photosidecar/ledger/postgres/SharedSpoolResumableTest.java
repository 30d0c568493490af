package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import dev.photosidecar.support.SidecarProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, points 2 and 3: two sidecar processes on one PostgreSQL ledger and one spool folder, each with its own
 * data folder. A resumable (tus) upload started on A goes on through B: B's HEAD gives the offset A's append left on
 * the shared disk, B appends the rest, and the job exists once. A PATCH on B while A's append is still streaming
 * gets 423 UPLOAD_LOCKED, as a second client on one sidecar does, and once A's append is done B may append.
 */
@PostgresTest
class SharedSpoolResumableTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    @TempDir
    Path dir;

    private final List<SidecarProcess> running = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private String token;

    @AfterEach
    void stop() {
        running.forEach(SidecarProcess::close);
    }

    private Map<String, String> env(String name, int port) {
        Map<String, String> env = SidecarProcess.baseEnv(dir.resolve(name), port);
        env.put("SIDECAR_DATABASE_URL", db.jdbcUrl());
        env.put("SIDECAR_DATABASE_USER", db.user());
        env.put("SIDECAR_DATABASE_PASSWORD", db.password());
        env.put("SIDECAR_SPOOL_DIR", dir.resolve("shared-spool").toString());
        // Replicas share the secret key; one with its own generated key is refused at start-up.
        env.put("SIDECAR_SECRET_KEY", "the replicas' shared key");
        return env;
    }

    private SidecarProcess start(String name) {
        SidecarProcess s = SidecarProcess.start(env(name, SidecarProcess.freePort()), List.of("-Xmx256m"),
                dir.resolve(name + ".log"));
        running.add(s);
        return s;
    }

    @Test
    void anUploadStartedOnOneReplicaIsFinishedThroughTheOtherAndTwoWritersAreRefused() throws Exception {
        SidecarProcess a = start("a");
        SidecarProcess b = start("b");
        Map<String, String> cliEnv = env("a-cli", SidecarProcess.freePort());
        SidecarProcess.Exit added = SidecarProcess.run(cliEnv, "device", "add", "--user", "alice", "--name", "phone", "--json");
        assertThat(added.code()).as(added.err()).isZero();
        token = new com.fasterxml.jackson.databind.ObjectMapper().readTree(added.out()).get("token").asText();

        // Half on A, the offset from B, the rest on B.
        byte[] photo = Files2.randomBytes(18, 300_000);
        String location = create(a, "IMG_1", photo.length);
        assertThat(patch(a, location, 0, Arrays.copyOfRange(photo, 0, 120_000)).statusCode()).isEqualTo(204);
        HttpResponse<String> head = send(b, "HEAD", location, Map.of(), HttpRequest.BodyPublishers.noBody());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Upload-Offset")).as("B reads the offset A's append left on the shared disk")
                .hasValue("120000");
        assertThat(patch(b, location, 120_000, Arrays.copyOfRange(photo, 120_000, photo.length)).statusCode()).isEqualTo(204);
        String id = location.substring(location.lastIndexOf('/') + 1);
        assertThat(jobsWithKey("IMG_1")).as("one job for the key").isEqualTo(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> "succeeded".equals(state(id)));
        List<Path> delivered = new ArrayList<>(Files2.regularFiles(dir.resolve("a/library")));
        delivered.addAll(Files2.regularFiles(dir.resolve("b/library")));
        assertThat(delivered).as("delivered once, by either replica").hasSize(1);
        assertThat(Files2.sha256(delivered.get(0))).isEqualTo(Files2.sha256(photo));

        // A PATCH on B while A's append is still streaming: 423, and B's turn comes once A's append has ended.
        byte[] video = Files2.randomBytes(19, 400_000);
        String second = create(a, "VID_1", video.length);
        CountDownLatch release = new CountDownLatch(1);
        InputStream slow = new HeldStream(Arrays.copyOfRange(video, 0, 200_000), 100_000, release);
        CompletableFuture<HttpResponse<String>> streaming = http.sendAsync(request(a, "PATCH", second,
                        Map.of("Upload-Offset", "0", "Content-Type", "application/offset+octet-stream"),
                        HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> slow), 200_000)),
                HttpResponse.BodyHandlers.ofString());
        try {
            await("A's append under way").atMost(Duration.ofSeconds(60)).until(() -> offset(b, second) > 0);
            long during = offset(b, second);
            HttpResponse<String> refused = patch(b, second, during, Arrays.copyOfRange(video, (int) during, (int) during + 10));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(423);
            assertThat(refused.body()).contains("UPLOAD_LOCKED");
        } finally {
            release.countDown();
        }
        assertThat(streaming.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(204);
        assertThat(offset(b, second)).isEqualTo(200_000);
        assertThat(patch(b, second, 200_000, Arrays.copyOfRange(video, 200_000, video.length)).statusCode())
                .as("A's lock was let go when its append ended").isEqualTo(204);
        assertThat(jobsWithKey("VID_1")).isEqualTo(1);
    }

    /** Gives its bytes up to {@code holdAt}, then waits for {@code release} before the rest. */
    private static final class HeldStream extends InputStream {
        private final byte[] data;
        private final int holdAt;
        private final CountDownLatch release;
        private int pos;

        HeldStream(byte[] data, int holdAt, CountDownLatch release) {
            this.data = data;
            this.holdAt = holdAt;
            this.release = release;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= data.length) {
                return -1;
            }
            if (pos == holdAt) {
                try {
                    if (!release.await(120, TimeUnit.SECONDS)) {
                        throw new IOException("never released");
                    }
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            int end = pos < holdAt ? holdAt : data.length;
            int n = Math.min(len, end - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private String create(SidecarProcess s, String key, int length) throws Exception {
        String meta = "key " + b64(key) + ",filename " + b64(key + ".JPG") + ",filetype " + b64("image/jpeg");
        HttpResponse<String> r = send(s, "POST", "/v1/tus/", Map.of("Upload-Length", String.valueOf(length),
                "Upload-Metadata", meta), HttpRequest.BodyPublishers.noBody());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return r.headers().firstValue("Location").orElseThrow();
    }

    private HttpResponse<String> patch(SidecarProcess s, String location, long offset, byte[] part) throws Exception {
        return send(s, "PATCH", location, Map.of("Upload-Offset", String.valueOf(offset),
                "Content-Type", "application/offset+octet-stream"), HttpRequest.BodyPublishers.ofByteArray(part));
    }

    private long offset(SidecarProcess s, String location) throws Exception {
        return Long.parseLong(send(s, "HEAD", location, Map.of(), HttpRequest.BodyPublishers.noBody())
                .headers().firstValue("Upload-Offset").orElse("-1"));
    }

    private HttpResponse<String> send(SidecarProcess s, String method, String path, Map<String, String> headers,
                                      HttpRequest.BodyPublisher body) throws Exception {
        return http.send(request(s, method, path, headers, body), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(SidecarProcess s, String method, String path, Map<String, String> headers,
                                HttpRequest.BodyPublisher body) {
        Map<String, String> all = new HashMap<>(headers);
        all.put("Tus-Resumable", "1.0.0");
        all.put("Authorization", "Bearer " + token);
        HttpRequest.Builder r = HttpRequest.newBuilder(s.uri(path)).timeout(Duration.ofSeconds(120)).method(method, body);
        all.forEach(r::header);
        return r.build();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private int jobsWithKey(String key) throws Exception {
        try (Connection c = db.server().connect(db.name()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM jobs WHERE upload_key = '" + key + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private String state(String id) throws Exception {
        try (Connection c = db.server().connect(db.name()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT state FROM jobs WHERE id = '" + id + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
