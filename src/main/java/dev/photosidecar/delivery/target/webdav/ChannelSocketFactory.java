package dev.photosidecar.delivery.target.webdav;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import org.apache.http.HttpHost;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.protocol.HttpContext;

/**
 * Plain-http sockets that have a {@link SocketChannel} behind them ({@code SocketChannel.open().socket()}), so that
 * {@link ChannelRequestExecutor} can send a file's bytes to them with {@code FileChannel.transferTo} (sendfile):
 * HttpClient's own factory makes {@code java.net.Socket}s that have none. HttpClient uses the socket as any other:
 * the connect timeout is the connect's, and the socket timeout ({@code setSoTimeout}) bounds every read of its
 * input stream, as on a plain socket ({@code ChannelSocketFactoryTest}). https keeps HttpClient's TLS factory.
 */
final class ChannelSocketFactory implements ConnectionSocketFactory {
    static final ChannelSocketFactory INSTANCE = new ChannelSocketFactory();

    private ChannelSocketFactory() {
    }

    @Override
    public Socket createSocket(HttpContext context) throws IOException {
        return SocketChannel.open().socket();
    }

    @Override
    public Socket connectSocket(int connectTimeout, Socket socket, HttpHost host, InetSocketAddress remoteAddress,
                                InetSocketAddress localAddress, HttpContext context) throws IOException {
        Socket s = socket != null ? socket : createSocket(context);
        try {
            if (localAddress != null) {
                s.bind(localAddress);
            }
            s.connect(remoteAddress, connectTimeout);
            return s;
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }
}
