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
    private TlsConnector() {
    }

    public static Connector create(Server server, HttpConfiguration http, String bind, int port, Optional<TlsFiles> tls) {
        ServerConnector connector;
        if (tls.isEmpty()) {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
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
                    new HttpConnectionFactory(https));
        }
        connector.setHost(bind);
        connector.setPort(port);
        return connector;
    }

    private static char[] randomPassword() {
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw).toCharArray();
    }
}
