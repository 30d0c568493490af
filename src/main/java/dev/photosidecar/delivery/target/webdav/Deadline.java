package dev.photosidecar.delivery.target.webdav;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;

/**
 * When an exchange with the host must be over, on the real-time clock ({@link System#nanoTime}): a network
 * bound like a socket timeout, which moving the injected job clock must not trip. A delivery attempt binds
 * one deadline to its thread ({@link #within}), so that every request it makes (folders, PUT, MOVE, PROPFIND,
 * read-back) shares it; a request made outside an attempt gets one of its own.
 */
final class Deadline {
    /** The one thread that aborts requests whose deadline passed or whose body stalled. */
    static final ScheduledExecutorService WATCHDOG = watchdog();
    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

    private final long endNanos;
    /** Written only into a failure message, so made only then: a delivery's deadline rarely passes. */
    private final Supplier<String> bound;

    private Deadline(long endNanos, Supplier<String> bound) {
        this.endNanos = endNanos;
        this.bound = bound;
    }

    /**
     * Every request schedules a timer here and cancels it when it ends, nearly always long before it would fire
     * (the deadline is minutes away). A cancelled timer is taken out of the queue at once: by default it would
     * stay there until its time, and at hundreds of deliveries a second the queue would hold hundreds of
     * thousands of dead timers.
     */
    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "webdav-watchdog");
            t.setDaemon(true);
            return t;
        });
        w.setRemoveOnCancelPolicy(true);
        return Executors.unconfigurableScheduledExecutorService(w);
    }

    /** {@code limit} from now; {@code bound} says where the limit comes from, for the failure message. */
    static Deadline after(Duration limit, String bound) {
        return after(limit, () -> bound);
    }

    /** {@code limit} from now; {@code bound} says, when asked, where the limit comes from. */
    static Deadline after(Duration limit, Supplier<String> bound) {
        return new Deadline(System.nanoTime() + Math.min(limit.toNanos(), Long.MAX_VALUE / 4), bound);
    }

    /**
     * The budget of one delivery attempt: {@code base}, plus the time {@code bytes} take at {@code minRate} bytes
     * per second, so that a big file on a slow link is not cut off while a trickling host still is.
     */
    static Deadline forTransfer(Duration base, long bytes, long minRate) {
        long allowanceSeconds = Math.max(0, bytes) / Math.max(1, minRate);
        // Capped far beyond any real upload (a year), so that no sum here can overflow.
        Duration total = base.plusSeconds(Math.min(allowanceSeconds, 365L * 24 * 3600));
        return after(total, () -> format(total) + ": SIDECAR_WEBDAV_DEADLINE " + format(base)
                + (bytes > 0 ? ", plus " + dev.photosidecar.config.Units.formatBytes(bytes) + " at SIDECAR_WEBDAV_MIN_RATE "
                + dev.photosidecar.config.Units.formatBytes(minRate) + "/s" : ""));
    }

    /** The deadline bound to this thread by {@link #within}, or null. */
    static Deadline currentOrNull() {
        return CURRENT.get();
    }

    /** Runs {@code body} with this deadline bound to the calling thread (restoring what was bound before). */
    <T, E extends Exception> T within(Action<T, E> body) throws E {
        Deadline before = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.run();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }

    /** {@link #within} for a task handed to another thread (a chunk upload). */
    <T> Callable<T> bind(Callable<T> task) {
        return () -> within(task::call);
    }

    long remainingNanos() {
        return endNanos - System.nanoTime();
    }

    boolean passed() {
        return remainingNanos() <= 0;
    }

    /** The failure for a request cut off by this deadline; {@code what} names the request. */
    Exceeded exceeded(String what, Throwable cause) {
        Exceeded e = new Exceeded("the host took longer than " + bound.get() + " for " + what);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** A body of work that may throw. */
    interface Action<T, E extends Exception> {
        T run() throws E;
    }

    /** A request to the host was aborted at its deadline: a timeout, however the host kept the connection busy. */
    static final class Exceeded extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        Exceeded(String message) {
            super(message);
        }
    }
}
