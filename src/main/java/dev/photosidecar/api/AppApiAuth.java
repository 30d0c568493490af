package dev.photosidecar.api;

import dev.photosidecar.ErrorCode;
import dev.photosidecar.Problem;
import dev.photosidecar.config.ExAppIdentity;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Checks a call from Nextcloud's AppAPI: the right {@code EX-APP-ID}, an {@code EX-APP-VERSION}, and
 * {@code AUTHORIZATION-APP-API: base64(user:secret)} with our secret (compared in constant time).
 * Returns the user the call is made for; empty for system calls.
 */
final class AppApiAuth {
    private final ExAppIdentity identity;

    AppApiAuth(ExAppIdentity identity) {
        this.identity = identity;
    }

    String verify(Context ctx) {
        String appId = ctx.header("EX-APP-ID");
        if (appId == null || !appId.equals(identity.appId())) {
            throw refused("EX-APP-ID is missing or not " + identity.appId());
        }
        String version = ctx.header("EX-APP-VERSION");
        if (version == null || version.isBlank()) {
            throw refused("EX-APP-VERSION is missing");
        }
        String auth = ctx.header("AUTHORIZATION-APP-API");
        if (auth == null) {
            throw refused("AUTHORIZATION-APP-API is missing");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw refused("AUTHORIZATION-APP-API is not base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0 || !identity.secretMatches(decoded.substring(colon + 1))) {
            throw refused("AUTHORIZATION-APP-API does not carry this app's secret");
        }
        return decoded.substring(0, colon);
    }

    private static Problem refused(String why) {
        return new Problem(ErrorCode.UNAUTHORIZED, "AppAPI call refused: " + why);
    }
}
