package dev.photosidecar.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sends a large file's bytes to the disk while the file is still being written, so that the fsync that makes it
 * durable finds little left to write. Without it the kernel holds a gigabyte in its cache until that fsync, and the
 * 201 waits for all of it at the end (on this machine 1 GiB: 330 ms of writing, then 550 ms of fsync); with an
 * {@code fdatasync} started on another thread every {@link #EVERY} bytes, the disk writes while the body arrives
 * (docs/performance.md, issue 17).
 *
 * <p>It changes nothing in what makes a body durable: the file's fsync before its rename ({@link Durable}) still
 * runs. But a failed write-back must not be lost: Linux reports a write-back error once to the descriptors open when
 * it happened, and a descriptor opened afterwards (the commit's) may not see it at all. So an early sync's error is
 * kept and thrown by {@link #finish}, and the body is refused as not written.
 */
public final class WriteBehind {
    /** How many bytes are written between two early syncs: large enough that a photo never starts one. */
    public static final long EVERY = 16L * 1024 * 1024;

    private final FileChannel file;
    private final Executor syncThreads;
    private long nextAt = EVERY;
    private CompletableFuture<Void> running;
    private IOException failed;

    public WriteBehind(FileChannel file, Executor syncThreads) {
        this.file = file;
        this.syncThreads = syncThreads;
    }

    /**
     * Notes that {@code total} bytes have been written so far; starts an early sync when another {@link #EVERY} have
     * gone in since the last one began, unless that one still runs (the next call after it ends starts the next).
     */
    public void written(long total) throws IOException {
        if (failed != null) {
            throw failed;
        }
        if (total < nextAt) {
            return;
        }
        if (running != null) {
            if (!running.isDone()) {
                return;
            }
            collect();
        }
        nextAt = total + EVERY;
        try {
            running = CompletableFuture.runAsync(() -> {
                try {
                    file.force(false);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, syncThreads);
        } catch (RejectedExecutionException stopping) {
            // the server is stopping: the file's own fsync at its commit still makes it durable
        }
    }

    /**
     * Waits for the early sync still running, before the file is closed; throws the first error an early sync met.
     * On a path that gives the file up anyway, {@link #abandon} instead.
     */
    public void finish() throws IOException {
        if (running != null) {
            collect();
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** Waits for the early sync still running, before a file that failed for another reason is closed. */
    public void abandon() {
        try {
            finish();
        } catch (IOException ignored) {
            // the body is refused for its own reason already
        }
    }

    private void collect() throws IOException {
        CompletableFuture<Void> done = running;
        running = null;
        boolean interrupted = false;
        while (true) {
            try {
                done.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the file must not close under a running fsync; the wait is short
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
                if (failed == null) {
                    failed = cause instanceof IOException io ? io : new IOException(cause);
                }
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failed != null) {
            throw failed;
        }
    }
}
