package dev.photosidecar.delivery;

import java.time.Duration;

/**
 * Tells the dispatcher that something may be due now (a new upload, a retry, a worker freed up, a lease handed
 * back), so that it looks without waiting for its next poll. A wake-up that comes while the dispatcher is busy
 * is not lost: it counts, and the next wait returns at once.
 */
final class WakeSignal {
    private final Object lock = new Object();
    private int wakeups;

    void wake() {
        synchronized (lock) {
            wakeups++;
            lock.notifyAll();
        }
    }

    /** The wake-ups so far: taken before looking for work, handed to {@link #await}. */
    int seen() {
        synchronized (lock) {
            return wakeups;
        }
    }

    /**
     * Waits at most {@code max} unless a wake-up came since {@code seen}.
     *
     * @return false when the waiting thread was interrupted (its interrupt flag is set again)
     */
    boolean await(int seen, Duration max) {
        synchronized (lock) {
            if (wakeups != seen) {
                return true;
            }
            try {
                lock.wait(Math.max(1, max.toMillis()));
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
