package dev.photosidecar.http.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The real time, shifted by an offset that tests move forward: a sidecar started at "22 hours ago" runs
 * normally (its backoffs, leases and waits pass in real time) and jumps ahead whenever the test says.
 */
final class ShiftedClock extends Clock {
    private final Clock real = Clock.systemUTC();
    private volatile Duration offset;

    ShiftedClock(Duration offset) {
        this.offset = offset;
    }

    /** Moves to {@code real time + offset}; only forward, as time goes. */
    synchronized void shiftTo(Duration newOffset) {
        if (newOffset.compareTo(offset) < 0) {
            throw new IllegalArgumentException("the clock only moves forward: " + offset + " -> " + newOffset);
        }
        offset = newOffset;
    }

    Duration offset() {
        return offset;
    }

    @Override
    public Instant instant() {
        return real.instant().plus(offset);
    }

    @Override
    public long millis() {
        return instant().toEpochMilli();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
