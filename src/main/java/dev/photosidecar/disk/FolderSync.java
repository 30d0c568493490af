package dev.photosidecar.disk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;

/**
 * Makes renames into one folder durable with as few fsyncs of the folder as concurrent callers allow. A caller whose
 * rename has finished takes a ticket; an fsync started after a ticket was taken covers it. While one fsync runs, the
 * callers that arrive wait, and the next fsync covers them all: eight uploads committing at once cost two fsyncs of
 * {@code ready/}, not eight (docs/architecture.md, "What is fsynced"). A lone caller syncs at once, never waiting for
 * company; a failed fsync is thrown to the caller who ran it, and each caller it would have covered runs its own.
 */
public final class FolderSync {
    /** The fsync itself: {@link Durable#fsyncDirectory} outside tests. */
    @FunctionalInterface
    interface Fsync {
        void run() throws IOException;
    }

    private final Fsync fsync;
    private final Object lock = new Object();
    private long tickets;
    private long durableUpTo;
    private boolean running;

    public FolderSync(Path folder) {
        this(() -> Durable.fsyncDirectory(folder));
    }

    FolderSync(Fsync fsync) {
        this.fsync = fsync;
    }

    /** Returns once a rename into the folder that finished before this call is durable. */
    public void afterRename() throws IOException {
        long covers;
        synchronized (lock) {
            long mine = ++tickets;
            while (running && durableUpTo < mine) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the folder's fsync");
                }
            }
            if (durableUpTo >= mine) {
                return;
            }
            running = true;
            covers = tickets;
        }
        boolean synced = false;
        try {
            fsync.run();
            synced = true;
        } finally {
            synchronized (lock) {
                running = false;
                if (synced) {
                    durableUpTo = Math.max(durableUpTo, covers);
                }
                lock.notifyAll();
            }
        }
    }

    /** Callers that have taken a ticket so far (for tests). */
    long tickets() {
        synchronized (lock) {
            return tickets;
        }
    }
}
