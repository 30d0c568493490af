package dev.photosidecar.delivery.target.webdav;

import com.github.sardine.DavResource;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.ledger.ChunkProgress;
import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nextcloud's chunked upload v2 for one big file: an upload folder under {@code /remote.php/dav/uploads/},
 * numbered chunks sent in parallel, then a MOVE of {@code .file} that assembles them at the destination.
 * Resumable: the ledger remembers the upload folder, the host's listing says which chunks are already
 * there, and only the missing ones are sent again. A host that lost the folder or its metadata (expired
 * after a day, 404 or 412) makes the upload start over cleanly.
 */
final class ChunkedUpload {
    private static final Logger log = LoggerFactory.getLogger(ChunkedUpload.class);

    private final WebDavClient dav;
    private final String uploadsRoot;
    private final ChunkProgress progress;
    private final java.time.Clock clock;

    /** @param uploadsRoot the user's upload area, e.g. {@code https://cloud/remote.php/dav/uploads/alice/} */
    ChunkedUpload(WebDavClient dav, String uploadsRoot, ChunkProgress progress, java.time.Clock clock) {
        this.dav = dav;
        this.clock = clock;
        this.uploadsRoot = uploadsRoot;
        this.progress = progress;
    }

    static String uploadsRoot(String serverRoot, String user) {
        return serverRoot + "remote.php/dav/uploads/" + DavPaths.encodeSegment(user) + "/";
    }

    /**
     * Sends the file in chunks and assembles it at {@code destination}; returns the assembling MOVE's answer.
     *
     * @param assembleHeaders extra headers for the MOVE (modification time, hash request)
     */
    DavReply send(Job job, Path file, String destination, long wantedChunk, long hostMaxChunk, int parallel,
                  Map<String, String> assembleHeaders, String user) throws IOException, DeliveryFailure {
        Optional<ChunkProgress.Upload> known = progress.find(job.id());
        SortedSet<Integer> present = new TreeSet<>();
        ChunkPlan plan;
        String folder = null;
        Optional<List<DavResource>> listing = Optional.empty();
        if (known.isPresent()) {
            folder = uploadsRoot + DavPaths.encodeSegment(known.get().uploadId()) + "/";
            listing = dav.members(folder);
            if (listing.isEmpty()) {
                log.info("Job {}: the host does not have upload {} (expired, removed, or never created); starting over",
                        job.id(), known.get().uploadId());
                progress.forget(job.id());
            }
        }
        if (listing.isPresent()) {
            plan = new ChunkPlan(job.size(), known.get().chunkSize());
            for (DavResource r : listing.get()) {
                try {
                    int n = Integer.parseInt(r.getName());
                    if (n >= 1 && n <= plan.count() && r.getContentLength() != null && r.getContentLength() == plan.length(n)) {
                        present.add(n);
                    }
                } catch (NumberFormatException notAChunk) {
                    // .file or other entries
                }
            }
            log.info("Job {}: resuming chunked upload {}: {} of {} chunks already on the host, first missing {}",
                    job.id(), known.get().uploadId(), present.size(), plan.count(), firstMissing(present, plan.count()));
        } else {
            plan = ChunkPlan.of(job.size(), wantedChunk, hostMaxChunk);
            String uploadId = "sidecar-" + job.id() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
            folder = uploadsRoot + DavPaths.encodeSegment(uploadId) + "/";
            // Remembered before the MKCOL: a crash while the host creates the folder must not leave it there
            // unknown. The next attempt resumes into it if it exists, or starts over if it does not.
            progress.start(job.id(), uploadId, plan.chunkSize());
            DavReply made = dav.mkcol(folder, Map.of("Destination", destination));
            if (made.status() == 409 || made.status() == 404) {
                // The user's upload area does not exist yet.
                dav.mkcol(uploadsRoot);
                made = dav.mkcol(folder, Map.of("Destination", destination));
            }
            if (!made.isSuccess()) {
                progress.forget(job.id());
                throw WebDavFailures.forStatus(made.status(), made.reason(), made.retryAfter(), user, "MKCOL upload folder",
                        clock);
            }
            log.info("Job {}: chunked upload {} of {} bytes in {} chunks of {}", job.id(), uploadId, job.size(),
                    plan.count(), plan.chunkSize());
        }

        sendMissing(job, file, folder, destination, plan, present, Math.max(1, parallel), user);

        Map<String, String> headers = new HashMap<>(assembleHeaders);
        headers.put("OC-Total-Length", String.valueOf(job.size()));
        DavReply assembled = dav.moveWith(folder + ".file", destination, true, headers);
        if (assembled.status() == 412 || assembled.status() == 404) {
            progress.forget(job.id());
            dav.deleteQuietly(folder);
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.CHUNKS_LOST,
                    "CHUNKS_LOST: the host answered " + assembled.status()
                    + " when joining the chunks (missing metadata or an expired upload); the upload starts over");
        }
        if (assembled.isSuccess()) {
            progress.forget(job.id());
        }
        return assembled;
    }

    private void sendMissing(Job job, Path file, String folder, String destination, ChunkPlan plan,
                             SortedSet<Integer> present, int parallel, String user) throws IOException, DeliveryFailure {
        List<Integer> missing = new ArrayList<>();
        for (int n = 1; n <= plan.count(); n++) {
            if (!present.contains(n)) {
                missing.add(n);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        SortedSet<Integer> done = Collections.synchronizedSortedSet(new TreeSet<>(present));
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, missing.size()), r -> {
            Thread t = new Thread(r, "chunks-" + job.id().substring(0, 6));
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<DavReply>> sent = new ArrayList<>();
            // The chunks share the attempt's deadline, on whichever thread they go up.
            Deadline attempt = Deadline.currentOrNull();
            for (int n : missing) {
                java.util.concurrent.Callable<DavReply> chunk = () -> {
                    DavReply r = dav.putRegion(folder + ChunkPlan.name(n),
                            new FileRegionEntity(file, plan.offset(n), plan.length(n), "application/octet-stream"),
                            Map.of("Destination", destination, "OC-Total-Length", String.valueOf(job.size())));
                    if (r.isSuccess()) {
                        synchronized (done) {
                            done.add(n);
                            progress.recordDone(job.id(), new TreeSet<>(done));
                        }
                    }
                    return r;
                };
                sent.add(pool.submit(attempt == null ? chunk : attempt.bind(chunk)));
            }
            for (int i = 0; i < sent.size(); i++) {
                DavReply r = sent.get(i).get();
                if (!r.isSuccess()) {
                    throw WebDavFailures.forStatus(r.status(), r.reason(), r.retryAfter(), user,
                            "PUT chunk " + missing.get(i), clock);
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("a chunk upload failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while sending chunks");
        } finally {
            pool.shutdownNow();
        }
    }

    private static int firstMissing(SortedSet<Integer> present, int count) {
        for (int n = 1; n <= count; n++) {
            if (!present.contains(n)) {
                return n;
            }
        }
        return count + 1;
    }

    /** Removes the job's upload folder from the host, if it has one (a cancelled job). */
    void discard(Job job) {
        progress.find(job.id()).ifPresent(u -> {
            dav.deleteQuietly(uploadsRoot + DavPaths.encodeSegment(u.uploadId()) + "/");
            progress.forget(job.id());
            log.info("Job {}: removed its chunked upload {} from the host", job.id(), u.uploadId());
        });
    }
}
