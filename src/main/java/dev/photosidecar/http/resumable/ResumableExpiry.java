package dev.photosidecar.http.resumable;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes abandoned resumable uploads: once a minute it asks {@link ResumableUploads#expireDue()}, which
 * decides by the injected clock, so tests move the clock and call it instead of waiting.
 */
public final class ResumableExpiry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResumableExpiry.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "resumable-expiry");
        t.setDaemon(true);
        return t;
    });

    public ResumableExpiry(ResumableUploads uploads) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                uploads.expireDue();
            } catch (RuntimeException e) {
                log.warn("Removing expired resumable uploads failed; trying again in a minute", e);
            }
        }, 1, 1, TimeUnit.MINUTES);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
