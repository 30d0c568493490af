package dev.photosidecar.cli.doctor;

import dev.photosidecar.push.NetworkErrors;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The few HTTP requests the doctor makes to the delivery host: a plain GET (does it answer, what time does
 * it say) and a PROPFIND with depth 0 (do these credentials open this folder). Redirects are not followed:
 * a redirect is itself a finding.
 */
final class HostProbe {
    private static final String PROPFIND_BODY = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:resourcetype/></d:prop></d:propfind>";

    /**
     * An answer, with when the request went out and when the answer came back (for the clock check).
     *
     * @param problem why there was no answer ("connection refused"); the other fields are then meaningless
     */
    record Reply(int status, Map<String, java.util.List<String>> headers, String body, Instant sent, Instant received,
                 Optional<String> problem) {
        boolean answered() {
            return problem.isEmpty();
        }

        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        /** The host's clock per its Date header. */
        Optional<Instant> date() {
            try {
                return header("Date").map(d -> ZonedDateTime.parse(d, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }

    private final HttpClient http;
    private final Duration timeout;
    private final Clock clock;

    HostProbe(Duration connectTimeout, Duration timeout, Clock clock) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.timeout = timeout;
        this.clock = clock;
    }

    Reply get(String url, Map<String, String> headers) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), headers);
    }

    Reply propfind(String url, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .method("PROPFIND", HttpRequest.BodyPublishers.ofString(PROPFIND_BODY))
                .header("Depth", "0")
                .header("Content-Type", "application/xml; charset=utf-8");
        return send(b, headers);
    }

    static Map<String, String> basicAuth(String login, String password) {
        return Map.of("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    private Reply send(HttpRequest.Builder b, Map<String, String> headers) {
        headers.forEach(b::header);
        b.header("User-Agent", "photo-sidecar doctor").timeout(timeout);
        Instant sent = clock.instant();
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().map(), r.body(), sent, clock.instant(), Optional.empty());
        } catch (IOException e) {
            return new Reply(0, Map.of(), "", sent, clock.instant(), Optional.of(NetworkErrors.describe(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(0, Map.of(), "", sent, clock.instant(), Optional.of("interrupted"));
        }
    }
}
