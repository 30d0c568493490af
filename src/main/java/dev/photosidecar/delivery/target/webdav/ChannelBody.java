package dev.photosidecar.delivery.target.webdav;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import org.apache.http.HttpEntity;

/**
 * A request body that can go from its file straight to a plain-http socket ({@code FileChannel.transferTo}, which
 * Linux does as sendfile: no copy through the JVM's heap). {@link ChannelRequestExecutor} sends it so where the
 * connection has a channel; everywhere else (TLS) it is written to HttpClient's stream, as any entity.
 */
interface ChannelBody extends HttpEntity {
    /**
     * Sends exactly {@link #getContentLength()} bytes to {@code socket} (blocking), and runs {@code progress} each
     * time a slice of them has gone out. Fails, having sent fewer, if the file ends before the body does.
     */
    void sendTo(SocketChannel socket, Runnable progress) throws IOException;
}
