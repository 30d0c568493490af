package dev.photosidecar.delivery.target.webdav;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.apache.http.HttpResponse;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;

/**
 * Nextcloud's account calls that enrollment needs: who a login and app password belong to
 * ({@code /ocs/v1.php/cloud/user}), and Login Flow v2 ({@code /index.php/login/v2}) for apps that prefer
 * a browser login. Each call is bounded like every request to the host ({@link HostExchange}: no redirect
 * followed, 30 s at most, 1 MiB of JSON at most), and a login flow whose URLs lead anywhere but the configured
 * host is refused.
 */
public final class NextcloudAccounts {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An enrollment call answers a phone that waits: 30 s at most, or less when webdav_deadline says so. */
    private static final Duration LONGEST = Duration.ofSeconds(30);

    /** The start of a login flow: the page to open and what to poll. */
    public record Flow(String loginUrl, String pollEndpoint, String pollToken) {
        @Override
        public String toString() {
            return "Flow[" + loginUrl + ", poll=" + pollEndpoint + ", token=(hidden)]";
        }
    }

    /** A finished login flow: the account and its new app password. */
    public record Grant(String loginName, String appPassword) {
        @Override
        public String toString() {
            return "Grant[" + loginName + ", appPassword=(hidden)]";
        }
    }

    /** The host did not answer as Nextcloud does; the message says how. */
    public static class HostError extends IOException {
        private static final long serialVersionUID = 1L;

        HostError(String message) {
            super(message);
        }
    }

    /**
     * The host answered, but with a login flow that leads elsewhere: a login page or poll endpoint on another
     * origin, or not http(s) at all. Neither the phone nor the sidecar is sent there.
     */
    public static final class UntrustedAnswer extends HostError {
        private static final long serialVersionUID = 1L;

        UntrustedAnswer(String message) {
            super(message);
        }
    }

    private final String serverRoot;
    private final HostOrigin origin;
    private final CloseableHttpClient http;
    private final Duration deadline;

    /** For the host {@code settings} name, with its connect timeout and deadline (30 s at most). */
    public NextcloudAccounts(dev.photosidecar.config.WebDavSettings settings) {
        this(settings.baseUrl(), settings.connectTimeout(), settings.deadline().compareTo(LONGEST) < 0 ? settings.deadline() : LONGEST);
    }

    /** @param baseUrl the configured WebDAV URL; the server root is everything before /remote.php/ */
    private NextcloudAccounts(String baseUrl, Duration timeout, Duration deadline) {
        this.deadline = deadline;
        this.serverRoot = HostDetector.serverRootOf(baseUrl);
        this.origin = HostOrigin.of(baseUrl);
        // Its own few connections: enrollment neither waits for deliveries nor holds them up.
        PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
        pool.setMaxTotal(8);
        pool.setDefaultMaxPerRoute(8);
        pool.setValidateAfterInactivity(1000);
        int ms = (int) deadline.toMillis();
        this.http = origin.clientBuilder(RequestConfig.custom().setConnectTimeout((int) Math.min(timeout.toMillis(), ms))
                        .setSocketTimeout(ms).setConnectionRequestTimeout(ms).build())
                .setConnectionManager(pool)
                .build();
    }

    /** The user id behind these credentials, or empty when the host refuses them. */
    public Optional<String> userId(String login, String password) throws IOException, InterruptedException {
        String basic = Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpGet get = new HttpGet(serverRoot + "ocs/v1.php/cloud/user?format=json");
        get.setHeader("Authorization", "Basic " + basic);
        get.setHeader("OCS-APIRequest", "true");
        get.setHeader("Accept", "application/json");
        Answer r = exchange(get);
        if (r.status() == 401 || r.status() == 403) {
            return Optional.empty();
        }
        JsonNode body = r.json("the user lookup");
        JsonNode meta = body.path("ocs").path("meta");
        if (meta.path("statuscode").asInt(100) == 997) {
            return Optional.empty();
        }
        String id = body.path("ocs").path("data").path("id").asText("");
        if (r.status() != 200 || id.isEmpty()) {
            throw new HostError("the host answered " + r.status() + " to the user lookup");
        }
        return Optional.of(id);
    }

