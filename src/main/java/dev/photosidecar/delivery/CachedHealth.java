package dev.photosidecar.delivery;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A health probe answered from a few seconds' memory, one probe at a time: however many readiness checks
 * arrive, the host sees at most one probe per {@code ttl}, and while a probe is under way the others get the
 * last answer instead of waiting for it (only the very first one waits).
 */
public final class CachedHealth {
    private final Supplier<DeliveryTarget.Health> probe;
    private final long ttlNanos;
    private final LongSupplier nanoTicker;
    private final ReentrantLock probing = new ReentrantLock();
    private volatile DeliveryTarget.Health last;
    private volatile long lastAt;

    /** @param nanoTicker {@link System#nanoTime} in production; tests move their own */
    public CachedHealth(Supplier<DeliveryTarget.Health> probe, Duration ttl, LongSupplier nanoTicker) {
        this.probe = probe;
        this.ttlNanos = ttl.toNanos();
        this.nanoTicker = nanoTicker;
    }

    public DeliveryTarget.Health get() {
        DeliveryTarget.Health known = last;
        if (known != null && fresh()) {
            return known;
        }
        if (!probing.tryLock()) {
            if (known != null) {
                return known;
            }
            probing.lock();
        }
        try {
            if (last != null && fresh()) {
                return last; // another caller probed while this one waited
            }
            DeliveryTarget.Health h = probe.get();
            lastAt = nanoTicker.getAsLong();
            last = h;
            return h;
        } finally {
            probing.unlock();
        }
    }

    private boolean fresh() {
        return nanoTicker.getAsLong() - lastAt < ttlNanos;
    }
}
