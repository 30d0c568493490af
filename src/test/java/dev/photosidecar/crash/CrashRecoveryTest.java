package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.SidecarProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test: the sidecar is killed with SIGKILL, again and again, while uploads and deliveries
 * are in flight, and restarted on the same data folder. Afterwards every upload that got a 2xx is in the
 * library exactly once and intact, and no upload that did not get one has a job.
 *
 * <p>Clients behave like phones: one stable key per photo, and an upload whose connection broke is sent
 * again with the same key once the sidecar is back, until it gets a 2xx. A crash after the job row
 * committed but before the answer reached the client is therefore expected to show up as a 200 replay on
 * the retry; "eventually got a 2xx" is what a normal client needs. Separately, some uploads are cut off
 * mid-body on purpose and never retried: those keys must never have a job.
 *
 * <p>The run is random; its seed is printed, and {@code -Dcrash.seed=N} replays the same files, sizes and
 * kill delays (thread timing still varies).
 */
class CrashRecoveryTest {
    private static final String USER = "alice";
    private static final int CLIENTS = 5;
    private static final int KILLS = 6;
    private static final int MIN_SIZE = 4 * 1024;
    private static final int MAX_SIZE = 4 * 1024 * 1024;
    private static final Duration RESTART_WAIT = Duration.ofSeconds(60);
    /**
     * Quick restarts matter more here than peak speed: on two cores a cold sidecar JVM takes ~4 s to get ready
     * with the default JIT and GC, ~2 s with these, and every second it is down is a second nobody uploads.
     */
    private static final List<String> JVM_ARGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RECOVERED = Pattern.compile("Recovered (\\d+) job\\(s\\) that were being delivered");
    private static final Pattern SWEPT = Pattern.compile("removed (\\d+) partial upload\\(s\\) and (\\d+) file\\(s\\)");

