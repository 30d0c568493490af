package dev.photosidecar.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The most resident memory a process had while a measurement ran: VmRSS read every 50 ms on a daemon thread
 * from construction to {@link #close()}. VmHWM would include the start-up; this is the figure under load.
 */
final class RssSampler implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    RssSampler(long pid) {
        thread = new Thread(() -> {
            while (running) {
                peak.accumulateAndGet(ProcessStats.rssBytes(pid), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler-" + pid);
        thread.setDaemon(true);
        thread.start();
    }

    /** The highest VmRSS seen so far, in bytes. */
    long peakBytes() {
        return peak.get();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
