package dev.photosidecar.cli.nextcloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.push.NetworkErrors;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks the sidecar for {@code GET /heartbeat} the way AppAPI will, before any occ command runs. AppAPI waits up to
 * ten minutes for a heartbeat and then fails with no useful reason; this check fails in a second and says, in one
 * line, what to do. Asking also makes a running sidecar take up the registration just written.
 */
public final class SidecarHeartbeat {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final String url;

    /** @param host and @param port where Nextcloud reaches the sidecar ({@code --sidecar-host}, {@code --port}) */
    public SidecarHeartbeat(String host, int port) {
        boolean ipv6 = host.contains(":") && !host.startsWith("[");
        this.url = "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + port + "/heartbeat";
    }

    public String url() {
        return url;
    }

    /**
     * Empty when the sidecar answers as a registered ExApp; otherwise why not, and the fix, in one line.
     *
     * @param dataDir where this command keeps exapp.json, which the sidecar must be reading
     * @param nextcloudUrl for the start command the line suggests
     */
    public Optional<String> problem(Path dataDir, String nextcloudUrl) {
        String start = "SIDECAR_TARGET=nextcloud SIDECAR_WEBDAV_URL=" + nextcloudUrl + " SIDECAR_DATA_DIR=" + dataDir + " bin/photo-sidecar";
        HttpResponse<String> r;
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).followRedirects(HttpClient.Redirect.NEVER).build();
            r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return Optional.of("nothing answers at " + url + " (" + NetworkErrors.describe(e) + "), and AppAPI would wait 10 minutes "
                    + "for it: start the sidecar (" + start + ") where Nextcloud reaches it as --sidecar-host, then run this again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while asking " + url);
        } catch (IllegalArgumentException badHost) {
            return Optional.of("--sidecar-host makes no valid URL (" + url + "): give a host name or an IP address");
        }
        String code = errorCode(r.body());
        if (r.statusCode() == 200 && "ok".equals(field(r.body(), "status"))) {
            return Optional.empty();
        }
        if (code.equals("EXAPP_NOT_REGISTERED")) {
            return Optional.of("the sidecar at " + url + " does not read the data folder " + dataDir + ", where this command keeps "
                    + "exapp.json: run this command with the sidecar's own --config or SIDECAR_DATA_DIR");
        }
        if (r.statusCode() == 404 && code.equals("NOT_FOUND")) {
            return Optional.of("the sidecar at " + url + " runs without SIDECAR_TARGET=nextcloud (or is older than this command): "
                    + "restart it as " + start + ", then run this again");
        }
        return Optional.of("something other than the sidecar answers at " + url + " (HTTP " + r.statusCode()
                + "): correct --sidecar-host or --port");
    }

    private static String errorCode(String body) {
        JsonNode n = json(body);
        return n == null ? "" : n.path("error").path("code").asText("");
    }

    private static String field(String body, String name) {
        JsonNode n = json(body);
        return n == null ? null : n.path(name).asText(null);
    }

    private static JsonNode json(String body) {
        try {
            return new ObjectMapper().readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }
}