    /** Kept when the test fails: the data folder and the sidecar's log are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path temp;

    private Path dataDir;
    private Path logFile;
    private SidecarProcess.Device device;
    private Map<String, String> env;

    /** The sidecar clients may talk to right now, or null while it is down. Numbered so a client can wait for a restart. */
    private final AtomicReference<Generation> live = new AtomicReference<>();
    private volatile SidecarProcess current;
    private final ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);

    private final AtomicBoolean stopNewUploads = new AtomicBoolean();
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final AtomicInteger uploadsInFlight = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final Queue<String> cutKeys = new ConcurrentLinkedQueue<>();
    private final AtomicInteger cutSent = new AtomicInteger();
    private final AtomicInteger cutAnswered400 = new AtomicInteger();

    private record Generation(int number, SidecarProcess process, HttpClient http) {
    }

    /** One photo a phone wants to upload. Everything about it follows from the seed and its index. */
    private record Upload(String key, String filename, Instant createdAt, boolean sendDigest, byte[] body, String sha256) {
        static Upload generate(long seed, int index) {
            // SplittableRandom scrambles its seed; java.util.Random's first values for neighbouring seeds are
            // nearly equal, which would make every file about the same size.
            SplittableRandom r = new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L));
            double logSize = Math.log(MIN_SIZE) + r.nextDouble() * (Math.log(MAX_SIZE) - Math.log(MIN_SIZE));
            byte[] body = new byte[(int) Math.round(Math.exp(logSize))];
            r.nextBytes(body);
            Instant from = Instant.parse("2018-01-01T00:00:00Z");
            Instant createdAt = from.plusSeconds((long) (r.nextDouble() * Duration.ofDays(8 * 365).toSeconds()));
            return new Upload(String.format("photo-%04d", index), String.format("IMG_%04d.JPG", index), createdAt,
                    r.nextBoolean(), body, CrashRecoveryTest.sha256(body));
        }

        /** Where the default template {@code Photos/{yyyy}/{MM}/{filename}} puts it (the sidecar runs in UTC here). */
        String expectedPath() {
            ZonedDateTime t = createdAt.atZone(ZoneOffset.UTC);
            return String.format("Photos/%04d/%02d/%s", t.getYear(), t.getMonthValue(), filename);
        }
    }

    /** How an upload ended for its client: the 2xx it finally got, after how many tries. */
    private record Outcome(String key, String expectedPath, long size, String sha256, int status, int attempts,
                           int lostConnections) {
    }

    @AfterEach
    void killLeftovers() {
        stopNewUploads.set(true);
        pool.shutdownNow();
        SidecarProcess p = current;
        if (p != null) {
            p.close();
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyAcknowledgedUploadIsDeliveredExactlyOnceAcrossRepeatedSigkillsAndNoCutOffUploadLeavesAJob()
            throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("CrashRecoveryTest seed: " + seed + " (rerun with -Dcrash.seed=" + seed + ")");
        Random random = new Random(seed);
        long started = System.nanoTime();

        dataDir = temp.resolve("data");
        logFile = temp.resolve("sidecar.log");
        System.out.println("CrashRecoveryTest data folder " + dataDir + ", sidecar log " + logFile);
        device = SidecarProcess.addDevice(dataDir, USER, "crash-test phone");
        env = SidecarProcess.baseEnv(dataDir, SidecarProcess.freePort());
        env.put("SIDECAR_TIME_ZONE", "UTC");
        env.put("SIDECAR_WORKERS", "4");

        startGeneration(1);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            clients.add(pool.submit(() -> runClient(seed)));
        }
        Future<?> cutter = pool.submit(() -> runCutter(new Random(seed ^ 0x5DEECE66DL)));

        int tempFilesSeenAfterKills = 0;
        int incomingFilesSeenAfterKills = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            // A random moment, but only one at which uploads are actually running (deliveries run behind them).
            long delayMillis = 500 + random.nextInt(2500);
            await("uploads in flight before kill " + kill)
                    .pollDelay(Duration.ofMillis(delayMillis)).pollInterval(Duration.ofMillis(5))
                    .atMost(Duration.ofMillis(delayMillis).plusSeconds(60))
                    .until(() -> uploadsInFlight.get() >= 2);
            Generation gen = live.getAndSet(null);
            gen.process().kill();
            // What the kill cut through: half-written delivery temp files and half-received spool files.
            tempFilesSeenAfterKills += countFiles(dataDir.resolve("library"), n -> n.startsWith(".sidecar-"));
            incomingFilesSeenAfterKills += countFiles(dataDir.resolve("spool/incoming"), n -> true);
            startGeneration(kill + 1);
        }

        // The last run is never killed: let every client finish (retrying against it) and the cutter stop.
        stopNewUploads.set(true);
        for (Future<?> f : clients) {
            f.get(3, TimeUnit.MINUTES);
        }
        cutter.get(1, TimeUnit.MINUTES);
        Generation last = live.get();

        Map<String, Outcome> expected = outcomes.stream().collect(Collectors.toMap(Outcome::key, o -> o));
        assertThat(expected).hasSize(outcomes.size());
        Map<String, JsonNode> jobs = awaitAllSucceeded(last, expected.keySet());

        // Every 2xx upload has exactly its job, delivered where the template says, with the bytes the client sent.
        assertThat(jobs.keySet()).as("keys with a job").containsExactlyInAnyOrderElementsOf(expected.keySet());
        Path userRoot = dataDir.resolve("library").resolve(USER);
        for (Outcome o : expected.values()) {
            JsonNode job = jobs.get(o.key());
            assertThat(job.get("sha256").asText()).as("sha256 of job for %s", o.key()).isEqualTo(o.sha256());
            assertThat(job.get("size").asLong()).as("size of job for %s", o.key()).isEqualTo(o.size());
            assertThat(job.get("remotePath").asText()).as("remotePath of %s", o.key()).isEqualTo(o.expectedPath());
            assertThat(sha256(userRoot.resolve(o.expectedPath()))).as("delivered bytes of %s", o.key()).isEqualTo(o.sha256());
        }
        // A 200 is a replay: the first try can never get one, only a retry after a lost answer.
        for (Outcome o : expected.values()) {
            if (o.status() == 200) {
                assertThat(o.lostConnections()).as("lost connections before the replay of %s", o.key()).isPositive();
            }
        }
        // A body cut off mid-way never leaves a job behind, whenever the cut (or a kill) happened.
        List<String> cut = List.copyOf(cutKeys);
        for (String key : cut) {
            HttpResponse<String> r = last.http().send(HttpRequest.newBuilder(last.process().uri("/v1/uploads/" + key))
                    .header("Authorization", "Bearer " + device.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("GET /v1/uploads/%s (cut off mid-body): %s", key, r.body()).isEqualTo(404);
        }

        int exit = last.process().stop();
        live.set(null);
        current = null;

        // The library holds each acknowledged photo exactly once, and nothing else: no copies, no temp files.
        List<Path> libraryFiles;
        try (Stream<Path> walk = Files.walk(dataDir.resolve("library"))) {
            libraryFiles = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(libraryFiles).as("hidden files (e.g. .sidecar-*.tmp) left in the library")
                .filteredOn(p -> p.getFileName().toString().startsWith(".")).isEmpty();
        Map<String, Integer> delivered = new TreeMap<>();
        for (Path p : libraryFiles) {
            delivered.merge(sha256(p), 1, Integer::sum);
        }
        Map<String, Integer> wanted = new TreeMap<>();
        expected.values().forEach(o -> wanted.merge(o.sha256(), 1, Integer::sum));
        assertThat(delivered).as("SHA-256 → count of the files in the library").isEqualTo(wanted);

        // Everything delivered was let go of by the spool.
        assertThat(countFiles(dataDir.resolve("spool/ready"), n -> true)).as("files in spool/ready").isZero();
        assertThat(countFiles(dataDir.resolve("spool/incoming"), n -> true)).as("files in spool/incoming").isZero();

        // The ledger survived the kills intact and holds exactly the acknowledged uploads.
        Map<String, String> ledgerStates = new HashMap<>();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("ledger.db"));
             Statement st = db.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).as("PRAGMA integrity_check").isEqualTo("ok");
            }
            try (ResultSet rs = st.executeQuery("SELECT upload_key, state FROM jobs")) {
                while (rs.next()) {
                    ledgerStates.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        assertThat(ledgerStates.keySet()).as("keys with a job in the ledger").containsExactlyInAnyOrderElementsOf(expected.keySet());
        assertThat(ledgerStates.values()).as("job states in the ledger").containsOnly("succeeded");

        String log = Files.readString(logFile);
        int recoveredDeliveries = sumOf(RECOVERED, log, 1);
        long replays = expected.values().stream().filter(o -> o.status() == 200).count();
        System.out.printf("CrashRecoveryTest: %d uploads acknowledged (%d created, %d replays seen), %d MiB, "
                        + "%d lost connections retried, %d SIGKILLs, %d cut-off uploads (%d answered 400, none has a job); "
                        + "after the kills: %d delivery temp files and %d partial spool files found, %d deliveries "
                        + "recovered, %d partial uploads swept; final SIGTERM exit %d; seed %d; %.1f s%n",
                expected.size(), expected.size() - replays, replays,
                expected.values().stream().mapToLong(Outcome::size).sum() >> 20,
                expected.values().stream().mapToInt(Outcome::lostConnections).sum(), KILLS, cut.size(),
                cutAnswered400.get(), tempFilesSeenAfterKills, incomingFilesSeenAfterKills, recoveredDeliveries,
                sumOf(SWEPT, log, 1), exit, seed, (System.nanoTime() - started) / 1e9);
        // The run really did what it claims: kills landed on running deliveries, and cut-offs reached the sidecar.
        assertThat(recoveredDeliveries).as("deliveries in flight at a kill (leases recovered at restart)").isPositive();
        assertThat(cutSent.get()).as("cut-off uploads that reached the sidecar").isPositive();
    }

    private void startGeneration(int number) {
        SidecarProcess p = SidecarProcess.start(env, JVM_ARGS, logFile);
        current = p;
        // A fresh client per run: no pooled connection to a dead process is ever reused.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        live.set(new Generation(number, p, http));
    }

    /** Waits (like a phone that lost its connection) until a sidecar run newer than {@code after} is up. */
    private Generation awaitRunAfter(int after, String why) {
        return await(why).atMost(RESTART_WAIT).pollInterval(Duration.ofMillis(10))
                .until(live::get, g -> g != null && g.number() > after);
    }

    /** A phone: uploads new photos until told to stop; each one is retried with its key until it gets a 2xx. */
    private void runClient(long seed) {
        while (!stopNewUploads.get()) {
            int index = nextIndex.getAndIncrement();
            outcomes.add(uploadUntilAcknowledged(Upload.generate(seed, index)));
            completed.incrementAndGet();
        }
    }

    private Outcome uploadUntilAcknowledged(Upload u) {
        int attempts = 0;
        int lost = 0;
        int failedRun = 0;
        String lastFailure = "";
        while (true) {
            Generation gen = awaitRunAfter(failedRun, "a sidecar run after run " + failedRun + " for " + u.key()
                    + " (its last try failed with: " + lastFailure + ")");
            attempts++;
            uploadsInFlight.incrementAndGet();
            try {
                HttpResponse<String> r = gen.http().send(uploadRequest(gen, u), HttpResponse.BodyHandlers.ofString());
                int status = r.statusCode();
                if (status != 200 && status != 201) {
                    throw new AssertionError("upload " + u.key() + " (try " + attempts + ") got " + status + ": " + r.body());
                }
                JsonNode job = JSON.readTree(r.body());
                assertThat(job.get("key").asText()).isEqualTo(u.key());
                assertThat(job.get("sha256").asText()).as("sha256 answered for %s", u.key()).isEqualTo(u.sha256());
                assertThat(job.get("size").asLong()).as("size answered for %s", u.key()).isEqualTo(u.body().length);
                assertThat(r.headers().firstValue("Location")).hasValue("/v1/jobs/" + job.get("id").asText());
                return new Outcome(u.key(), u.expectedPath(), u.body().length, u.sha256(), status, attempts, lost);
            } catch (IOException e) {
                // The sidecar died under us (or refused the connection while down): try again after the restart.
                lost++;
                failedRun = gen.number();
                lastFailure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                uploadsInFlight.decrementAndGet();
            }
        }
    }

    private HttpRequest uploadRequest(Generation gen, Upload u) {
        HttpRequest.Builder b = HttpRequest.newBuilder(gen.process().uri("/v1/uploads/" + u.key()))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + device.token())
                .header("Content-Type", "image/jpeg")
                .header("X-Filename", URLEncoder.encode(u.filename(), StandardCharsets.UTF_8))
                .header("X-Created-At", u.createdAt().toString())
                .PUT(HttpRequest.BodyPublishers.ofByteArray(u.body()));
        if (u.sendDigest()) {
            b.header("Content-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(u.sha256())) + ":");
        }
        return b.build();
    }

    /**
     * Sends uploads that break off mid-body and are never retried, paced by the normal clients' progress:
     * headers with Content-Length N, fewer than N bytes, then a half-close (and read the answer), a close, or
     * a reset. Every key it tries is remembered, whether or not the connection even got through.
     */
    private void runCutter(Random r) {
        int n = 0;
        while (!stopNewUploads.get()) {
            int seen = completed.get();
            await("normal uploads progressing").atMost(RESTART_WAIT.multipliedBy(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> stopNewUploads.get() || completed.get() >= seen + 2);
            Generation gen = live.get();
            if (stopNewUploads.get() || gen == null) {
                continue;
            }
            String key = String.format("cut-%04d", n++);
            cutKeys.add(key);
            int declared = 64 * 1024 + r.nextInt(2 * 1024 * 1024);
            byte[] partial = new byte[r.nextInt(declared)];
            r.nextBytes(partial);
            int mode = r.nextInt(3);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", gen.process().port()), 5000);
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(("PUT /v1/uploads/" + key + " HTTP/1.1\r\n"
                        + "Host: 127.0.0.1:" + gen.process().port() + "\r\n"
                        + "Authorization: Bearer " + device.token() + "\r\n"
                        + "Content-Type: image/jpeg\r\n"
                        + "X-Filename: CUT_" + key + ".JPG\r\n"
                        + "Content-Length: " + declared + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(partial);
                out.flush();
                cutSent.incrementAndGet();
                if (mode == 0) {
                    // Half-close: the sidecar sees the body end early and can still answer.
                    s.shutdownOutput();
                    String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                    if (status != null && status.startsWith("HTTP/1.1 400")) {
                        cutAnswered400.incrementAndGet();
                    } else if (status != null) {
                        throw new AssertionError("cut-off upload " + key + " was answered: " + status);
                    }
                } else if (mode == 1) {
                    s.setSoLinger(true, 0); // close with a reset, like a phone dropping off the network
                }
            } catch (IOException killedOrRefused) {
                // The sidecar was being killed: this key must have no job either.
            }
        }
    }

    private Map<String, JsonNode> awaitAllSucceeded(Generation gen, Set<String> keys) {
        return await("every acknowledged upload delivered").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> jobsByKey(gen), jobs -> {
                    jobs.values().stream().filter(j -> j.get("state").asText().equals("failed")).findFirst().ifPresent(j -> {
                        throw new AssertionError("a job failed: " + j);
                    });
                    return keys.stream().allMatch(k -> jobs.containsKey(k) && jobs.get(k).get("state").asText().equals("succeeded"));
                });
    }

    /** All of the device's jobs, through the API's paged listing. */
    private Map<String, JsonNode> jobsByKey(Generation gen) throws IOException, InterruptedException {
        Map<String, JsonNode> jobs = new HashMap<>();
        String cursor = null;
        do {
            String query = "/v1/jobs?limit=500" + (cursor == null ? "" : "&cursor=" + cursor);
            HttpResponse<String> r = gen.http().send(HttpRequest.newBuilder(gen.process().uri(query))
                    .header("Authorization", "Bearer " + device.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("GET %s: %s", query, r.body()).isEqualTo(200);
            JsonNode page = JSON.readTree(r.body());
            page.get("jobs").forEach(j -> jobs.put(j.get("key").asText(), j));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        } while (cursor != null);
        return jobs;
    }

    private static int countFiles(Path root, java.util.function.Predicate<String> name) throws IOException {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return (int) walk.filter(Files::isRegularFile).filter(p -> name.test(p.getFileName().toString())).count();
        }
    }

    private static int sumOf(Pattern p, String text, int group) {
        int sum = 0;
        Matcher m = p.matcher(text);
        while (m.find()) {
            sum += Integer.parseInt(m.group(group));
        }
        return sum;
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static String sha256(Path file) {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
