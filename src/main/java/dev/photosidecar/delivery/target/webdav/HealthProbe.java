package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.config.WebDavSettings;
import dev.photosidecar.delivery.DeliveryTarget.Health;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Optional;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpOptions;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;

/**
 * Whether the host answers: {@code OPTIONS /} on two connections of the probe's own, within its own deadline
 * ({@code min(webdav_timeout, webdav_deadline, 10 s)}) and never a delivery attempt's. Deliveries that hold every
 * pooled connection cannot stall it, and it takes none from them.
 */
final class HealthProbe implements AutoCloseable {
    private final WebDavSettings settings;
    private final Duration limit;
    private final PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
    private final WebDavClient client;

    HealthProbe(WebDavSettings settings, HostOrigin origin) {
        this.settings = settings;
        // A probe is one small request: it may take as long as one quiet stretch of the host, 10 s at most.
        this.limit = min(min(settings.socketTimeout(), settings.deadline()), Duration.ofSeconds(10));
        pool.setMaxTotal(2);
        pool.setDefaultMaxPerRoute(2);
        pool.setValidateAfterInactivity(1000);
        RequestConfig requests = RequestConfig.custom()
                .setConnectTimeout((int) min(settings.connectTimeout(), limit).toMillis())
                .setSocketTimeout((int) limit.toMillis())
                .setConnectionRequestTimeout((int) limit.toMillis())
                .build();
        try {
            this.client = new WebDavClient(origin.clientBuilder(requests).setConnectionManager(pool).setConnectionManagerShared(true),
                    Optional.empty(), Optional.empty(), new URL(DavPaths.userRoot(settings.baseUrl(), "_")), limit, limit);
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Any HTTP answer from the host's root (a redirect too) means it is up; only silence or a 503 means it is not. */
    Health check() {
        URI base = URI.create(settings.baseUrl().replace("{user}", "_"));
        String root = base.getScheme() + "://" + base.getRawAuthority() + "/";
        try {
            DavReply r = Deadline.after(limit, Deadline.format(limit) + " (the probe's limit)")
                    .within(() -> client.call(new HttpOptions(root)));
            if (r.status() == 503 || r.maintenance()) {
                return new Health(false, settings.baseUrl() + " answers 503 (maintenance or overload)");
            }
            return new Health(true, settings.baseUrl());
        } catch (HostExchange.Redirected e) {
            return new Health(true, settings.baseUrl() + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            return new Health(false, settings.baseUrl() + " does not answer (" + e.getClass().getSimpleName()
                    + (e instanceof Deadline.Exceeded ? ": " + e.getMessage() : "") + ")");
        }
    }

    @Override
    public void close() {
        try {
            client.shutdown();
        } catch (IOException ignored) {
            // closing
        }
        pool.shutdown();
    }
}
