package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.config.ExAppIdentity;
import java.io.IOException;
import java.time.Duration;
import org.apache.http.HttpResponse;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpPut;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells Nextcloud's AppAPI how far the ExApp's initialisation got ({@code PUT …/ex-app/status}). The call
 * carries the AppAPI secret, so it goes through a client that reaches the configured host only and follows
 * no redirect, and it is bounded like every request to the host ({@link HostExchange}).
 */
public final class AppApiStatus {
    private static final Logger log = LoggerFactory.getLogger(AppApiStatus.class);
    private static final Duration DEADLINE = Duration.ofMinutes(2);

    private final String serverRoot;
    private final HostOrigin origin;
    private final ExAppIdentity identity;

    public AppApiStatus(String baseUrl, ExAppIdentity identity) {
        this.serverRoot = HostDetector.serverRootOf(baseUrl);
        this.origin = HostOrigin.of(baseUrl);
        this.identity = identity;
    }

    public void reportProgress(int percent) {
        int ms = (int) DEADLINE.toMillis();
        try (CloseableHttpClient http = origin.clientBuilder(RequestConfig.custom().setConnectTimeout(10_000)
                .setSocketTimeout(ms).setConnectionRequestTimeout(ms).build()).build()) {
            HttpPut put = new HttpPut(serverRoot + "ocs/v1.php/apps/app_api/ex-app/status");
            put.setEntity(new StringEntity("{\"progress\":" + percent + "}", ContentType.APPLICATION_JSON));
            AppApiHeaders.forUser(identity, "").forEach(put::setHeader);
            int status = HostExchange.run(put, Deadline.after(DEADLINE, "2m, the limit of this call"), HostExchange.IGNORED_BODY,
                    (HttpResponse r) -> r.getStatusLine().getStatusCode(), guarded -> http.execute(put, guarded));
            log.info("Reported initialisation progress {}% to Nextcloud: HTTP {}", percent, status);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not report initialisation progress to Nextcloud: {}", e.toString());
        }
    }
}
