package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.config.WebDavSettings;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.Credentials;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.http.HttpHost;
import org.apache.http.impl.conn.DefaultManagedHttpClientConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PUT's file goes to a plain-http host by transferTo (sendfile) on the sockets {@link ChannelSocketFactory} makes,
 * and arrives intact on a real lighttpd; a TLS socket never gets the channel path, and a channel socket's reads are
 * bounded by its socket timeout as a plain socket's are.
 */
@WebDavTest
class FileRegionSendfileTest {
    @TempDir
    Path temp;

    @Test
    void wholeFilesAndChunksGoByTransferToAndArriveIntactOnLighttpd() throws Exception {
        byte[] content = Files2.randomBytes(17, (40 << 20) + 123);
        Path file = temp.resolve("spool.bin");
        Files.write(file, content);
        try (WebDavServer server = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"));
             WebDavClients clients = clients(server)) {
            WebDavClient dav = clients.forProbe();

            FileRegionEntity whole = new FileRegionEntity(file, 0, content.length, "application/octet-stream");
            DavReply put = dav.putRegion(server.baseUrl() + "whole.bin", whole, Map.of());
            assertThat(put.status()).isIn(200, 201, 204);
            assertThat(whole.transferred()).as("bytes sent by transferTo").isEqualTo(content.length);
            assertThat(Files2.sha256(server.root().resolve("whole.bin"))).isEqualTo(Files2.sha256(content));

            int offset = (5 << 20) + 3;
            int length = (7 << 20) + 1;
            FileRegionEntity chunk = new FileRegionEntity(file, offset, length, "application/octet-stream");
            put = dav.putRegion(server.baseUrl() + "chunk.bin", chunk, Map.of());
            assertThat(put.status()).isIn(200, 201, 204);
            assertThat(chunk.transferred()).as("bytes sent by transferTo").isEqualTo(length);
            assertThat(Files.readAllBytes(server.root().resolve("chunk.bin")))
                    .isEqualTo(Arrays.copyOfRange(content, offset, offset + length));

            // The whole-file PUT of a delivery goes the same way (its entity is made inside putFile).
            put = dav.putFile(server.baseUrl() + "file.bin", file, "application/octet-stream");
            assertThat(put.status()).isIn(200, 201, 204);
            assertThat(Files2.sha256(server.root().resolve("file.bin"))).isEqualTo(Files2.sha256(content));
        }
    }

    @Test
    void aSpoolFileShorterThanItsRegionFailsThePutAndLandsNothing() throws Exception {
        byte[] content = Files2.randomBytes(18, 3 << 20);
        Path file = temp.resolve("short.bin");
        Files.write(file, content);
        try (WebDavServer server = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"));
             WebDavClients clients = clients(server)) {
            WebDavClient dav = clients.forProbe();
            FileRegionEntity region = new FileRegionEntity(file, 0, content.length + (1 << 20), "application/octet-stream");
            assertThatThrownBy(() -> dav.putRegion(server.baseUrl() + "short.bin", region, Map.of()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("the spool file ended before its chunk did");
            assertThat(region.transferred()).as("what went by transferTo before the file ended").isEqualTo(content.length);
            assertThat(server.root().resolve("short.bin")).doesNotExist();
        }
    }

    @Test
    void aTlsSocketNeverGetsTheChannelPathEvenOverAChannelSocket() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket plain = new Socket()) {
            Socket channelSocket = ChannelSocketFactory.INSTANCE.connectSocket(5_000, null, new HttpHost("127.0.0.1"),
                    (InetSocketAddress) listener.getLocalSocketAddress(), null, null);
            try (Socket accepted = listener.accept()) {
                assertThat(ChannelRequestExecutor.plainChannel(bound(channelSocket)))
                        .isSameAs(channelSocket.getChannel()).isNotNull();

                SSLSocket tls = (SSLSocket) SSLContext.getDefault().getSocketFactory()
                        .createSocket(channelSocket, "127.0.0.1", listener.getLocalPort(), true);
                // The JDK's TLS socket reports the channel of the socket under it: the check must not trust it.
                assertThat(ChannelRequestExecutor.plainChannel(bound(tls))).isNull();

                plain.connect(listener.getLocalSocketAddress(), 5_000);
                assertThat(ChannelRequestExecutor.plainChannel(bound(plain))).as("a socket without a channel").isNull();
                tls.close();
            }
        }
    }

    @Test
    void aChannelSocketsReadsAreBoundedByItsSocketTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket socket = ChannelSocketFactory.INSTANCE.createSocket(null);
            socket.setSoTimeout(300);
            try (Socket s = ChannelSocketFactory.INSTANCE.connectSocket(5_000, socket, new HttpHost("127.0.0.1"),
                    (InetSocketAddress) silent.getLocalSocketAddress(), null, null);
                 Socket accepted = silent.accept()) {
                assertThat(s.getChannel()).isNotNull();
                InputStream in = s.getInputStream();
                // The host accepted and never answers: the read ends with the socket timeout, not never.
                assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
                // Still open and usable, as after a plain socket's timeout.
                assertThat(s.isClosed()).isFalse();
                accepted.getOutputStream().write('x');
                assertThat(in.read()).isEqualTo('x');
            }
        }
    }

    private static DefaultManagedHttpClientConnection bound(Socket socket) throws IOException {
        DefaultManagedHttpClientConnection conn = new DefaultManagedHttpClientConnection("test", 8192);
        conn.bind(socket);
        return conn;
    }

    private static WebDavClients clients(WebDavServer server) {
        WebDavSettings settings = new WebDavSettings(server.baseUrl() + "{user}/", Optional.of(server.user()),
                Optional.of(server.password()), Duration.ofSeconds(10), Duration.ofSeconds(60), 64L << 20, 16L << 20,
                Duration.ofMinutes(5), 64 << 10);
        return new WebDavClients(settings, new NoCredentials(), 2, Optional::empty);
    }

    /** No user has credentials of their own: every client uses the server's shared account. */
    private static final class NoCredentials implements CredentialStore {
        @Override
        public void set(String userId, String login, String password) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Credentials> find(String userId) {
            return Optional.empty();
        }

        @Override
        public long version(String userId) {
            return 0;
        }

        @Override
        public List<Entry> list() {
            return List.of();
        }

        @Override
        public boolean remove(String userId) {
            return false;
        }
    }
}
