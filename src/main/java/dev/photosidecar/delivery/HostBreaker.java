package dev.photosidecar.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Pauses all deliveries while the host is down. Tripped by a delivery that found the host unavailable;
 * while open, nothing is claimed (so no attempt is spent and the sidecar idles), and the host is probed
 * now and then, at growing intervals, until it answers again.
 */
public final class HostBreaker {
    static final Duration FIRST_PROBE = Duration.ofSeconds(5);
    /** Long enough to be cheap while a host is down for hours, short enough to notice it is back within a minute. */
    static final Duration MAX_PROBE = Duration.ofSeconds(60);

    private Instant nextProbeAt;
    private Duration interval = FIRST_PROBE;
    private String reason = "";

    /** Whether deliveries are paused. */
    public synchronized boolean isOpen() {
        return nextProbeAt != null;
    }

    public synchronized Optional<Instant> nextProbeAt() {
        return Optional.ofNullable(nextProbeAt);
    }

    public synchronized String reason() {
        return reason;
    }

    /** The host failed; pause, and probe after {@code retryAfter} if it said, else after the current interval. */
    public synchronized void trip(Instant now, String why, Optional<Duration> retryAfter) {
        reason = why;
        Duration wait = retryAfter.filter(d -> !d.isNegative()).orElse(interval);
        Instant at = now.plus(wait.compareTo(MAX_PROBE) > 0 ? MAX_PROBE : wait);
        if (nextProbeAt == null || at.isAfter(nextProbeAt)) {
            nextProbeAt = at;
        }
    }

    public synchronized boolean probeDue(Instant now) {
        return nextProbeAt != null && !now.isBefore(nextProbeAt);
    }

    /** A probe failed: wait longer before the next one. */
    public synchronized void probeFailed(Instant now, String why) {
        reason = why;
        interval = interval.multipliedBy(2).compareTo(MAX_PROBE) > 0 ? MAX_PROBE : interval.multipliedBy(2);
        nextProbeAt = now.plus(interval);
    }

    /** The host answers again: resume. */
    public synchronized void reset() {
        nextProbeAt = null;
        interval = FIRST_PROBE;
        reason = "";
    }
}
