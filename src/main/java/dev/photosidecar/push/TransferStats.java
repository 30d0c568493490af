package dev.photosidecar.push;

import dev.photosidecar.config.Units;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The upload phase's counters, shared by the upload threads and the progress display: files and bytes
 * done of the total, and the current rate over the last few seconds (not since the start, so the ETA
 * follows a network that speeds up or slows down).
 */
final class TransferStats {
    private static final long RATE_WINDOW_NANOS = 5_000_000_000L;

    private final int filesTotal;
    private final long bytesTotal;
    private final long startNanos = System.nanoTime();
    private final AtomicInteger filesDone = new AtomicInteger();
    private final AtomicLong bytesDone = new AtomicLong();
    private final AtomicLong bytesAccepted = new AtomicLong();
    private final AtomicInteger retries = new AtomicInteger();
    private final Deque<long[]> samples = new ArrayDeque<>();

    TransferStats(int filesTotal, long bytesTotal) {
        this.filesTotal = filesTotal;
        this.bytesTotal = bytesTotal;
    }

    /** Bytes handed to the connection. */
    void sent(long n) {
        bytesDone.addAndGet(n);
    }

    /** An attempt that failed and will be repeated: its bytes will be counted again. */
    void retrying(long countedForAttempt) {
        bytesDone.addAndGet(-countedForAttempt);
        retries.incrementAndGet();
    }

    /** A file is finished, whatever the outcome: it counts in full, so the bar ends at 100%. */
    void finished(MediaFile file, long countedForAttempt, boolean accepted) {
        bytesDone.addAndGet(file.size() - countedForAttempt);
        if (accepted) {
            bytesAccepted.addAndGet(file.size());
        }
        filesDone.incrementAndGet();
    }

    int retries() {
        return retries.get();
    }

    long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    /** "[=====>    ] 412/1000 files  12 MiB/30 MiB  4.1 MB/s  ETA 7s". */
    synchronized ProgressDisplay.Line line() {
        long now = System.nanoTime();
        long done = bytesDone.get();
        samples.addLast(new long[] {now, done});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
            samples.removeFirst();
        }
        long[] first = samples.peekFirst();
        double seconds = (now - first[0]) / 1e9;
        double rate = seconds > 0.2 ? (done - first[1]) / seconds : done / Math.max(1e-9, (now - startNanos) / 1e9);
        double fraction = bytesTotal > 0 ? (double) done / bytesTotal : filesTotal > 0 ? (double) filesDone.get() / filesTotal : 1;
        String eta = rate > 0 ? Human.duration((long) ((bytesTotal - done) / rate * 1000)) : "--";
        String text = String.format(Locale.ROOT, "%d/%d files  %s/%s  %s  ETA %s", filesDone.get(), filesTotal,
                Units.formatBytes(Math.max(0, done)), Units.formatBytes(bytesTotal), Human.rate(rate), eta);
        return new ProgressDisplay.Line(fraction, text);
    }
}
