package dev.photosidecar.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The device API as {@code push} uses it, over {@link HttpClient}: the key check, uploads streamed from
 * files, job reads and bulk acknowledgement. A refused token ends the whole push ({@link PushAbort}):
 * every further call would be refused too.
 */
final class SidecarClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short calls; an upload gets more time, by its size (see {@link #uploadTimeout}). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    /** An HTTP answer with its JSON body ({@link MissingNode} when the body was not JSON). */
    record Answer(int status, HttpHeaders headers, JsonNode json) {
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        public String errorCode() {
            return json.path("error").path("code").asText("");
        }

        /** "KEY_CONFLICT: key … was already received with different content", or the bare status. */
        public String problem() {
            String message = json.path("error").path("message").asText("");
            String code = errorCode();
            if (code.isEmpty()) {
                return "HTTP " + status;
            }
            return code + (message.isEmpty() ? "" : ": " + message);
        }
    }

    private final URI server;
    private final String token;
    private final HttpClient http;

    SidecarClient(URI server, String token) {
        this.server = server;
        this.token = token;
        // HTTP/1.1: the sidecar speaks no HTTP/2, and an h2c upgrade offer on every upload is wasted bytes.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@code POST /v1/uploads/check} for at most 1000 keys: the ones the server knows, with their job's state. */
    Map<String, String> check(List<String> keys) {
        Answer a;
        try {
            a = send(request("/v1/uploads/check").timeout(CALL_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Map.of("keys", keys)))).build());
        } catch (IOException e) {
            throw new PushAbort("cannot reach " + server + ": " + NetworkErrors.describe(e));
        }
        if (a.status() != 200 || !a.json().path("known").isObject()) {
            throw new PushAbort(server + " does not answer like a photo-sidecar (" + a.problem()
                    + " for POST /v1/uploads/check); is --server right?");
        }
        Map<String, String> known = new LinkedHashMap<>();
        a.json().path("known").properties().forEach(e -> known.put(e.getKey(), e.getValue().asText()));
        return known;
    }

    /**
     * {@code PUT /v1/uploads/{key}}, the body streamed from the file; {@code sent} hears of every buffer
     * handed to the connection.
     */
    Answer upload(MediaFile file, Map<String, String> headers, LongConsumer sent) throws IOException {
        HttpRequest.Builder b = request("/v1/uploads/" + file.key()).timeout(uploadTimeout(file.size()))
                .PUT(new CountingBodyPublisher(HttpRequest.BodyPublishers.ofFile(file.path()), sent));
        headers.forEach(b::header);
        return send(b.build());
    }

    /**
     * Enough for a slow uplink (256 KiB/s) plus two minutes: the client's timeout runs until the answer's
     * headers, so it covers sending the body too. A dead connection is still noticed, just not instantly.
     */
    static Duration uploadTimeout(long size) {
        return Duration.ofMinutes(2).plusSeconds(size / (256 * 1024));
    }

    Answer get(String path) throws IOException {
        return send(request(path).timeout(CALL_TIMEOUT).GET().build());
    }

    /** {@code GET /v1/uploads/{key}}. */
    Answer jobForKey(String key) throws IOException {
        return get("/v1/uploads/" + URLEncoder.encode(key, StandardCharsets.UTF_8));
    }

    Answer postJson(String path, Object body) throws IOException {
        return send(request(path).timeout(CALL_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build());
    }

    /** {@code path} below the server URL, so that a sidecar behind a proxy at {@code https://host/sidecar/} works too. */
    private HttpRequest.Builder request(String path) {
        URI uri = server.resolve(path.startsWith("/") ? path.substring(1) : path);
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token);
    }

    private Answer send(HttpRequest request) throws IOException {
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode json;
        try {
            json = r.body().length == 0 ? MissingNode.getInstance() : JSON.readTree(r.body());
        } catch (IOException notJson) {
            json = MissingNode.getInstance();
        }
        Answer a = new Answer(r.statusCode(), r.headers(), json == null ? MissingNode.getInstance() : json);
        if (a.status() == 401) {
            throw new PushAbort("the server at " + server + " refused the token (" + a.problem() + "); check --token, "
                    + "or enroll a device with: photo-sidecar device add --user USER --name NAME");
        }
        return a;
    }
}
