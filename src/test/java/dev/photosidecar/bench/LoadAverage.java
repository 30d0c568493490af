package dev.photosidecar.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The machine's 1-minute load average ({@code /proc/loadavg}) read every 10 s while the benchmark runs, so that
 * the report says how busy the machine was: on 2 shared cores that decides the absolute figures.
 */
final class LoadAverage implements AutoCloseable {
    private final Thread thread;
    private volatile double min = Double.MAX_VALUE;
    private volatile double max;
    private volatile boolean running = true;

    LoadAverage() {
        thread = new Thread(() -> {
            while (running) {
                double now = now();
                min = Math.min(min, now);
                max = Math.max(max, now);
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "load-average");
        thread.setDaemon(true);
        thread.start();
    }

    static double now() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** "min–max" of the readings so far. */
    String range() {
        return String.format(Locale.ROOT, "%.1f–%.1f", min, Math.max(max, now()));
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
