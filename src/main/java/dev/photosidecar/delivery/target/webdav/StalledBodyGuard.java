package dev.photosidecar.delivery.target.webdav;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.http.HttpEntity;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.HttpEntityWrapper;

/**
 * Gives up on a request body the host stopped reading. The socket timeout only covers reads: a host that
 * stops reading in the middle of a body (its TCP window stays shut) blocks the writing worker for as long as
 * the host keeps the connection open, which can be forever. The guard aborts the request once no byte of the
 * body has gone out for {@code limit} (the same limit as the socket timeout), and the attempt fails as a
 * timeout. It sees progress when a write of the body returns, so its resolution is the body's write size
 * ({@link FileRegionEntity#WRITE_SIZE}): a host that takes less than one write per {@code limit} counts as
 * stalled.
 */
final class StalledBodyGuard extends HttpEntityWrapper {
    private final HttpRequestBase request;
    private final Duration limit;

    private StalledBodyGuard(HttpEntity body, HttpRequestBase request, Duration limit) {
        super(body);
        this.request = request;
        this.limit = limit;
    }

    /** {@code body}, to be sent by {@code request}, which is aborted if its body stalls for {@code limit}. */
    static HttpEntity guard(HttpEntity body, HttpRequestBase request, Duration limit) {
        return new StalledBodyGuard(body, request, limit);
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        AtomicBoolean gaveUp = new AtomicBoolean();
        long period = Math.max(10, limit.toMillis() / 4);
        ScheduledFuture<?> check = Deadline.WATCHDOG.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastProgress.get() > limit.toNanos() && gaveUp.compareAndSet(false, true)) {
                request.abort(); // closes the connection: the blocked write fails at once
            }
        }, period, period, TimeUnit.MILLISECONDS);
        try {
            super.writeTo(new Progress(out, lastProgress));
        } catch (IOException e) {
            if (gaveUp.get()) {
                SocketTimeoutException timeout = new SocketTimeoutException("the host stopped reading the request body for "
                        + limit.toMillis() + " ms");
                timeout.initCause(e);
                throw timeout;
            }
            throw e;
        } finally {
            check.cancel(false);
        }
    }

    /** Notes the time of every write that went through. */
    private static final class Progress extends FilterOutputStream {
        private final AtomicLong lastProgress;

        Progress(OutputStream out, AtomicLong lastProgress) {
            super(out);
            this.lastProgress = lastProgress;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            lastProgress.set(System.nanoTime());
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            lastProgress.set(System.nanoTime());
        }
    }
}
