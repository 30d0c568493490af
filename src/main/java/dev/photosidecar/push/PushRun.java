package dev.photosidecar.push;

import dev.photosidecar.push.UploadResult.Outcome;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One push, start to end: scan the folder, ask the server which keys it knows, upload the rest in
 * parallel, then (with --wait) follow the jobs until they are delivered and (with --acknowledge) mark
 * them seen.
 */
public final class PushRun {
    /** The server's limit for one key check. */
    static final int CHECK_BATCH = 1000;
    private static final Set<String> WAITING = Set.of("receiving", "pending", "delivering");

    private final PushOptions options;
    private final PrintWriter err;
    private final Clock clock;
    private final SidecarClient client;

    public PushRun(PushOptions options, PrintWriter err, Clock clock) {
        this.options = options;
        this.err = err;
        this.clock = clock;
        this.client = new SidecarClient(options.server(), options.token());
    }

    /** @throws PushAbort when the server cannot be reached or refuses the token */
    public PushReport run() throws IOException, InterruptedException {
        long start = System.nanoTime();
        FolderScan scan = FolderScan.of(options.folder());
        scan.skipped().forEach(s -> err.println("photo-sidecar push: skipped " + s));
        Map<String, String> known = knownKeys(scan.files());
        List<MediaFile> toUpload = new ArrayList<>();
        List<UploadResult> results = new ArrayList<>();
        for (MediaFile f : scan.files()) {
            if (known.containsKey(f.key())) {
                results.add(new UploadResult(f, Outcome.ALREADY_THERE, Optional.empty(), "", 0));
            } else {
                toUpload.add(f);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(options.parallel(), daemonThreads());
        try {
            TransferStats stats = new TransferStats(toUpload.size(), toUpload.stream().mapToLong(MediaFile::size).sum());
            if (!toUpload.isEmpty()) {
                ProgressDisplay progress = ProgressDisplay.start(options.progress(), err, "upload", stats::line,
                        Duration.ofSeconds(5));
                try {
                    results.addAll(uploadAll(toUpload, stats, pool));
                } finally {
                    progress.close();
                }
            }
            long uploadNanos = stats.elapsedNanos();
            Optional<List<WatchedJob>> delivery = Optional.empty();
            Optional<Acknowledged> acknowledged = Optional.empty();
            if (options.waitForDelivery() || options.acknowledge()) {
                List<WatchedJob> watched = new JobWatcher(client, pool, options.waitTimeout(), clock)
                        .waitFor(toWatch(results, known), options.progress(), err);
                delivery = Optional.of(watched);
                if (options.acknowledge()) {
                    acknowledged = Optional.of(new Acknowledger(client).acknowledge(watched.stream()
                            .filter(WatchedJob::acknowledgeable).map(j -> j.id().orElseThrow()).toList()));
                }
            }
            results.sort(java.util.Comparator.comparing(r -> r.file().relativePath()));
            return new PushReport(scan.root().toString(), options.server().toString(), results, scan.skipped(), uploadNanos,
                    System.nanoTime() - start, stats.retries(), delivery, acknowledged);
        } finally {
            pool.shutdownNow();
        }
    }

    private Map<String, String> knownKeys(List<MediaFile> files) {
        Map<String, String> known = new HashMap<>();
        for (int from = 0; from < files.size(); from += CHECK_BATCH) {
            known.putAll(client.check(files.subList(from, Math.min(files.size(), from + CHECK_BATCH)).stream()
                    .map(MediaFile::key).toList()));
        }
        return known;
    }

    private List<UploadResult> uploadAll(List<MediaFile> files, TransferStats stats, ExecutorService pool)
            throws InterruptedException {
        Uploader uploader = new Uploader(client, stats, options.retries(), options.maxRetryWait(), options.cameraZone(), clock);
        AtomicReference<PushAbort> aborted = new AtomicReference<>();
        List<Future<UploadResult>> futures = new ArrayList<>();
        for (MediaFile f : files) {
            futures.add(pool.submit(() -> {
                if (aborted.get() != null) {
                    return UploadResult.failed(f, "not sent: the push stopped", 0);
                }
                try {
                    return uploader.upload(f);
                } catch (PushAbort abort) {
                    aborted.compareAndSet(null, abort);
                    throw abort;
                }
            }));
        }
        List<UploadResult> results = new ArrayList<>();
        for (Future<UploadResult> future : futures) {
            try {
                results.add(future.get());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof PushAbort)) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        if (aborted.get() != null) {
            throw aborted.get();
        }
        return results;
    }

    /**
     * The jobs to follow: those of this run's uploads, and those of earlier runs that the key check found
     * still on their way (or, for --acknowledge, delivered or failed but not yet acknowledged).
     */
    private List<WatchedJob> toWatch(List<UploadResult> results, Map<String, String> known) {
        List<WatchedJob> jobs = new ArrayList<>();
        for (UploadResult r : results) {
            String key = r.file().key();
            if (r.jobId().isPresent()) {
                jobs.add(new WatchedJob(r.file().relativePath(), key, r.jobId(), "pending", Optional.empty()));
            } else if (known.containsKey(key)) {
                String state = known.get(key);
                boolean follow = WAITING.contains(state)
                        || options.acknowledge() && (state.equals("succeeded") || state.equals("failed"));
                if (follow) {
                    jobs.add(new WatchedJob(r.file().relativePath(), key, Optional.empty(), state, Optional.empty()));
                }
            }
        }
        return jobs;
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "push-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
