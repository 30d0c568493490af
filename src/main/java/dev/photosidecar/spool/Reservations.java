package dev.photosidecar.spool;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The free space promised to bodies that are arriving, so that uploads running together cannot jointly break
 * into the spool's reserve. A body is promised only what its own pace will bring: the bytes it still lacks, but
 * no more than it would send in the next {@link #HORIZON} at the rate it has kept so far, and nothing once it
 * has been silent for {@link #STALL}. A client that announces 16 GiB and sends a byte every 3 s is promised a
 * few bytes, not 16 GiB; to keep space from others it has to actually send about that space every
 * {@code HORIZON}.
 *
 * <p>What a body has written is on disk already and counted by the file system, so a promise is only ever for
 * the bytes still to come. Time comes from the injected clock.
 */
final class Reservations {
    /** How far ahead a body's pace is trusted. */
    static final Duration HORIZON = Duration.ofSeconds(60);
    /** A body silent this long is promised nothing until its next bytes arrive. */
    static final Duration STALL = Duration.ofSeconds(10);
    /** The pace is measured over at least this long, so that the first bytes do not look like a flood. */
    private static final long MIN_ELAPSED_MILLIS = 1000;

    private final Clock clock;
    private final Set<Reservation> live = ConcurrentHashMap.newKeySet();

    Reservations(Clock clock) {
        this.clock = clock;
    }

    /**
     * Opens the reservation of a body of {@code declared} bytes (0 when unknown) if it fits: {@code room} (the free
     * space above the reserve) must hold it beside what running bodies are promised.
     *
     * @return the reservation, or null when the body does not fit
     */
    synchronized Reservation open(long declared, long room) {
        if (declared > room - promised()) {
            return null;
        }
        Reservation r = new Reservation(Math.max(0, declared), clock.millis());
        live.add(r);
        return r;
    }

    /** What running bodies are promised now, together. */
    long promised() {
        long now = clock.millis();
        long sum = 0;
        for (Reservation r : live) {
            sum += r.promised(now);
        }
        return sum;
    }

    /** The promise of one arriving body; {@link #close()} it however the body ends. */
    final class Reservation implements AutoCloseable {
        private final long declared;
        private final long startMillis;
        private volatile long received;
        private volatile long lastArrivalMillis;

        private Reservation(long declared, long now) {
            this.declared = declared;
            this.startMillis = now;
            this.lastArrivalMillis = now;
        }

        /** {@code total} bytes of the body have arrived so far. */
        void arrived(long total) {
            received = total;
            lastArrivalMillis = clock.millis();
        }

        long promised(long now) {
            long remaining = declared - received;
            if (remaining <= 0 || now - lastArrivalMillis > STALL.toMillis()) {
                return 0;
            }
            double bytesPerMilli = received / (double) Math.max(MIN_ELAPSED_MILLIS, now - startMillis);
            return (long) Math.min(remaining, bytesPerMilli * HORIZON.toMillis());
        }

        @Override
        public void close() {
            live.remove(this);
        }
    }
}
