package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.config.ExAppIdentity;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The headers with which an ExApp acts for a user (or, with an empty user, for itself) towards
 * Nextcloud: WebDAV and OCS accept them instead of a password.
 */
public final class AppApiHeaders {
    /** The AppAPI version we speak to; Nextcloud 32 ships AppAPI 32.0.0. */
    static final String AA_VERSION = "32.0.0";

    private AppApiHeaders() {
    }

    public static Map<String, String> forUser(ExAppIdentity identity, String user) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("EX-APP-ID", identity.appId());
        h.put("EX-APP-VERSION", identity.version());
        h.put("AA-VERSION", AA_VERSION);
        h.put("AUTHORIZATION-APP-API", Base64.getEncoder().encodeToString(
                (user + ":" + identity.secret()).getBytes(StandardCharsets.UTF_8)));
        h.put("AA-REQUEST-ID", UUID.randomUUID().toString());
        h.put("OCS-APIRequest", "true");
        return h;
    }
}
