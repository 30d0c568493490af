package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.SidecarProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Phones uploading to a sidecar that is killed and restarted under them ({@link SidecarRuns}), or to replicas one
 * of which dies ({@link Replicas}). Each phone
 * uploads new photos, one stable key per photo, and sends an upload whose connection broke again with the
 * same key once the sidecar is back, until it gets a 2xx: a crash after the job row committed but before the
 * answer arrived shows up as a 200 replay on the retry. A separate "cutter" sends uploads that break off
 * mid-body on purpose and are never retried: those keys must never have a job.
 *
 * <p>Everything about a photo follows from the seed and its index. Each body is handed to the connection in
 * 64 KiB pieces, so a test can see (and act on) the moment an upload is half sent or completely sent.
 */
final class Phones implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PIECE = 64 * 1024;

    /** Where an upload is, as its phone sees it. */
    enum Stage {
        /** The body is still going out. */
        SENDING,
        /** The whole body went out; the answer has not come (the sidecar is fsyncing and committing). */
        AWAITING_ANSWER
    }

    /** Told as each piece of a body is handed to the connection; may kill the sidecar then and there. */
    interface BodyWatch {
        void progress(Upload upload, long handedOver);
    }

    /** One photo a phone wants to upload. */
    record Upload(String key, String filename, Instant createdAt, boolean sendDigest, byte[] body, String sha256) {
        static Upload generate(long seed, int index, int minSize, int maxSize) {
            // SplittableRandom scrambles its seed; java.util.Random's first values for neighbouring seeds are
            // nearly equal, which would make every file about the same size.
            SplittableRandom r = new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L));
            double logSize = Math.log(minSize) + r.nextDouble() * (Math.log(maxSize) - Math.log(minSize));
            byte[] body = new byte[(int) Math.round(Math.exp(logSize))];
            r.nextBytes(body);
            Instant from = Instant.parse("2018-01-01T00:00:00Z");
            Instant createdAt = from.plusSeconds((long) (r.nextDouble() * Duration.ofDays(8 * 365).toSeconds()));
            return new Upload(String.format("photo-%04d", index), String.format("IMG_%04d.JPG", index), createdAt,
                    r.nextBoolean(), body, Files2.sha256(body));
        }

        /** Where the default template {@code Photos/{yyyy}/{MM}/{filename}} puts it (the sidecar runs in UTC here). */
        String expectedPath() {
            ZonedDateTime t = createdAt.atZone(ZoneOffset.UTC);
            return String.format("Photos/%04d/%02d/%s", t.getYear(), t.getMonthValue(), filename);
        }
    }

    /** How an upload ended for its phone: the 2xx it finally got, after how many tries. */
    record Outcome(String key, String expectedPath, long size, String sha256, int status, int attempts,
                   int lostConnections) {
    }

    private final Sidecars runs;
    private final SidecarProcess.Device device;
    private final long seed;
    private final int minSize;
    private final int maxSize;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Future<?>> clients = new ArrayList<>();
    private Future<?> cutter;
    private volatile BodyWatch watch = (u, n) -> {
    };
    private volatile int maxPhotos = Integer.MAX_VALUE;

    private final AtomicBoolean stopNewUploads = new AtomicBoolean();
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final Map<String, Stage> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger completed = new AtomicInteger();
    private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final Queue<String> cutKeys = new ConcurrentLinkedQueue<>();
    private final AtomicInteger cutSent = new AtomicInteger();
    private final AtomicInteger cutAnswered400 = new AtomicInteger();

    Phones(Sidecars runs, SidecarProcess.Device device, long seed, int minSize, int maxSize) {
        this.runs = runs;
        this.device = device;
        this.seed = seed;
        this.minSize = minSize;
        this.maxSize = maxSize;
    }

    void watch(BodyWatch w) {
        this.watch = w;
    }

    /** No more than {@code n} photos in all (for a slow host that could never catch up with the phones). */
    void maxPhotos(int n) {
        this.maxPhotos = n;
    }

    private boolean noNewPhotos() {
        return stopNewUploads.get() || nextIndex.get() >= maxPhotos;
    }

    /** Starts {@code count} phones, and the cutter if asked. */
    void start(int count, boolean withCutter) {
        for (int c = 0; c < count; c++) {
            clients.add(pool.submit(this::runPhone));
        }
        if (withCutter) {
            cutter = pool.submit(() -> runCutter(new Random(seed ^ 0x5DEECE66DL)));
        }
    }

    /** Uploads running right now (a phone waiting for a restart does not count), by key. */
    Map<String, Stage> inFlight() {
        return Map.copyOf(inFlight);
    }

    int completed() {
        return completed.get();
    }

    /** No new photos from now on; waits until every phone has its 2xx and the cutter stopped. */
    List<Outcome> finish() throws Exception {
        stopNewUploads.set(true);
        for (Future<?> f : clients) {
            f.get(3, TimeUnit.MINUTES);
        }
        if (cutter != null) {
            cutter.get(1, TimeUnit.MINUTES);
        }
        return List.copyOf(outcomes);
    }

    List<String> cutKeys() {
        return List.copyOf(cutKeys);
    }

    int cutSent() {
        return cutSent.get();
    }

    int cutAnswered400() {
        return cutAnswered400.get();
    }

    private void runPhone() {
        while (!noNewPhotos()) {
            int index = nextIndex.getAndIncrement();
            if (index >= maxPhotos) {
                return;
            }
            outcomes.add(uploadUntilAcknowledged(Upload.generate(seed, index, minSize, maxSize)));
            completed.incrementAndGet();
        }
    }

    private Outcome uploadUntilAcknowledged(Upload u) {
        int attempts = 0;
        int lost = 0;
        SidecarRuns.Run failedRun = null;
        String lastFailure = "";
        while (true) {
            SidecarRuns.Run run = runs.next(failedRun, "a sidecar other than run "
                    + (failedRun == null ? "(none)" : failedRun.number()) + " for " + u.key()
                    + " (its last try failed with: " + lastFailure + ")");
            attempts++;
            inFlight.put(u.key(), Stage.SENDING);
            try {
                HttpResponse<String> r = run.http().send(uploadRequest(run, u), HttpResponse.BodyHandlers.ofString());
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
                failedRun = run;
                lastFailure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                inFlight.remove(u.key());
            }
        }
    }

    private HttpRequest uploadRequest(SidecarRuns.Run run, Upload u) {
        HttpRequest.Builder b = HttpRequest.newBuilder(run.process().uri("/v1/uploads/" + u.key()))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + device.token())
                .header("Content-Type", "image/jpeg")
                .header("X-Filename", URLEncoder.encode(u.filename(), StandardCharsets.UTF_8))
                .header("X-Created-At", u.createdAt().toString())
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(() -> pieces(u)),
                        u.body().length));
        if (u.sendDigest()) {
            b.header("Content-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(u.sha256())) + ":");
        }
        return b.build();
    }

    /** The body in pieces, reporting each one as the connection takes it. */
    private Iterator<byte[]> pieces(Upload u) {
        byte[] body = u.body();
        return new Iterator<>() {
            private int offset;

            @Override
            public boolean hasNext() {
                return offset < body.length;
            }

            @Override
            public byte[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int end = Math.min(body.length, offset + PIECE);
                byte[] piece = java.util.Arrays.copyOfRange(body, offset, end);
                offset = end;
                if (end == body.length) {
                    inFlight.replace(u.key(), Stage.AWAITING_ANSWER);
                }
                watch.progress(u, end);
                return piece;
            }
        };
    }

    /**
     * Sends uploads that break off mid-body and are never retried, paced by the normal phones' progress:
     * headers with Content-Length N, fewer than N bytes, then a half-close (and read the answer), a close, or
     * a reset. Every key it tries is remembered, whether or not the connection even got through.
     */
    private void runCutter(Random r) {
        int n = 0;
        while (!noNewPhotos()) {
            int seen = completed.get();
            await("normal uploads progressing").atMost(SidecarRuns.RESTART_WAIT.multipliedBy(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> noNewPhotos() || completed.get() >= seen + 2);
            SidecarRuns.Run run = runs.live();
            if (noNewPhotos() || run == null) {
                continue;
            }
            String key = String.format("cut-%04d", n++);
            cutKeys.add(key);
            int declared = 64 * 1024 + r.nextInt(2 * 1024 * 1024);
            byte[] partial = new byte[r.nextInt(declared)];
            r.nextBytes(partial);
            int mode = r.nextInt(3);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", run.process().port()), 5000);
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(("PUT /v1/uploads/" + key + " HTTP/1.1\r\n"
                        + "Host: 127.0.0.1:" + run.process().port() + "\r\n"
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

    /** Waits until every key in {@code keys} has a succeeded job; a failed job fails the test at once. */
    Map<String, JsonNode> awaitAllSucceeded(SidecarRuns.Run run, Set<String> keys, Duration atMost) {
        return await("every acknowledged upload delivered").atMost(atMost).pollInterval(Duration.ofMillis(250))
                .until(() -> jobsByKey(run), jobs -> {
                    jobs.values().stream().filter(j -> j.get("state").asText().equals("failed")).findFirst().ifPresent(j -> {
                        throw new AssertionError("a job failed: " + j);
                    });
                    return keys.stream().allMatch(k -> jobs.containsKey(k) && jobs.get(k).get("state").asText().equals("succeeded"));
                });
    }

    /** All of the device's jobs, through the API's paged listing. */
    Map<String, JsonNode> jobsByKey(SidecarRuns.Run run) throws IOException, InterruptedException {
        Map<String, JsonNode> jobs = new HashMap<>();
        String cursor = null;
        do {
            String query = "/v1/jobs?limit=500" + (cursor == null ? "" : "&cursor=" + cursor);
            HttpResponse<String> r = run.http().send(HttpRequest.newBuilder(run.process().uri(query))
                    .header("Authorization", "Bearer " + device.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("GET %s: %s", query, r.body()).isEqualTo(200);
            JsonNode page = JSON.readTree(r.body());
            page.get("jobs").forEach(j -> jobs.put(j.get("key").asText(), j));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        } while (cursor != null);
        return jobs;
    }

    /** Asserts that no cut-off upload has a job, whenever the cut (or a kill) happened. */
    void assertNoCutOffUploadHasAJob(SidecarRuns.Run run) throws IOException, InterruptedException {
        for (String key : cutKeys()) {
            HttpResponse<String> r = run.http().send(HttpRequest.newBuilder(run.process().uri("/v1/uploads/" + key))
                    .header("Authorization", "Bearer " + device.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("GET /v1/uploads/%s (cut off mid-body): %s", key, r.body()).isEqualTo(404);
        }
    }

    @Override
    public void close() {
        stopNewUploads.set(true);
        pool.shutdownNow();
    }
}
