package dev.photosidecar.delivery.webdav;

import dev.photosidecar.config.ExAppIdentity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tells Nextcloud's AppAPI how far the ExApp's initialisation got ({@code PUT …/ex-app/status}). */
public final class AppApiStatus {
    private static final Logger log = LoggerFactory.getLogger(AppApiStatus.class);

    private final String serverRoot;
    private final ExAppIdentity identity;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public AppApiStatus(String baseUrl, ExAppIdentity identity) {
        this.serverRoot = HostDetector.serverRootOf(baseUrl);
        this.identity = identity;
    }

    public void reportProgress(int percent) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(serverRoot + "ocs/v1.php/apps/app_api/ex-app/status"))
                    .timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"progress\":" + percent + "}"));
            AppApiHeaders.forUser(identity, "").forEach(b::header);
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            log.info("Reported initialisation progress {}% to Nextcloud: HTTP {}", percent, r.statusCode());
        } catch (Exception e) {
            log.warn("Could not report initialisation progress to Nextcloud: {}", e.toString());
        }
    }
}
