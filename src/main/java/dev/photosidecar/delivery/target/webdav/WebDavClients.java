package dev.photosidecar.delivery.target.webdav;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.WebDavSettings;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.Credentials;
import dev.photosidecar.ledger.FailureCode;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;

/**
 * The clients that talk to the host for deliveries: one pooled connection manager shared by all, and one
 * Sardine client per set of credentials (a user's stored password, the shared account, or the ExApp's AppAPI
 * identity acting for a user), built on first use and kept. Every client reaches the configured origin only.
 */
final class WebDavClients implements AutoCloseable {
    private final WebDavSettings settings;
    private final CredentialStore credentials;
    private final Supplier<Optional<ExAppIdentity>> exApp;
    private final PoolingHttpClientConnectionManager pool;
    private final RequestConfig requests;
    private final HostOrigin origin;
    private final Optional<Credentials> sharedAccount;
    private final Cache<Credentials, WebDavClient> clients = Caffeine.newBuilder().maximumSize(1_000).build();

    /**
     * @param exApp asked for each client: while it supplies an identity, the sidecar acts for each user through
     *              AppAPI and needs no user password, and a registration taken up while running applies at once
     */
    WebDavClients(WebDavSettings settings, CredentialStore credentials, int workers, Supplier<Optional<ExAppIdentity>> exApp) {
        this.settings = settings;
        this.credentials = credentials;
        this.exApp = exApp;
        // Plain-http sockets with a channel, to which a PUT's file goes by sendfile (ChannelRequestExecutor);
        // https keeps HttpClient's TLS sockets and stream path.
        this.pool = new PoolingHttpClientConnectionManager(RegistryBuilder.<ConnectionSocketFactory>create()
                .register("http", ChannelSocketFactory.INSTANCE)
                .register("https", SSLConnectionSocketFactory.getSocketFactory())
                .build());
        // Every worker talks to the host at once, and a probe or PROPFIND may run beside them.
        pool.setMaxTotal(workers * 2 + 2);
        pool.setDefaultMaxPerRoute(workers * 2 + 2);
        // Connections idle for a second are checked before reuse: after a host restart they are all dead.
        pool.setValidateAfterInactivity(1000);
        this.requests = RequestConfig.custom()
                .setConnectTimeout((int) settings.connectTimeout().toMillis())
                .setSocketTimeout((int) settings.socketTimeout().toMillis())
                .setConnectionRequestTimeout((int) settings.socketTimeout().toMillis())
                .setExpectContinueEnabled(false)
                .build();
        this.sharedAccount = settings.user().map(u -> new Credentials(u, settings.password().orElse("")));
        this.origin = HostOrigin.of(settings.baseUrl());
    }

    /** The one origin every request may go to. */
    HostOrigin origin() {
        return origin;
    }

    /** The client that delivers for {@code user}: its stored credentials, else the shared account, else none. */
    WebDavClient forUser(String user) throws DeliveryFailure {
        Optional<ExAppIdentity> id = exApp.get();
        if (id.isPresent()) {
            // Keyed by the secret too: a new registration gets new clients, never ones with the old secret.
            return clients.get(new Credentials("exapp:" + user, id.get().secret()), k -> appApiClient(id.get(), user));
        }
        Optional<Credentials> creds;
        try {
            creds = credentials.find(user).or(() -> sharedAccount);
        } catch (IllegalStateException e) {
            throw new DeliveryFailure(FailureKind.USER_BLOCKED, FailureCode.CREDENTIALS_UNREADABLE,
                    "CREDENTIALS_UNREADABLE: " + e.getMessage());
        }
        Credentials key = creds.orElse(new Credentials("", ""));
        return clients.get(key, k -> client(builder(), creds, rootUrl(user)));
    }

    /** The client that asks the host what it is (status.php, capabilities): the ExApp's or the shared account's. */
    WebDavClient forProbe() {
        Optional<ExAppIdentity> id = exApp.get();
        if (id.isPresent()) {
            return clients.get(new Credentials("exapp:", id.get().secret()), k -> appApiClient(id.get(), ""));
        }
        Credentials key = sharedAccount.orElse(new Credentials("", ""));
        return clients.get(key, k -> client(builder(), sharedAccount, rootUrl("_")));
    }

    private WebDavClient appApiClient(ExAppIdentity identity, String user) {
        List<org.apache.http.Header> headers = AppApiHeaders.forUser(identity, user).entrySet().stream()
                .map(e -> (org.apache.http.Header) new org.apache.http.message.BasicHeader(e.getKey(), e.getValue())).toList();
        // Default headers go with every request of this client, and the client reaches no origin but the host's.
        return client(builder().setDefaultHeaders(headers), Optional.empty(), rootUrl(user));
    }

    private WebDavClient client(HttpClientBuilder builder, Optional<Credentials> creds, URL root) {
        return new WebDavClient(builder, creds.map(Credentials::login), creds.map(Credentials::password), root,
                settings.socketTimeout(), settings.deadline());
    }

    private HttpClientBuilder builder() {
        return origin.clientBuilder(requests)
                .setConnectionManager(pool)
                .setConnectionManagerShared(true)
                .setRequestExecutor(new ChannelRequestExecutor());
    }

    private URL rootUrl(String user) {
        try {
            return new URL(DavPaths.userRoot(settings.baseUrl(), user));
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        clients.asMap().values().forEach(c -> {
            try {
                c.shutdown();
            } catch (IOException ignored) {
                // closing
            }
        });
        pool.shutdown();
    }
}
