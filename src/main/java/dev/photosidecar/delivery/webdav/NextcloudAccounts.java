package dev.photosidecar.delivery.webdav;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Nextcloud's account calls that enrollment needs: who a login and app password belong to
 * ({@code /ocs/v1.php/cloud/user}), and Login Flow v2 ({@code /index.php/login/v2}) for apps that prefer
 * a browser login.
 */
public final class NextcloudAccounts {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The start of a login flow: the page to open and what to poll. */
    public record Flow(String loginUrl, String pollEndpoint, String pollToken) {
    }

    /** A finished login flow: the account and its new app password. */
    public record Grant(String loginName, String appPassword) {
        @Override
        public String toString() {
            return "Grant[" + loginName + ", appPassword=(hidden)]";
        }
    }

    /** The host did not answer as Nextcloud does; the message says how. */
    public static final class HostError extends IOException {
        private static final long serialVersionUID = 1L;

        HostError(String message) {
            super(message);
        }
    }

    private final String serverRoot;
    private final HttpClient http;

    /** @param baseUrl the configured WebDAV URL; the server root is everything before /remote.php/ */
    public NextcloudAccounts(String baseUrl, Duration timeout) {
        this.serverRoot = HostDetector.serverRootOf(baseUrl);
        // HTTP/1.1: the JDK client's h2c upgrade makes concurrent calls fail with "GOAWAY received" against hosts that
        // speak h2c (lighttpd does), so that enrollments arriving together were refused as "host unavailable".
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The user id behind these credentials, or empty when the host refuses them. */
    public Optional<String> userId(String login, String password) throws IOException, InterruptedException {
        String basic = Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(serverRoot + "ocs/v1.php/cloud/user?format=json"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + basic)
                .header("OCS-APIRequest", "true")
                .header("Accept", "application/json")
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            return Optional.empty();
        }
        JsonNode body = parse(r);
        JsonNode meta = body.path("ocs").path("meta");
        if (meta.path("statuscode").asInt(100) == 997) {
            return Optional.empty();
        }
        String id = body.path("ocs").path("data").path("id").asText("");
        if (r.statusCode() != 200 || id.isEmpty()) {
            throw new HostError("the host answered " + r.statusCode() + " to the user lookup");
        }
        return Optional.of(id);
    }

    public Flow startLogin(String userAgent) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(serverRoot + "index.php/login/v2"))
                .timeout(Duration.ofSeconds(30))
                .header("User-Agent", userAgent)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new HostError("the host answered " + r.statusCode() + " when starting a login flow");
        }
        JsonNode body = parse(r);
        String login = body.path("login").asText("");
        String endpoint = body.path("poll").path("endpoint").asText("");
        String token = body.path("poll").path("token").asText("");
        if (login.isEmpty() || endpoint.isEmpty() || token.isEmpty()) {
            throw new HostError("the host's login flow answer lacks login, poll.endpoint or poll.token");
        }
        return new Flow(login, endpoint, token);
    }

    /** Empty while the user has not granted access yet. */
    public Optional<Grant> poll(Flow flow) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(flow.pollEndpoint()))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(flow.pollToken(), StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        if (r.statusCode() != 200) {
            throw new HostError("the host answered " + r.statusCode() + " to the login poll");
        }
        JsonNode body = parse(r);
        return Optional.of(new Grant(body.path("loginName").asText(), body.path("appPassword").asText()));
    }

    private static JsonNode parse(HttpResponse<String> r) throws HostError {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new HostError("the host answered " + r.statusCode() + " with something that is not JSON");
        }
    }
}
