package dev.photosidecar.bench;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteJobLedger;
import dev.photosidecar.support.TestSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Scenario 4: the same three operations on a small and a large ledger, sample by sample in turn (small,
 * large, small, …) so that the machine's noise falls on both alike.
 *
 * <ul>
 *   <li>claim: {@link JobLedger#claimDue} of the next 4 due jobs (one dispatcher round with the default 4
 *   workers), through a second ledger handle whose clock runs two days ahead so that the backlog is due;
 *   the claimed jobs are handed back right after, untimed, so the backlog keeps its size;</li>
 *   <li>get: {@code GET /v1/jobs/{id}} of a random job of the device, over real HTTP;</li>
 *   <li>failed: {@code GET /v1/jobs?state=failed} (first page) for one device, over real HTTP.</li>
 * </ul>
 */
final class QueueScale implements AutoCloseable {
    static final int DEVICES = 10;
    private static final String CLAIMER = "bench-claimer";

    private final TestSidecar sidecar;
    private final LedgerFill.Filled filled;
    private final Database.Pooled futurePool;
    private final JobLedger futureLedger;
    private final Clock future;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final SplittableRandom random = new SplittableRandom(7);

    private QueueScale(TestSidecar sidecar, LedgerFill.Filled filled) {
        this.sidecar = sidecar;
        this.filled = filled;
        this.future = Clock.offset(Clock.systemUTC(), Duration.ofDays(2));
        // Pooled, as the server's dispatcher claims: a connection per call (the CLI's way) would time the opening of
        // a connection and run SQLite's own WAL checkpoints in the claims, which the server leaves to its checkpoint thread.
        this.futurePool = Database.openPooled(sidecar.config().ledgerFile(), 2);
        this.futureLedger = new SqliteJobLedger(futurePool.jdbi(), future);
    }

    static QueueScale start(Path dataDir, int jobs) {
        TestSidecar sidecar = TestSidecar.start(dataDir, Map.of());
        LedgerFill.Filled filled = LedgerFill.fill(sidecar, jobs, DEVICES, System.currentTimeMillis());
        return new QueueScale(sidecar, filled);
    }

    /** Milliseconds for one claim of up to 4 due jobs; fails if nothing was due (the fill is wrong then). */
    double claim() {
        long t0 = System.nanoTime();
        List<Job> claimed = futureLedger.claimDue(CLAIMER, 4, Duration.ofMinutes(5));
        double ms = (System.nanoTime() - t0) / 1e6;
        if (claimed.isEmpty()) {
            throw new IllegalStateException("no due job to claim");
        }
        futureLedger.handBack(Optional.empty(), CLAIMER, Instant.now(future), Optional.empty());
        return ms;
    }

    double getJob() throws Exception {
        int d = random.nextInt(DEVICES);
        List<String> ids = filled.jobIds().get(d);
        String id = ids.get(random.nextInt(ids.size()));
        return timedGet("/v1/jobs/" + id, filled.tokens().get(d));
    }

    double listFailed() throws Exception {
        int d = random.nextInt(DEVICES);
        return timedGet("/v1/jobs?state=failed", filled.tokens().get(d));
    }

    private double timedGet(String path, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + path))
                .header("Authorization", "Bearer " + token).build();
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        double ms = (System.nanoTime() - t0) / 1e6;
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + new String(r.body()));
        }
        return ms;
    }

    /** How many failed jobs the first page for a device lists (for the report). */
    int failedPageSize() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + "/v1/jobs?state=failed"))
                .header("Authorization", "Bearer " + filled.tokens().get(0)).build();
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).get("jobs").size();
    }

    @Override
    public void close() {
        futurePool.close();
        sidecar.close();
    }

    /** Operation → samples in milliseconds. */
    interface Op {
        double run(QueueScale q) throws Exception;
    }

    /** {@code samples} of {@code op}, alternating between the two ledgers; returns [small, large]. */
    static List<List<Double>> interleaved(QueueScale small, QueueScale large, Op op, int warmup, int samples)
            throws Exception {
        for (int i = 0; i < warmup; i++) {
            op.run(small);
            op.run(large);
        }
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            if (i % 2 == 0) {
                a.add(op.run(small));
                b.add(op.run(large));
            } else {
                b.add(op.run(large));
                a.add(op.run(small));
            }
        }
        return List.of(a, b);
    }
}
