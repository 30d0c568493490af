package dev.photosidecar.http;

import dev.photosidecar.config.ServerLimits;
import dev.photosidecar.config.Units;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.Device;
import io.javalin.http.Handler;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-device fairness: how many uploads one device may run at once ({@code 429 TOO_MANY_UPLOADS}), how many body
 * bytes they may announce together ({@code 429 TOO_MANY_BYTES_IN_FLIGHT}) and how fast it may send requests
 * ({@code 429 RATE_LIMITED}, a token bucket with a generous burst). All answer with {@code Retry-After}. The
 * global {@link UploadGate} still caps all devices together.
 *
 * <p>Time comes from the injected clock, so tests drain and refill buckets without sleeping. State is kept
 * per authenticated device id only, so its size is bounded by the enrolled devices.
 */
public final class DeviceLimits {
    /** The key under which a refusal carries its exact Retry-After, in seconds. */
    static final String RETRY_AFTER_DETAIL = "retryAfterSeconds";

    private final ServerLimits limits;
    private final Clock clock;
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> announced = new ConcurrentHashMap<>();
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public DeviceLimits(ServerLimits limits, Clock clock) {
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
     * Wraps an upload handler so that at most {@code max_uploads_per_device} run at once per device, announcing at
     * most {@code max_bytes_in_flight_per_device} body bytes together (after refusing repeated single-valued
     * headers, so that the device is found from one Authorization). Slot and bytes are given back however the
     * upload ends.
     */
    public Handler perDeviceUploads(BearerAuth auth, Handler upload) {
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
            // A chunked body announces nothing (the spool counts what it brings as it arrives), and one too large for
            // any share is too large for any upload: the spool refuses it with 413 before reading it.
            long declared = ctx.req().getContentLengthLong();
            long bytes = declared < 0 || declared > limits.maxBytesInFlightPerDevice() ? 0 : declared;
            AtomicLong inFlight = announced.computeIfAbsent(device.id(), id -> new AtomicLong());
            long together = inFlight.addAndGet(bytes);
            try {
                if (together < 0 || together > limits.maxBytesInFlightPerDevice()) {
                    throw new Problem(ErrorCode.TOO_MANY_BYTES_IN_FLIGHT, "device " + device.id() + "'s running uploads"
                            + " already announce " + Units.formatBytes(together - bytes) + "; with " + Units.formatBytes(bytes)
                            + " more they would pass its share of " + Units.formatBytes(limits.maxBytesInFlightPerDevice())
                            + ": send this one when one of them has finished");
                }
                upload.handle(ctx);
            } finally {
                inFlight.addAndGet(-bytes);
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
