package dev.photosidecar.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slow-loris guard: closes an HTTP/1 connection whose request headers have been arriving for longer than
 * the header timeout, however slowly they trickle in. Jetty's idle timeout only catches a client that
 * stops sending altogether; one byte every few seconds keeps it happy forever, and Jetty 12 has no
 * timeout for the header phase.
 *
 * <p>Each connection is looked at every quarter of the timeout. It is cut off once the same request has
 * been seen in its header phase for the whole timeout, so no client is cut off early; a cut-off comes at
 * most a quarter of the timeout late. A connection waiting for its next request (nothing received yet)
 * is left to the idle timeout.
 */
public final class HeaderDeadline implements Connection.Listener {
    private static final Logger log = LoggerFactory.getLogger(HeaderDeadline.class);

    private final long timeoutNanos;
    private final long checkEveryNanos;

    public HeaderDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        this.checkEveryNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50), timeoutNanos / 4);
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) {
            schedule(http, new Watch());
        }
    }

    @Override
    public void onClosed(Connection connection) {
        // The next check sees the closed end point and stops rescheduling.
    }

    private void schedule(HttpConnection http, Watch watch) {
        Scheduler scheduler = http.getConnector().getScheduler();
        scheduler.schedule(() -> check(http, watch), checkEveryNanos, TimeUnit.NANOSECONDS);
    }

    private void check(HttpConnection http, Watch watch) {
        if (!http.getEndPoint().isOpen()) {
            return;
        }
        HttpParser parser = http.getParser();
        boolean receivingHeaders = parser.inHeaderState() && !parser.isStart();
        long now = System.nanoTime();
        long messages = http.getMessagesIn();
        if (!receivingHeaders) {
            watch.since = 0;
        } else if (watch.since == 0 || watch.messages != messages) {
            watch.since = now;
            watch.messages = messages;
        } else if (now - watch.since >= timeoutNanos) {
            log.info("Closing the connection from {}: its request headers took longer than {} ms to arrive",
                    http.getEndPoint().getRemoteSocketAddress(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            http.getEndPoint().close();
            return;
        }
        schedule(http, watch);
    }

    /** What the last check saw on one connection: since when the same request has been in its header phase. */
    private static final class Watch {
        long since;
        long messages;
    }
}
