package dev.photosidecar.delivery.target.webdav;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.HttpEntityWrapper;

/**
 * Gives up on a request body the host stopped reading. The socket timeout only covers reads: a host that
 * stops reading in the middle of a body (its TCP window stays shut) blocks the writing worker for as long as
 * the host keeps the connection open, which can be forever. The guard aborts the request once no byte of the
 * body has gone out for {@code limit} (the same limit as the socket timeout), and the attempt fails as a
 * timeout. It sees progress when a write of the body returns (HttpClient's stream path), or a slice of it went
 * out ({@link ChannelBody#sendTo}, plain http), so its resolution is the body's write and slice size
 * ({@link FileRegionEntity#WRITE_SIZE}): a host that takes less than one per {@code limit} counts as stalled.
 *
 * <p>On the channel path the body is sent by {@code FileChannel.transferTo}, which blocks in the kernel
 * (sendfile), where closing the socket, as an abort does, does not wake it: the guard shuts the socket's output
 * down, which does, when it gives up and when anyone else (the attempt's {@link Deadline}) has aborted the request.
 * It looks every quarter of {@code limit}, at most every second, so another's abort reaches a blocked body
 * within a second.
 */
final class StalledBodyGuard extends HttpEntityWrapper implements ChannelBody {
    private final ChannelBody body;
    private final HttpRequestBase request;
    private final Duration limit;

    private StalledBodyGuard(ChannelBody body, HttpRequestBase request, Duration limit) {
        super(body);
        this.body = body;
        this.request = request;
        this.limit = limit;
    }

    /** {@code body}, to be sent by {@code request}, which is aborted if its body stalls for {@code limit}. */
    static StalledBodyGuard guard(ChannelBody body, HttpRequestBase request, Duration limit) {
        return new StalledBodyGuard(body, request, limit);
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        watched(null, progress -> super.writeTo(new Progress(out, progress)));
    }

    @Override
    public void sendTo(SocketChannel socket, Runnable progress) throws IOException {
        watched(socket, noted -> body.sendTo(socket, () -> {
            noted.run();
            progress.run();
        }));
    }

    /** What the guard watches: sending the body, noting each write or slice that went out. */
    private interface Sending {
        void send(Runnable progress) throws IOException;
    }

    private void watched(SocketChannel socket, Sending sending) throws IOException {
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        AtomicBoolean gaveUp = new AtomicBoolean();
        long period = Math.max(10, Math.min(1000, limit.toMillis() / 4));
        ScheduledFuture<?> check = Deadline.WATCHDOG.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastProgress.get() > limit.toNanos() && gaveUp.compareAndSet(false, true)) {
                wake(socket);
                request.abort(); // closes the connection: a blocked stream write fails at once
            } else if (request.isAborted()) {
                wake(socket);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        try {
            sending.send(() -> lastProgress.set(System.nanoTime()));
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

    /** Ends a transferTo blocked on {@code socket} (if any): it fails with a broken pipe. */
    private static void wake(SocketChannel socket) {
        if (socket != null) {
            try {
                socket.shutdownOutput();
            } catch (IOException alreadyClosed) {
                // closed by the abort: the transfer fails anyway
            }
        }
    }

    /** Notes the time of every write that went through. */
    private static final class Progress extends FilterOutputStream {
        private final Runnable progress;

        Progress(OutputStream out, Runnable progress) {
            super(out);
            this.progress = progress;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            progress.run();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            progress.run();
        }
    }
}
