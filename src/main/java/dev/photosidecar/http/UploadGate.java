package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits uploads: at most {@code limit} are received at once (beyond that, 503 OVERLOADED), and once
 * shutdown begins none are (503 SHUTTING_DOWN) while those already running may finish.
 */
public final class UploadGate {
    static final int RETRY_AFTER_OVERLOADED_SECONDS = 5;
    static final int RETRY_AFTER_SHUTDOWN_SECONDS = 30;

    private final int limit;
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean closed;
    private final java.util.function.BooleanSupplier appEnabled;

    /** @param appEnabled whether uploads are taken at all (an ExApp that Nextcloud disabled takes none) */
    public UploadGate(int limit, java.util.function.BooleanSupplier appEnabled) {
        this.limit = limit;
        this.appEnabled = appEnabled;
    }

    /** Admits one upload or throws the 503 problem to send; every admitted upload must {@link #leave()}. */
    public void enter() {
        if (!appEnabled.getAsBoolean()) {
            throw new Problem(ErrorCode.APP_DISABLED, "the Photo Upload Sidecar app is disabled in Nextcloud; "
                    + "uploads resume when an admin enables it");
        }
        if (closed) {
            throw new Problem(ErrorCode.SHUTTING_DOWN, "the sidecar is shutting down; send this upload again shortly");
        }
        if (running.incrementAndGet() > limit) {
            running.decrementAndGet();
            throw new Problem(ErrorCode.OVERLOADED, "the sidecar is receiving " + limit
                    + " uploads already; send this one again shortly");
        }
        if (closed) {
            leave();
            throw new Problem(ErrorCode.SHUTTING_DOWN, "the sidecar is shutting down; send this upload again shortly");
        }
    }

    public void leave() {
        synchronized (this) {
            running.decrementAndGet();
            notifyAll();
        }
    }

    boolean isClosed() {
        return closed;
    }

    public int running() {
        return running.get();
    }

    /** Refuses new uploads and waits up to {@code grace} for running ones; true if they all finished. */
    public synchronized boolean closeAndAwait(Duration grace) throws InterruptedException {
        closed = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (running.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
