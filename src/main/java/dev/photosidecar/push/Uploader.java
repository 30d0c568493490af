package dev.photosidecar.push;

import dev.photosidecar.push.UploadResult.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Uploads one file as a phone would: reads it once for its SHA-256 and capture time, then streams it with
 * the metadata headers. 201 and 200 are done, 409 is a conflict; 503, 507 and 429 (the server is busy,
 * short of disk or shutting down) and broken connections are tried again after the server's
 * {@code Retry-After} or a growing pause, a bounded number of times; anything else fails the file.
 */
final class Uploader {
    private static final Set<Integer> TRY_LATER = Set.of(429, 503, 507);
    private static final Instant EARLIEST = LocalDate.of(1826, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC);
    private static final Instant LATEST = LocalDate.of(9999, 12, 31).atStartOfDay().toInstant(ZoneOffset.UTC);

    private final SidecarClient client;
    private final TransferStats stats;
    private final int maxRetries;
    private final Duration maxRetryWait;
    private final ZoneId cameraZone;
    private final Clock clock;

    Uploader(SidecarClient client, TransferStats stats, int maxRetries, Duration maxRetryWait, ZoneId cameraZone, Clock clock) {
        this.client = client;
        this.stats = stats;
        this.maxRetries = maxRetries;
        this.maxRetryWait = maxRetryWait;
        this.cameraZone = cameraZone;
        this.clock = clock;
    }

    /** Never throws for one file's trouble; only {@link PushAbort} (a refused token) and interruption end it early. */
    UploadResult upload(MediaFile file) throws InterruptedException {
        Map<String, String> headers;
        try {
            headers = headers(file);
        } catch (NoSuchFileException e) {
            stats.finished(file, 0, false);
            return UploadResult.failed(file, "it was deleted during the push", 0);
        } catch (IOException e) {
            stats.finished(file, 0, false);
            return UploadResult.failed(file, e.getMessage(), 0);
        }
        for (int retries = 0; ; retries++) {
            AtomicLong counted = new AtomicLong();
            Duration pause;
            String problem;
            try {
                SidecarClient.Answer a = client.upload(file, headers, n -> {
                    counted.addAndGet(n);
                    stats.sent(n);
                });
                Optional<String> jobId = Optional.of(a.json().path("id").asText("")).filter(id -> !id.isEmpty());
                if (a.status() == 201 || a.status() == 200) {
                    stats.finished(file, counted.get(), true);
                    return new UploadResult(file, a.status() == 201 ? Outcome.UPLOADED : Outcome.ALREADY_THERE, jobId, "",
                            retries);
                }
                if (a.status() == 409) {
                    stats.finished(file, counted.get(), false);
                    return new UploadResult(file, Outcome.CONFLICT, Optional.empty(), a.problem(), retries);
                }
                if (!TRY_LATER.contains(a.status())) {
                    stats.finished(file, counted.get(), false);
                    String hint = a.errorCode().equals("DIGEST_MISMATCH") ? " (did the file change while it was sent?)" : "";
                    return UploadResult.failed(file, a.problem() + hint, retries);
                }
                problem = a.problem();
                pause = RetryAfter.parse(a.header("Retry-After"), clock).orElse(backoff(retries));
            } catch (java.io.FileNotFoundException | NoSuchFileException gone) {
                stats.finished(file, counted.get(), false);
                return UploadResult.failed(file, "it was deleted during the push", retries);
            } catch (IOException e) {
                problem = NetworkErrors.describe(e);
                pause = backoff(retries);
            } catch (PushAbort abort) {
                stats.finished(file, counted.get(), false);
                throw abort;
            }
            if (retries >= maxRetries) {
                stats.finished(file, counted.get(), false);
                return UploadResult.failed(file, problem + (maxRetries > 0 ? " (gave up after " + maxRetries + " retries)" : ""),
                        retries);
            }
            stats.retrying(counted.get());
            Thread.sleep(min(pause, maxRetryWait).toMillis());
        }
    }

    /** 1 s, 2 s, 4 s, … for answers without Retry-After and for broken connections. */
    private static Duration backoff(int retries) {
        return Duration.ofSeconds(1L << Math.min(retries, 10));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * Reads the file for its digest and capture time, and makes sure it is still the version that was
     * scanned (its key says size and time): a file being written is left for the next run.
     */
    private Map<String, String> headers(MediaFile file) throws IOException {
        requireUnchanged(file, "since the folder was scanned");
        byte[] sha256 = FileDigest.sha256(file.path());
        Instant taken = CaptureTime.of(file.path(), file.format(), cameraZone).orElse(file.modified());
        requireUnchanged(file, "while it was read");
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", file.format().contentType());
        h.put("X-Resource-Type", file.format().resourceType());
        h.put("X-Filename", HeaderText.percentEncoded(file.fileName()));
        if (!taken.isBefore(EARLIEST) && taken.isBefore(LATEST)) {
            // Outside the server's range the header would be refused; without it the server uses the arrival time.
            h.put("X-Created-At", taken.truncatedTo(ChronoUnit.MILLIS).toString());
        }
        h.put("Content-Digest", FileDigest.contentDigest(sha256));
        return h;
    }

    private static void requireUnchanged(MediaFile file, String when) throws IOException {
        BasicFileAttributes now = Files.readAttributes(file.path(), BasicFileAttributes.class);
        if (now.size() != file.size() || !now.lastModifiedTime().toInstant().equals(file.modified())) {
            throw new IOException("it changed " + when + "; run push again once it is written");
        }
    }
}
