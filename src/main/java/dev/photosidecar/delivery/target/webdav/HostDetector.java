package dev.photosidecar.delivery.target.webdav;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.http.client.methods.HttpGet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out whether the host is Nextcloud ({@code status.php}) and what it supports (the OCS
 * capabilities), cached and refreshed every few minutes. A host that does not answer like Nextcloud is
 * treated as a generic WebDAV server.
 */
final class HostDetector {
    private static final Logger log = LoggerFactory.getLogger(HostDetector.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration REFRESH = Duration.ofMinutes(5);

    private final String serverRoot;
    private final Supplier<WebDavClient> client;
    private final Duration deadline;
    private final LoadingCache<String, HostFacts> facts;
    private volatile HostFacts last;

    /**
     * @param serverRoot the host's root URL ending in '/', where status.php lives
     * @param deadline   how long one detection (both requests) may take
     */
    HostDetector(String serverRoot, Supplier<WebDavClient> client, Duration deadline, Clock clock) {
        this.serverRoot = serverRoot;
        this.client = client;
        this.deadline = deadline;
        Ticker ticker = () -> clock.millis() * 1_000_000L;
        this.facts = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(REFRESH).build(k -> detect());
    }

    /** The server root of a WebDAV URL: everything before /remote.php/, or the URL's origin. */
    static String serverRootOf(String baseUrl) {
        return DavPaths.serverRoot(baseUrl);
    }

    HostFacts facts() {
        return facts.get("host");
    }

    /** Forget what we knew (after a maintenance answer, say): the next call asks again. */
    void refresh() {
        facts.invalidateAll();
    }

    /**
     * Runs under a deadline of its own, whoever asks (a delivery whose attempt budget must not be spent on it,
     * or a 503 that makes it look again).
     */
    private HostFacts detect() {
        HostFacts found = HostFacts.genericWebDav();
        try {
            found = Deadline.after(deadline, Deadline.format(deadline) + " (SIDECAR_WEBDAV_DEADLINE)").within(() -> {
                JsonNode status = getJson("status.php");
                return HostFacts.looksLikeNextcloud(status)
                        ? HostFacts.fromNextcloud(status, getJson("ocs/v2.php/cloud/capabilities?format=json"))
                        : HostFacts.genericWebDav();
            });
        } catch (HostExchange.AnswerTooLarge | Deadline.Exceeded | HostExchange.Redirected e) {
            log.warn("Host detection at {} failed: {}", serverRoot, e.getMessage());
        } catch (IOException | RuntimeException e) {
            log.debug("Host detection at {} failed: {}", serverRoot, e.toString());
        }
        if (last == null || last.nextcloud() != found.nextcloud() || !last.version().equals(found.version())) {
            log.info(found.nextcloud() ? "The host is Nextcloud {} (chunked uploads up to {} bytes, {} at once)"
                            : "The host is a generic WebDAV server{}{}{}", found.version(),
                    found.nextcloud() ? found.maxChunkBytes() : "", found.nextcloud() ? found.maxParallel() : "");
        }
        last = found;
        return found;
    }

    /**
     * The JSON the host answers at {@code path}, or null when it answers anything else. The answer is read up to
     * {@link HostExchange#SMALL_ANSWER} within the request's deadline: a host that sends more, or takes longer,
     * fails the detection (and the host counts as generic WebDAV until the next one) instead of filling the heap
     * or holding the caller.
     */
    private JsonNode getJson(String path) throws IOException {
        HttpGet get = new HttpGet(serverRoot + path);
        get.setHeader("OCS-APIRequest", "true");
        get.setHeader("Accept", "application/json");
        return client.get().send(get, HostExchange.SMALL_ANSWER, r -> {
            try (InputStream in = r.getEntity() == null ? null : r.getEntity().getContent()) {
                if (r.getStatusLine().getStatusCode() != 200 || in == null) {
                    return null;
                }
                try {
                    return JSON.readTree(in);
                } catch (HostExchange.AnswerTooLarge tooLarge) {
                    throw tooLarge;
                } catch (com.fasterxml.jackson.core.JacksonException notJson) {
                    return null;
                }
            }
        });
    }
}
