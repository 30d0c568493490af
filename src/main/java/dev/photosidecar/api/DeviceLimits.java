package dev.photosidecar.api;

import dev.photosidecar.ErrorCode;
import dev.photosidecar.Problem;
import dev.photosidecar.config.ServerLimits;
import dev.photosidecar.jobs.Device;
import io.javalin.http.Handler;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-device fairness: how many uploads one device may run at once ({@code 429 TOO_MANY_UPLOADS}) and how
 * fast it may send requests ({@code 429 RATE_LIMITED}, a token bucket with a generous burst). Both answer
 * with {@code Retry-After}. The global {@link UploadGate} still caps all devices together.
 *
 * <p>Time comes from the injected clock, so tests drain and refill buckets without sleeping. State is kept
 * per authenticated device id only, so its size is bounded by the enrolled devices.
 */
final class DeviceLimits {
    /** The key under which a refusal carries its exact Retry-After, in seconds. */
    static final String RETRY_AFTER_DETAIL = "retryAfterSeconds";

    private final ServerLimits limits;
    private final Clock clock;
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    DeviceLimits(ServerLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /** Counts one request of {@code device} against its rate, or throws 429 RATE_LIMITED. */
    void admitRequest(Device device) {
        Bucket bucket = buckets.computeIfAbsent(device.id(), id -> new Bucket(limits.deviceRequestBurst(), clock.millis()));
        long waitMillis = bucket.take(clock.millis(), limits.deviceRequestRate(), limits.deviceRequestBurst());
        if (waitMillis > 0) {
            int seconds = (int) Math.max(1, (waitMillis + 999) / 1000);
            throw new Problem(ErrorCode.RATE_LIMITED, "device " + device.id() + " sends more than "
                    + rate(limits.deviceRequestRate()) + " requests per second (after a burst of " + limits.deviceRequestBurst()
                    + "); send again in " + seconds + " s", Map.of(RETRY_AFTER_DETAIL, seconds));
        }
    }

    /**
     * Wraps an upload handler so that at most {@code max_uploads_per_device} run at once per device (after
     * refusing repeated single-valued headers, so that the device is found from one Authorization). The
     * slot is given back however the upload ends.
     */
    Handler perDeviceUploads(BearerAuth auth, Handler upload) {
        return ctx -> {
            SingleValuedHeaders.require(ctx);
            // Identified here, counted against the rate by the upload handler's own call.
            Device device = auth.identify(ctx);
            AtomicInteger count = running.computeIfAbsent(device.id(), id -> new AtomicInteger());
            if (count.incrementAndGet() > limits.maxUploadsPerDevice()) {
                count.decrementAndGet();
                throw new Problem(ErrorCode.TOO_MANY_UPLOADS, "device " + device.id() + " already has "
                        + limits.maxUploadsPerDevice() + " uploads running; send this one when one of them has finished");
            }
            try {
                upload.handle(ctx);
            } finally {
                count.decrementAndGet();
            }
        };
    }

    /** Uploads {@code deviceId} is running now (for tests and diagnostics). */
    int running(String deviceId) {
        AtomicInteger n = running.get(deviceId);
        return n == null ? 0 : n.get();
    }

    private static String rate(double r) {
        return r == Math.rint(r) ? String.valueOf((long) r) : String.valueOf(r);
    }

    /** A token bucket: starts full, refills at the rate, never holds more than the burst. */
    private static final class Bucket {
        private double tokens;
        private long lastMillis;

        Bucket(int burst, long now) {
            this.tokens = burst;
            this.lastMillis = now;
        }

        /** Takes one token and returns 0, or returns how many milliseconds until one is there. */
        synchronized long take(long now, double perSecond, int burst) {
            if (now > lastMillis) {
                tokens = Math.min(burst, tokens + (now - lastMillis) * perSecond / 1000.0);
                lastMillis = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * 1000.0 / perSecond);
        }
    }
}
