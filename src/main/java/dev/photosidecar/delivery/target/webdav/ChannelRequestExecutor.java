package dev.photosidecar.delivery.target.webdav;

import java.io.IOException;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;
import org.apache.http.HttpClientConnection;
import org.apache.http.HttpEntity;
import org.apache.http.HttpEntityEnclosingRequest;
import org.apache.http.HttpException;
import org.apache.http.HttpRequest;
import org.apache.http.HttpResponse;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.protocol.HttpContext;
import org.apache.http.protocol.HttpCoreContext;
import org.apache.http.protocol.HttpRequestExecutor;

/**
 * Sends a {@link ChannelBody} (a file's region) straight to the connection's socket channel, where the connection
 * has one ({@link ChannelSocketFactory}, plain http): the request head goes out through HttpClient's session buffer,
 * which is flushed, and then the body by {@code FileChannel.transferTo}, bypassing the buffer and the heap. curl
 * sends a file so, and HttpClient's stream path copied each byte through user space several times (issue 17,
 * docs/performance.md). This is the one place that knows a connection's socket; every other request, a body on a
 * TLS connection (whose socket's bytes must go through TLS), or a body without a declared length takes
 * HttpClient's own path. No {@code Expect: 100-continue} is ever sent ({@link WebDavClients}); a request that
 * asks for one takes HttpClient's path too.
 */
final class ChannelRequestExecutor extends HttpRequestExecutor {
    @Override
    protected HttpResponse doSendRequest(HttpRequest request, HttpClientConnection conn, HttpContext context)
            throws IOException, HttpException {
        ChannelBody body = channelBody(request);
        SocketChannel socket = body == null ? null : plainChannel(conn);
        if (socket == null) {
            return super.doSendRequest(request, conn, context);
        }
        context.setAttribute(HttpCoreContext.HTTP_CONNECTION, conn);
        context.setAttribute(HttpCoreContext.HTTP_REQ_SENT, Boolean.FALSE);
        conn.sendRequestHeader(request);
        conn.flush(); // the head, still in the connection's buffer, goes out before the body that bypasses it
        body.sendTo(socket, () -> { });
        context.setAttribute(HttpCoreContext.HTTP_REQ_SENT, Boolean.TRUE);
        return null;
    }

    private static ChannelBody channelBody(HttpRequest request) {
        if (request instanceof HttpEntityEnclosingRequest r && !r.expectContinue()) {
            HttpEntity entity = r.getEntity();
            if (entity instanceof ChannelBody b && !b.isChunked() && b.getContentLength() >= 0) {
                return b;
            }
        }
        return null;
    }

    /** The blocking channel of a plain connection's socket, or null: TLS, or a socket without a channel. */
    static SocketChannel plainChannel(HttpClientConnection conn) {
        if (!(conn instanceof ManagedHttpClientConnection managed)) {
            return null;
        }
        Socket socket = managed.getSocket();
        // A TLS socket layered over a channel-backed socket reports that socket's channel, which would send the
        // file unencrypted beside the TLS session.
        if (socket == null || socket instanceof SSLSocket) {
            return null;
        }
        SocketChannel channel = socket.getChannel();
        return channel != null && channel.isBlocking() ? channel : null;
    }
}
