package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.disk.DiskFull;
import dev.photosidecar.ledger.LedgerErrors;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.ScratchMount;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.TestSidecar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool on a real, small, full file system (a 16 MiB tmpfs, or a loop-mounted image; skipped with the
 * reason printed where this machine cannot mount). The kernel's own ENOSPC and EROFS are the faults: every
 * refused upload must be a 507 (never a 500) that leaves no job and no file behind, the sidecar must
 * recover by itself when space returns, and a read-only data folder must stop start-up with one clear line.
 */
@CrashTest
class DiskFaultTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MiB = 1024 * 1024;

    @TempDir
    Path tmp;
    private Path incoming;

    @Test
    void aFullDiskGets507KeepsNothingAndRecoversWhenSpaceReturns() throws Exception {
        try (ScratchMount disk = ScratchMount.mountOrSkip(tmp, 16)) {
            System.out.println("Disk faults on a " + disk.kind() + " at " + disk.dir());
            Path data = disk.dir().resolve("data");
            // No reserve: the refusals below come from the kernel's real ENOSPC, not only from the reserve check.
            // Quick retries so that a delivery that failed on the full disk is tried again soon after space returns.
            try (TestSidecar sidecar = TestSidecar.start(data, Map.of("SIDECAR_RETRY_INITIAL_DELAY", "1s",
                    "SIDECAR_RETRY_MAX_DELAY", "1s", "SIDECAR_WORKERS", "1"))) {
                String token = sidecar.enroll("alice", "phone");
                int port = sidecar.port();
                incoming = data.resolve("spool/incoming");
                Path ready = data.resolve("spool/ready");

                byte[] first = bytes(1, 100 * 1024);
                Answer a = upload(port, token, "k-first", first, false, null);
                assertThat(a.status).as(a.text).isEqualTo(201);
                awaitState(sidecar, token, a.json().path("id").asText(), "succeeded");

                // Leave about 4.5 MiB free: a 3 MiB upload still fits in the spool, but its delivery copy into
                // the library (same disk) does not, so that job stays pending on the full disk.
                Path filler = disk.dir().resolve("filler");
                fill(filler, disk, 9 * MiB / 2);
                byte[] pendingBody = bytes(2, 3 * MiB);
                Answer pending = upload(port, token, "k-pending", pendingBody, false, null);
                assertThat(pending.status).as(pending.text).isEqualTo(201);
                String pendingId = pending.json().path("id").asText();
                JsonNode stuck = awaitJob(sidecar, token, pendingId, j -> j.path("attempts").asInt() >= 1
                        && j.path("state").asText().equals("pending") && !j.path("lastError").isNull());
                System.out.println("Delivery on the full disk: job " + pendingId + " stays pending, lastError: "
                        + stuck.path("lastError").asText());
                List<String> readyBefore = names(ready);

                // 1. Known length larger than the free space: refused before a byte is written.
                Answer tooBig = upload(port, token, "k-known-length", bytes(3, 3 * MiB), false, null);
                // 2. Chunked body (no length to reserve): the kernel's ENOSPC in the middle of the body.
                Answer chunked = upload(port, token, "k-chunked", bytes(4, 3 * MiB), true, null);
                // 3. The reserve check passes at the start, then the disk fills up while the body is arriving.
                byte[] midBody = bytes(5, MiB);
                Answer filledMidway = upload(port, token, "k-filled-midway", midBody, false, () -> fillCompletely(filler));
                System.out.println("Free space after the filler grew mid-upload: " + disk.usableBytes() + " bytes");
                // 4. A zero-byte body on a 100 % full disk: the only writes left are the ledger's.
                Answer empty = upload(port, token, "k-empty", new byte[0], false, null);

                for (Answer refused : List.of(tooBig, chunked, filledMidway)) {
                    System.out.println("Full disk: " + refused.key + " -> " + refused.status + " " + refused.body());
                    assertThat(refused.status).as(refused.text).isEqualTo(507);
                    assertThat(refused.json().path("error").path("code").asText()).isEqualTo("INSUFFICIENT_STORAGE");
                }
                System.out.println("Full disk: k-empty -> " + empty.status + " " + empty.body());
                assertThat(empty.status).as("a zero-byte upload on a full disk: 201 or 507, never 500; " + empty.text)
                        .isIn(201, 507);
                // What a ledger write meets on a full disk (SQLite through Jdbi, as in the app) is recognised as
                // "disk full", which the API answers with 507 (HttpApi's exception mapping).
                fillCompletely(filler);
                RuntimeException ledgerFull = sqliteWriteOnFullDisk(disk.dir().resolve("probe.db"));
                System.out.println("SQLite on the full disk: " + ledgerFull.getMessage().lines().findFirst().orElse(""));
                assertThat(DiskFull.causedBy(ledgerFull, LedgerErrors::diskFull)).as("recognised as disk full: %s", ledgerFull).isTrue();

                // Each process writes into its own folder in incoming/ (docs/architecture.md): the files at any depth.
                assertThat(dev.photosidecar.support.Files2.regularFiles(incoming)).as("nothing half-written in spool/incoming").isEmpty();
                List<String> readyNow = names(ready);
                if (empty.status == 201) {
                    readyNow.remove(empty.json().path("id").asText());
                }
                assertThat(readyNow).as("spool/ready holds only the accepted jobs").containsExactlyInAnyOrderElementsOf(readyBefore);
                // Even reading the ledger can need a little space (SQLite's WAL index): 200 or 507, never 500.
                var stillThere = sidecar.http().get("/v1/jobs/" + pendingId, token);
                System.out.println("GET /v1/jobs/{id} on the 100 % full disk -> " + stillThere.status() + " "
                        + (stillThere.status() == 200 ? stillThere.json().path("state").asText() : stillThere.body()));
                assertThat(stillThere.status()).as(stillThere.body()).isIn(200, 507);
                if (stillThere.status() == 200) {
                    assertThat(stillThere.json().path("state").asText()).isIn("pending", "delivering");
                }

                // Space returns: no restart, the next upload is taken and the pending job delivers.
                Files.delete(filler);
                System.out.println("Filler deleted: " + disk.usableBytes() + " bytes free");
                List<String> refusedKeys = new java.util.ArrayList<>(List.of(tooBig.key, chunked.key, filledMidway.key));
                if (empty.status == 507) {
                    refusedKeys.add(empty.key);
                }
                for (String key : refusedKeys) {
                    assertThat(sidecar.http().get("/v1/uploads/" + key, token).status()).as("no job may exist for %s", key)
                            .isEqualTo(404);
                }
                byte[] afterBody = bytes(6, 2 * MiB);
                Answer after = upload(port, token, "k-after", afterBody, false, null);
                assertThat(after.status).as(after.text).isEqualTo(201);
                JsonNode delivered = awaitState(sidecar, token, pendingId, "succeeded");
                JsonNode afterJob = awaitState(sidecar, token, after.json().path("id").asText(), "succeeded");
                assertThat(sha256(sidecar.library("alice").resolve(delivered.path("remotePath").asText())))
                        .isEqualTo(sha256(pendingBody));
                assertThat(sha256(sidecar.library("alice").resolve(afterJob.path("remotePath").asText())))
                        .isEqualTo(sha256(afterBody));
                System.out.println("Recovered without a restart: k-after -> 201, job " + pendingId + " delivered after "
                        + delivered.path("attempts").asInt() + " attempt(s)");
            }
        }
    }

    @Test
    void aReadOnlyDataFolderStopsStartUpWithOneClearLine() throws Exception {
        try (ScratchMount disk = ScratchMount.mountOrSkip(tmp, 16)) {
            Path data = disk.dir().resolve("data");
            // A data folder that was in use (ledger, secret key), then its file system turned read-only.
            SidecarProcess.addDevice(data, "alice", "phone");
            disk.remountReadOnly();
            Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
            SidecarProcess.Exit exit = SidecarProcess.run(env, "serve");
            System.out.println("Read-only data folder: exit " + exit.code() + ", stderr: " + exit.err().strip());
            assertThat(exit.code()).isNotZero();
            List<String> lines = exit.err().strip().lines().filter(l -> l.startsWith("photo-sidecar:")).toList();
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).contains(data.toString()).contains("not writable").contains("Read-only file system")
                    .contains("remount it read-write");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private record Answer(String key, int status, String text) {
        String body() {
            int i = text.indexOf("\r\n\r\n");
            return i < 0 ? "" : text.substring(i + 4).strip();
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body());
        }
    }

    /**
     * Sends an upload over a plain socket, so that the test controls the body: sent with a length or
     * chunked, and optionally paused halfway to run {@code midway}. The server may answer (and stop reading)
     * before the body is complete; the answer is read whatever happened to the rest of the body.
     */
    private Answer upload(int port, String token, String key, byte[] body, boolean chunked, Runnable midway)
            throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            String head = "PUT /v1/uploads/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nX-Filename: " + key + ".jpg\r\nContent-Type: image/jpeg\r\nConnection: close\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n") + "\r\n";
            try {
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                int half = body.length / 2;
                send(out, body, 0, half, chunked);
                if (midway != null) {
                    out.flush();
                    awaitServerWrote(half);
                    midway.run();
                }
                send(out, body, half, body.length - half, chunked);
                if (chunked) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                out.flush();
            } catch (IOException serverStoppedReading) {
                // the server answered early and closed its side; its answer is still in our receive buffer
            }
            String text = readAnswer(s.getInputStream());
            String[] first = text.split(" ", 3);
            int status = first.length > 1 && first[0].startsWith("HTTP/") ? Integer.parseInt(first[1]) : -1;
            return new Answer(key, status, text);
        }
    }

    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            int n;
            while ((n = in.read(b)) >= 0) {
                buf.write(b, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // keep what arrived
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static void send(OutputStream out, byte[] body, int from, int length, boolean chunked) throws IOException {
        for (int off = from; off < from + length; off += 64 * 1024) {
            int n = Math.min(64 * 1024, from + length - off);
            if (chunked) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write(body, off, n);
            if (chunked) {
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
        }
    }

    /** Waits until the first half of the body is in the spool's temporary file: the upload is truly under way. */
    private void awaitServerWrote(int bytes) {
        await("the first " + bytes + " bytes in spool/incoming").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    try (Stream<Path> files = Files.walk(incoming)) {
                        return files.anyMatch(f -> Files.isRegularFile(f) && f.toFile().length() >= bytes);
                    }
                });
    }

    /** Grows {@code filler} until the file system has at most {@code leaveFree} bytes left. */
    private static void fill(Path filler, ScratchMount disk, long leaveFree) throws IOException {
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer block = ByteBuffer.allocate(64 * 1024);
            while (disk.usableBytes() > leaveFree) {
                long n = Math.min(block.capacity(), disk.usableBytes() - leaveFree);
                block.clear().limit((int) Math.max(1, n));
                ch.write(block);
            }
        }
    }

    /** Grows {@code filler} until the kernel says ENOSPC: 100 % full. */
    private static void fillCompletely(Path filler) {
        ScratchMount.fillCompletely(filler);
    }

    /** Writes to a fresh SQLite file through Jdbi until the full disk refuses; returns what was thrown. */
    private static RuntimeException sqliteWriteOnFullDisk(Path file) throws IOException {
        org.jdbi.v3.core.Jdbi jdbi = org.jdbi.v3.core.Jdbi.create("jdbc:sqlite:" + file);
        try {
            jdbi.useHandle(h -> {
                h.execute("CREATE TABLE t (b BLOB)");
                for (int i = 0; i < 1000; i++) {
                    h.execute("INSERT INTO t VALUES (randomblob(262144))");
                }
            });
            throw new AssertionError("SQLite wrote 256 MiB to a 16 MiB disk");
        } catch (RuntimeException e) {
            return e;
        } finally {
            for (String suffix : List.of("", "-journal", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(file + suffix));
            }
        }
    }

    private static JsonNode awaitState(TestSidecar sidecar, String token, String id, String state) {
        return awaitJob(sidecar, token, id, j -> j.path("state").asText().equals(state));
    }

    private static JsonNode awaitJob(TestSidecar sidecar, String token, String id, java.util.function.Predicate<JsonNode> test) {
        JsonNode[] last = new JsonNode[1];
        await("job " + id).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            last[0] = sidecar.http().get("/v1/jobs/" + id, token).json();
            assertThat(test.test(last[0])).as("job %s: %s", id, last[0]).isTrue();
        });
        return last[0];
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new java.util.ArrayList<>(files.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static byte[] bytes(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static String sha256(Path p) throws Exception {
        return sha256(Files.readAllBytes(p));
    }
}
