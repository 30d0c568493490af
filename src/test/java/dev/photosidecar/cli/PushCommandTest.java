package dev.photosidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.push.MediaSamples;
import dev.photosidecar.push.UploadKeys;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.TestSidecar;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code photo-sidecar push} against the real sidecar on loopback, with real files. */
@FunctionalTest
class PushCommandTest {
    private static final Instant BASE_TIME = Instant.parse("2020-01-01T00:00:00Z");
    private static final String[] EXTENSIONS = {"heic", "jpg", "png", "mov", "mp4", "dng", "gif", "JPG", "webp", "m4v"};

    @TempDir
    Path temp;

    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return new ObjectMapper().readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
            }
        }
    }

    static Run push(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new PushCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static String[] args(TestSidecar s, String token, Path folder, String... more) {
        List<String> all = new ArrayList<>(List.of(folder.toString(), "--server", "http://127.0.0.1:" + s.port(), "--token",
                token, "--time-zone", "UTC", "--progress", "lines"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** A file with the given bytes and modification time; answers its upload key. */
    static String write(Path folder, String relative, byte[] content, Instant modified) throws IOException {
        Path f = folder.resolve(relative);
        Files.createDirectories(f.getParent());
        Files.write(f, content);
        Files.setLastModifiedTime(f, FileTime.from(modified));
        return UploadKeys.keyFor(relative, content.length, modified);
    }

    /** Spread over year and month folders, with every extension push knows. */
    static String noisePath(int i) {
        return (2000 + i % 7) + "/" + (i % 12 + 1) + "/IMG_" + i + "." + EXTENSIONS[i % EXTENSIONS.length];
    }

    static byte[] noise(Random random, int min, int max) {
        byte[] b = new byte[min + random.nextInt(max - min + 1)];
        random.nextBytes(b);
        return b;
    }

    @Test
    void pushesAThousandFilesThenNothingThenOnlyWhatChanged() throws Exception {
        Path photos = temp.resolve("photos");
        Random random = new Random(42);
        Map<String, Instant> expectedCreatedAt = new LinkedHashMap<>();
        // 10 real JPEGs with EXIF: half with an offset, half in the camera's zone (--time-zone UTC), one with sub-seconds.
        for (int i = 0; i < 10; i++) {
            LocalDateTime taken = LocalDateTime.of(2019, 3, 1 + i, 9, 30, i);
            String offset = i % 2 == 0 ? "+02:00" : null;
            byte[] jpeg = MediaSamples.jpeg(MediaSamples.exifTiff(taken, offset, i == 3 ? "5" : null, i % 3 == 0), 48, i);
            String key = write(photos, "camera/DSC_" + i + ".JPG", jpeg, BASE_TIME.plusSeconds(i));
            Instant expected = taken.toInstant(i % 2 == 0 ? java.time.ZoneOffset.ofHours(2) : java.time.ZoneOffset.UTC);
            expectedCreatedAt.put(key, i == 3 ? expected.plusMillis(500) : expected);
        }
        // 989 more of 1–20 KB without metadata: their modification time is their capture time.
        for (int i = 10; i < 999; i++) {
            Instant modified = BASE_TIME.plusSeconds(3600L * i);
            String key = write(photos, noisePath(i), noise(random, 1024, 20 * 1024), modified);
            if (i % 100 == 0) {
                expectedCreatedAt.put(key, modified);
            }
        }
        // And one whose name needs percent-encoding in X-Filename.
        String oddName = write(photos, "Caf\u00e9 #1 100%.jpg", noise(random, 1024, 2048), BASE_TIME);
        // Not photos, or hidden: never sent.
        write(photos, ".thumbnails/t.jpg", new byte[10], BASE_TIME);
        write(photos, "camera/._DSC_1.JPG", new byte[10], BASE_TIME);
        write(photos, "notes.txt", new byte[10], BASE_TIME);

        // One delivery worker: this test is about uploads, and on a small machine deliveries compete with them for CPU.
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of("SIDECAR_WORKERS", "1"))) {
            String token = s.enroll("alice", "importer");
            long t0 = System.nanoTime();
            Run first = push(args(s, token, photos, "--parallel", "8", "--json"));
            long firstMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(first.exit()).as(first.err() + first.out()).isZero();
            assertThat(first.json().path("files").asInt()).isEqualTo(1000);
            assertThat(first.json().path("uploaded").asInt()).isEqualTo(1000);
            assertThat(first.json().path("failed").asInt()).isZero();
            assertThat(first.err()).as("a plain progress line at the end, stderr not being a terminal")
                    .contains("upload: 100%  1000/1000 files").contains("MB/s").contains("ETA");

            for (Map.Entry<String, Instant> e : expectedCreatedAt.entrySet()) {
                JsonNode job = s.http().get("/v1/uploads/" + e.getKey(), token).json();
                assertThat(Instant.parse(job.path("createdAt").asText())).as(job.toString()).isEqualTo(e.getValue());
                assertThat(job.path("sha256").asText()).hasSize(64);
            }
            JsonNode odd = s.http().get("/v1/uploads/" + oddName, token).json();
            assertThat(odd.path("filename").asText()).isEqualTo("Caf\u00e9 #1 100%.jpg");
            assertThat(odd.path("contentType").asText()).isEqualTo("image/jpeg");
            JsonNode video = s.http().get("/v1/uploads/" + UploadKeys.keyFor(noisePath(13),
                    Files.size(photos.resolve(noisePath(13))), BASE_TIME.plusSeconds(3600L * 13)), token).json();
            assertThat(video.path("resourceType").asText()).isEqualTo("video");
            assertThat(video.path("contentType").asText()).isEqualTo("video/quicktime");

            Run second = push(args(s, token, photos, "--json"));
            assertThat(second.exit()).isZero();
            assertThat(second.json().path("uploaded").asInt()).isZero();
            assertThat(second.json().path("alreadyThere").asInt()).isEqualTo(1000);
            assertThat(second.err()).as("nothing to upload: no progress").doesNotContain("upload:");

            Path changed = photos.resolve("camera/DSC_4.JPG");
            Files.write(changed, MediaSamples.jpeg(MediaSamples.exifTiff(LocalDateTime.of(2019, 3, 5, 10, 0), "+02:00", null,
                    false), 64, 99));
            Files.setLastModifiedTime(changed, FileTime.from(BASE_TIME.plusSeconds(86_400)));
            Run third = push(args(s, token, photos));
            assertThat(third.exit()).as(third.err()).isZero();
            assertThat(third.out()).contains("uploaded       1").contains("already there  999");
            System.out.printf("push of 1000 files: %d ms; table:%n%s", firstMillis, third.out());
        }
    }

    @Test
    void waitsForDeliveryAndAcknowledges() throws Exception {
        Path photos = temp.resolve("photos");
        Random random = new Random(1);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            keys.add(write(photos, "IMG_" + i + ".heic", noise(random, 1000, 5000), BASE_TIME.plusSeconds(i * 86_400L * 40)));
        }
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of())) {
            String token = s.enroll("bob", "importer");
            Run run = push(args(s, token, photos, "--wait", "--acknowledge", "--wait-timeout", "60s", "--json"));
            assertThat(run.exit()).as(run.err() + run.out()).isZero();
            assertThat(run.json().path("delivery").path("delivered").asInt()).isEqualTo(12);
            assertThat(run.json().path("acknowledge").path("acknowledged").asInt()).isEqualTo(12);
            assertThat(run.err()).contains("delivery: 100%  12/12 delivered, 0 failed");
            for (String key : keys) {
                JsonNode job = s.http().get("/v1/uploads/" + key, token).json();
                assertThat(job.path("state").asText()).isEqualTo("acknowledged");
                assertThat(Files.exists(s.library("bob").resolve(job.path("remotePath").asText()))).isTrue();
            }
            Run again = push(args(s, token, photos, "--wait", "--acknowledge", "--json"));
            assertThat(again.exit()).isZero();
            assertThat(again.json().path("alreadyThere").asInt()).isEqualTo(12);
            assertThat(again.json().path("acknowledge").path("acknowledged").asInt()).as("nothing left to acknowledge").isZero();
        }
    }

    @Test
    void waitingEndsAtTheTimeoutWithTheJobsStillPendingAndExits1() throws Exception {
        Path photos = temp.resolve("photos");
        write(photos, "a.jpg", new byte[1000], BASE_TIME);
        write(photos, "b.jpg", new byte[2000], BASE_TIME);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        // The sidecar takes the uploads, but its WebDAV host is down: the jobs stay pending.
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of("SIDECAR_TARGET", "webdav",
                "SIDECAR_WEBDAV_URL", "http://127.0.0.1:" + closedPort + "/{user}/"))) {
            String token = s.enroll("ivy", "importer");
            Run run = push(args(s, token, photos, "--wait", "--wait-timeout", "2s"));
            assertThat(run.exit()).as(run.err()).isEqualTo(1);
            assertThat(run.out()).containsPattern("uploaded +2 ").containsPattern("delivered +0\n")
                    .containsPattern("still waiting +2\n")
                    .contains("waiting   a.jpg: pending").contains("waiting   b.jpg: pending")
                    // Which of the two jobs the single worker tried within the second is up to timing;
                    // at least one was tried, and its line names why it still waits.
                    .containsPattern("waiting   [ab]\\.jpg: pending \\(HOST_UNAVAILABLE");
            assertThat(run.err()).contains("delivery:   0%  0/2 delivered, 0 failed  waiting");
        }
    }

    @Test
    void aSecondRunWaitsForAndAcknowledgesWhatTheFirstLeftPending() throws Exception {
        Path photos = temp.resolve("photos");
        write(photos, "a.jpg", noise(new Random(2), 2000, 2000), BASE_TIME);
        write(photos, "b.mov", noise(new Random(3), 3000, 3000), BASE_TIME);
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of())) {
            String token = s.enroll("carol", "importer");
            assertThat(push(args(s, token, photos)).exit()).isZero();
            Run second = push(args(s, token, photos, "--acknowledge", "--json"));
            assertThat(second.exit()).as(second.err()).isZero();
            assertThat(second.json().path("uploaded").asInt()).isZero();
            assertThat(second.json().path("acknowledge").path("acknowledged").asInt()).isEqualTo(2);
        }
    }

    @Test
    void aKeyTakenByOtherBytesMeanwhileIsAConflictAndExitsWith1() throws Exception {
        Path photos = temp.resolve("photos");
        Random random = new Random(5);
        // Enough files that the push, one at a time, is still busy when the other client steps in (seconds, here).
        for (int i = 0; i < 150; i++) {
            write(photos, "a/IMG_" + i + ".jpg", noise(random, 1000, 2000), BASE_TIME.plusSeconds(i));
        }
        byte[] last = noise(random, 4000, 4000);
        String lastKey = write(photos, "zzz.jpg", last, BASE_TIME);
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of())) {
            String token = s.enroll("dan", "importer");
            CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> push(args(s, token, photos, "--parallel", "1",
                    "--json")));
            // Once uploads have started, the key check is behind the push: another client takes the key of the file it
            // sends last, with other bytes.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                    .until(() -> s.http().get("/v1/jobs?limit=1", token).json().path("jobs").size() > 0);
            byte[] other = last.clone();
            other[0] ^= 1;
            assertThat(s.http().put("/v1/uploads/" + lastKey, token, Map.of("X-Filename", "other.jpg"), other).status())
                    .isEqualTo(201);
            Run run = running.get(60, TimeUnit.SECONDS);
            assertThat(run.exit()).as(run.err()).isEqualTo(1);
            assertThat(run.json().path("conflicts").asInt()).isEqualTo(1);
            assertThat(run.json().path("uploaded").asInt()).isEqualTo(150);
            assertThat(run.json().path("problems").get(0).path("file").asText()).isEqualTo("zzz.jpg");
            assertThat(run.json().path("problems").get(0).path("message").asText()).startsWith("KEY_CONFLICT");
        }
    }

    @Test
    void aWrongTokenExitsWith2AndSaysSo() throws Exception {
        Path photos = temp.resolve("photos");
        write(photos, "a.jpg", new byte[100], BASE_TIME);
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of())) {
            s.enroll("erin", "importer");
            Run run = push(args(s, "psc_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", photos));
            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.err()).contains("photo-sidecar push: the server at http://127.0.0.1:" + s.port()
                    + "/ refused the token (UNAUTHORIZED").contains("check --token");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void anUnreachableServerExitsWith2AndSaysSo() throws Exception {
        Path photos = temp.resolve("photos");
        write(photos, "a.jpg", new byte[100], BASE_TIME);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Run run = push(photos.toString(), "--server", "http://127.0.0.1:" + closedPort, "--token", "psc_x");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("cannot reach http://127.0.0.1:" + closedPort + "/: connection refused");
    }

    @Test
    void usageErrorsExitWith2() throws Exception {
        Path photos = temp.resolve("photos");
        Files.createDirectories(photos);
        assertThat(push(photos.toString(), "--server", "http://127.0.0.1:1").exit()).as("no token").isEqualTo(2);
        Run notAFolder = push(temp.resolve("missing").toString(), "--server", "http://127.0.0.1:1", "--token", "t");
        assertThat(notAFolder.exit()).isEqualTo(2);
        assertThat(notAFolder.err()).contains("is not a folder");
        assertThat(push(photos.toString(), "--server", "ftp://x", "--token", "t").err()).contains("--server must be");
        assertThat(push(photos.toString(), "--server", "http://x", "--token", "t", "--progress", "loud").exit()).isEqualTo(2);
    }

    @Test
    void aBusyServerIsTriedAgainUntilEverythingIsIn() throws Exception {
        Path photos = temp.resolve("photos");
        Random random = new Random(8);
        for (int i = 0; i < 24; i++) {
            write(photos, "IMG_" + i + ".jpg", noise(random, 256 * 1024, 512 * 1024), BASE_TIME.plusSeconds(i));
        }
        // One upload at a time: the others get 503 OVERLOADED (Retry-After: 5, capped here to 20 ms).
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of("SIDECAR_MAX_CONCURRENT_UPLOADS", "1"))) {
            String token = s.enroll("fay", "importer");
            Run run = push(args(s, token, photos, "--parallel", "8", "--retries", "100", "--max-retry-wait", "20ms", "--json"));
            assertThat(run.exit()).as(run.err() + run.out()).isZero();
            assertThat(run.json().path("uploaded").asInt()).isEqualTo(24);
            assertThat(run.json().path("retries").asInt()).isPositive();
        }
    }

    @Test
    void aFullDiskFailsTheFilesAfterTheRetriesAndExitsWith1() throws Exception {
        Path photos = temp.resolve("photos");
        write(photos, "a.jpg", new byte[1000], BASE_TIME);
        write(photos, "b.jpg", new byte[2000], BASE_TIME);
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of("SIDECAR_SPOOL_RESERVE_BYTES", "1000TiB"))) {
            String token = s.enroll("gil", "importer");
            Run run = push(args(s, token, photos, "--retries", "2", "--max-retry-wait", "10ms"));
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.out()).contains("failed         2").contains("failed    a.jpg: INSUFFICIENT_STORAGE")
                    .contains("(gave up after 2 retries)").contains("4 retries");
        }
    }

    @Test
    void onATerminalTheProgressIsABarRedrawnInPlace() throws Exception {
        Path photos = temp.resolve("photos");
        Random random = new Random(9);
        for (int i = 0; i < 5; i++) {
            write(photos, "IMG_" + i + ".png", noise(random, 1000, 2000), BASE_TIME.plusSeconds(i));
        }
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of())) {
            String token = s.enroll("hal", "importer");
            List<String> a = new ArrayList<>(List.of(args(s, token, photos)));
            a.set(a.indexOf("lines"), "bar");
            Run run = push(a.toArray(String[]::new));
            assertThat(run.exit()).isZero();
            assertThat(run.err()).startsWith("\rupload [").contains("\rupload [========================] 5/5 files")
                    .endsWith("\n").doesNotContain("upload:");
        }
    }
}
