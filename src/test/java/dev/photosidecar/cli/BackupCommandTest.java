package dev.photosidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code photo-sidecar backup} against a real serving sidecar (a child JVM) while uploads are arriving, then
 * a restore of that copy, the secret key and the spool into a fresh data folder, and a start from it.
 *
 * <p>The first sidecar delivers to a real WebDAV server (lighttpd) that is stopped once the sidecar is up, so
 * every job stays {@code pending} (host unavailable, no attempt spent) and keeps its spool copy: the backup holds jobs that
 * still need their bytes, which is what makes a restore interesting. The restored sidecar delivers to its
 * local folder instead.
 */
@WebDavTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one sidecar and one backup under load for all three tests
class BackupCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    /** What the backup under load left: the copy and its --json report, and what the uploads around it did. */
    record BackedUp(SidecarProcess.Device device, Path dataA, Path backup, JsonNode copy, int uploadedBeforeBackup,
                    int uploadedAfterBackup, Map<String, String> sha256ByKey, SidecarProcess.Exit again, byte[] before) {
    }

    BackedUp backedUp;

    /**
     * The first sidecar serves uploads while {@code backup} runs, then a second backup to the same name is tried;
     * the sidecar is stopped before the tests look at what is left.
     */
    @BeforeAll
    void backUpWhileServing() throws Exception {
        Path dataA = tmp.resolve("a");
        Path backup = tmp.resolve("backups/ledger-copy.db");
        Files.createDirectories(backup.getParent());
        SidecarProcess.Device device = SidecarProcess.addDevice(dataA, "alice", "phone");
        Map<String, String> envA = SidecarProcess.baseEnv(dataA, SidecarProcess.freePort());
        Map<String, String> sha256ByKey = new ConcurrentHashMap<>();
        try (WebDavServer dav = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, tmp.resolve("dav"))) {
            envA.put("SIDECAR_TARGET", "webdav");
            envA.put("SIDECAR_WEBDAV_URL", dav.baseUrl() + "{user}/");
            envA.put("SIDECAR_WEBDAV_USER", dav.user());
            envA.put("SIDECAR_WEBDAV_PASSWORD", dav.password());
            try (SidecarProcess a = SidecarProcess.start(envA, List.of(), tmp.resolve("a.log"))) {
                // The host goes away once the sidecar is up: from now on every job waits in the spool.
                dav.stop();
                AtomicInteger uploaded = new AtomicInteger();
                AtomicBoolean backupDone = new AtomicBoolean();
                // Uploads keep arriving until the backup has finished (and a few more), so it runs under load.
                CompletableFuture<Void> uploads = CompletableFuture.runAsync(() -> {
                    HttpClient http = HttpClient.newHttpClient();
                    for (int i = 0; i < 450 && !(backupDone.get() && uploaded.get() % 10 == 0); i++) {
                        byte[] body = new byte[64 * 1024];
                        new Random(i).nextBytes(body);
                        String key = "photo-" + i;
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(a.uri("/v1/uploads/" + key))
                                    .header("Authorization", "Bearer " + device.token()).header("X-Filename", key + ".jpg")
                                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        sha256ByKey.put(key, sha256(body));
                        uploaded.incrementAndGet();
                    }
                });
                await().atMost(Duration.ofSeconds(60)).until(() -> uploaded.get() >= 5 || uploads.isDone());
                int uploadedBeforeBackup = uploaded.get();
                JsonNode copy = JSON.readTree(SidecarProcess.runCli(dataA, "backup", backup.toString(), "--json"));
                int uploadedAfterBackup = uploaded.get();
                backupDone.set(true);
                uploads.get();
                System.out.println("backup --json while uploads went on (" + uploadedBeforeBackup + " done when it started, "
                        + uploadedAfterBackup + " when it ended, " + uploaded.get() + " in all): " + copy.toString());

                // A second backup to the same name, while the sidecar still serves.
                byte[] before = Files.readAllBytes(backup);
                SidecarProcess.Exit again = SidecarProcess.run(Map.of("SIDECAR_DATA_DIR", dataA.toString()),
                        "backup", backup.toString());
                System.out.println("backup to an existing file: exit " + again.code() + ", " + again.err().strip());
                assertThat(a.stop()).isIn(0, 143);
                backedUp = new BackedUp(device, dataA, backup, copy, uploadedBeforeBackup, uploadedAfterBackup, sha256ByKey,
                        again, before);
            }
        }
    }

    @Test
    void theCopyTakenWhileUploadsArriveHoldsTheJobsCommittedBeforeItEnded() throws Exception {
        int uploadedBeforeBackup = backedUp.uploadedBeforeBackup();
        int uploadedAfterBackup = backedUp.uploadedAfterBackup();
        JsonNode copy = backedUp.copy();
        Path backup = backedUp.backup();
        assertThat(uploadedAfterBackup).as("uploads were still arriving while the backup ran").isGreaterThan(uploadedBeforeBackup);

        // The copy is what it says.
        assertThat(copy.path("file").asText()).isEqualTo(backup.toString());
        assertThat(copy.path("bytes").asLong()).isEqualTo(Files.size(backup));
        assertThat(copy.path("jobs").asLong()).isBetween((long) uploadedBeforeBackup, (long) uploadedAfterBackup);
        assertThat(countRows(backup, "SELECT count(*) FROM jobs")).isEqualTo(copy.path("jobs").asLong());
    }

    @Test
    void aSecondBackupToTheSameNameIsRefusedAndLeavesTheCopyAlone() throws Exception {
        Path backup = backedUp.backup();
        SidecarProcess.Exit again = backedUp.again();
        assertThat(again.code()).isNotZero();
        assertThat(again.err()).contains(backup.toString()).contains("exists already");
        assertThat(Files.readAllBytes(backup)).isEqualTo(backedUp.before());
        try (Stream<Path> left = Files.list(backup.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("ledger-copy.db");
        }
    }

    @Test
    void aRestoreIntoAFreshDataFolderDeliversTheBackedUpJobsAndSetsAsideWhatTheCopyDoesNotKnow() throws Exception {
        Path dataA = backedUp.dataA();
        Path dataB = tmp.resolve("b");
        Path backup = backedUp.backup();
        SidecarProcess.Device device = backedUp.device();
        Map<String, String> sha256ByKey = backedUp.sha256ByKey();

        // Restore (docs/operations.md): the ledger copy, the secret key, the spool's ready/ folder.
        Files.createDirectories(dataB.resolve("spool/ready"));
        Files.copy(backup, dataB.resolve("ledger.db"));
        Files.copy(dataA.resolve("secret.key"), dataB.resolve("secret.key"));
        List<String> spoolCopied = new ArrayList<>();
        try (Stream<Path> files = Files.list(dataA.resolve("spool/ready"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dataB.resolve("spool/ready").resolve(f.getFileName()));
                spoolCopied.add(f.getFileName().toString());
            }
        }
        // One pending job's spool copy did not make it: start-up must fail it, saying why, not lose it silently.
        List<String> backedUpIds = ids(backup);
        String lostId = backedUpIds.get(0);
        Files.delete(dataB.resolve("spool/ready").resolve(lostId));

        Map<String, String> envB = SidecarProcess.baseEnv(dataB, SidecarProcess.freePort());
        try (SidecarProcess b = SidecarProcess.start(envB, List.of(), tmp.resolve("b.log"))) {
            HttpClient http = HttpClient.newHttpClient();
            await("restored jobs delivered").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                JsonNode jobs = get(http, b.uri("/v1/jobs?limit=500"), device.token()).path("jobs");
                Map<String, String> states = new HashMap<>();
                jobs.forEach(j -> states.put(j.path("id").asText(), j.path("state").asText()));
                assertThat(states.keySet()).containsExactlyInAnyOrderElementsOf(backedUpIds);
                backedUpIds.stream().filter(id -> !id.equals(lostId))
                        .forEach(id -> assertThat(states.get(id)).as(id).isEqualTo("succeeded"));
            });
            JsonNode lost = get(http, b.uri("/v1/jobs/" + lostId), device.token());
            System.out.println("restored job without its spool copy: " + lost.path("state").asText() + ", "
                    + lost.path("lastError").asText());
            assertThat(lost.path("state").asText()).isEqualTo("failed");
            assertThat(lost.path("lastError").asText()).contains("spool copy of this upload is missing");
            for (String id : backedUpIds) {
                JsonNode job = get(http, b.uri("/v1/jobs/" + id), device.token());
                if (!id.equals(lostId)) {
                    Path landed = dataB.resolve("library/alice").resolve(job.path("remotePath").asText());
                    assertThat(sha256(Files.readAllBytes(landed))).isEqualTo(sha256ByKey.get(job.path("key").asText()));
                }
            }
            // The old device token still works against the restored ledger.
            HttpResponse<String> fresh = http.send(HttpRequest.newBuilder(b.uri("/v1/uploads/after-restore"))
                    .header("Authorization", "Bearer " + device.token()).header("X-Filename", "after.jpg")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(fresh.statusCode()).as(fresh.body()).isEqualTo(201);
            // The uploads that came after the backup are in the copied spool but not in the restored ledger: kept aside.
            List<String> extra = spoolCopied.stream().filter(id -> !backedUpIds.contains(id)).sorted().toList();
            List<String> quarantined = new ArrayList<>();
            if (Files.isDirectory(dataB.resolve("quarantine"))) {
                try (Stream<Path> files = Files.walk(dataB.resolve("quarantine"))) {
                    files.filter(Files::isRegularFile).forEach(f -> quarantined.add(f.getFileName().toString()));
                }
            }
            assertThat(quarantined).as("spool files the restored ledger does not know").containsExactlyInAnyOrderElementsOf(extra);
            System.out.println("restored: " + backedUpIds.size() + " jobs from the backup, " + (backedUpIds.size() - 1)
                    + " delivered from the copied spool (" + spoolCopied.size() + " spool files copied, the " + extra.size()
                    + " newer than the backup moved to quarantine), 1 failed for its missing spool copy; the old device token"
                    + " uploads again");
        }
    }

    private static JsonNode get(HttpClient http, URI uri, String token) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static long countRows(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); ResultSet rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    private static List<String> ids(Path db) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT id FROM jobs ORDER BY received_at")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
