package dev.photosidecar.http;

import dev.photosidecar.config.TlsFiles;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The server's one listening connector: plain HTTP/1.1, or HTTP/1.1 over TLS when {@code SIDECAR_TLS_CERT}
 * and {@code SIDECAR_TLS_KEY} are set. The key store is built in memory from the PEM files, under a random
 * password that exists only in this process.
 */
public final class TlsConnector {
    /**
     * The size of one read from a connection's socket, and so of the pieces a body is handed over in. Jetty's
     * default 8 KiB makes a 1 MiB photo 128 reads, each a system call and a pass through Jetty's read path; the
     * spool writes and hashes 64 KiB at a time anyway ({@code spool/BodyReads}). It costs 64 KiB of the buffer
     * pool per connection that is reading, not per idle one (Jetty releases an empty read buffer).
     */
    static final int READ_BUFFER = 64 * 1024;

    private TlsConnector() {
    }

    public static Connector create(Server server, HttpConfiguration http, String bind, int port, Optional<TlsFiles> tls) {
        ServerConnector connector;
        if (tls.isEmpty()) {
            connector = new ServerConnector(server, reading(new HttpConnectionFactory(http)));
        } else {
            char[] password = randomPassword();
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(tls.get().keyStore(password));
            ssl.setKeyStorePassword(new String(password));
            HttpConfiguration https = new HttpConfiguration(http);
            // One certificate for the whole server: no virtual hosts whose names SNI would have to match,
            // and phones that reach it by IP address send no SNI at all.
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false);
            https.addCustomizer(secure);
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()),
                    reading(new HttpConnectionFactory(https)));
        }
        connector.setHost(bind);
        connector.setPort(port);
        return connector;
    }

    private static HttpConnectionFactory reading(HttpConnectionFactory factory) {
        factory.setInputBufferSize(READ_BUFFER);
        return factory;
    }

    private static char[] randomPassword() {
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw).toCharArray();
    }
}