    public Flow startLogin(String userAgent) throws IOException, InterruptedException {
        HttpPost post = new HttpPost(serverRoot + "index.php/login/v2");
        post.setHeader("User-Agent", userAgent);
        post.setHeader("Accept", "application/json");
        Answer r = exchange(post);
        if (r.status() != 200) {
            throw new HostError("the host answered " + r.status() + " when starting a login flow");
        }
        JsonNode body = r.json("the login flow start");
        String login = body.path("login").asText("");
        String endpoint = body.path("poll").path("endpoint").asText("");
        String token = body.path("poll").path("token").asText("");
        if (login.isEmpty() || endpoint.isEmpty() || token.isEmpty()) {
            throw new HostError("the host's login flow answer lacks login, poll.endpoint or poll.token");
        }
        onThisHost(login, "login");
        onThisHost(endpoint, "poll.endpoint");
        return new Flow(login, endpoint, token);
    }

    /** Empty while the user has not granted access yet. */
    public Optional<Grant> poll(Flow flow) throws IOException, InterruptedException {
        // Checked again here: a Flow is a plain record, and the poll sends the token that yields an app password.
        onThisHost(flow.pollEndpoint(), "poll.endpoint");
        HttpPost post = new HttpPost(flow.pollEndpoint());
        post.setHeader("Accept", "application/json");
        post.setEntity(new StringEntity("token=" + URLEncoder.encode(flow.pollToken(), StandardCharsets.UTF_8),
                ContentType.APPLICATION_FORM_URLENCODED));
        Answer r = exchange(post);
        if (r.status() == 404) {
            return Optional.empty();
        }
        if (r.status() != 200) {
            throw new HostError("the host answered " + r.status() + " to the login poll");
        }
        // The answer's "server" is not used: the app password is only ever sent to the configured host.
        JsonNode body = r.json("the login poll");
        return Optional.of(new Grant(body.path("loginName").asText(), body.path("appPassword").asText()));
    }

    /**
     * Refuses a URL from the host's answer unless it is an http(s) URL, without user info, on the configured
     * origin: the phone is sent to {@code login}, and the sidecar sends the poll token to {@code poll.endpoint}.
     */
    private void onThisHost(String url, String field) throws UntrustedAnswer {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new UntrustedAnswer("the host's login flow answer has a " + field + " that is not a URL: "
                    + HostExchange.printable(url));
        }
        if (!origin.contains(uri)) {
            throw new UntrustedAnswer("the host's login flow answer points " + field + " to " + HostExchange.printable(url)
                    + ", which is not on the configured host " + origin + " (SIDECAR_WEBDAV_URL); if Nextcloud calls"
                    + " itself by another address (overwrite.cli.url, overwritehost), set SIDECAR_WEBDAV_URL to that one");
        }
    }

    /** An answer's status and body, the body read within the deadline and the size bound. */
    private record Answer(int status, byte[] body) {
        JsonNode json(String what) throws HostError {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new HostError("the host answered " + status + " to " + what + " with something that is not JSON");
            }
        }
    }

    private Answer exchange(HttpRequestBase request) throws IOException {
        Deadline d = Deadline.after(deadline, Deadline.format(deadline) + ", the limit of an enrollment call");
        return HostExchange.run(request, d, HostExchange.SMALL_ANSWER, (HttpResponse r) -> {
            byte[] body = new byte[0];
            if (r.getEntity() != null) {
                try (InputStream in = r.getEntity().getContent()) {
                    body = in.readAllBytes();
                }
            }
            return new Answer(r.getStatusLine().getStatusCode(), body);
        }, guarded -> http.execute(request, guarded));
    }
}
