package dev.photosidecar.http;

import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Checks a call from Nextcloud's AppAPI: the right {@code EX-APP-ID}, an {@code EX-APP-VERSION}, and
 * {@code AUTHORIZATION-APP-API: base64(user:secret)} with our secret (compared in constant time).
 * Returns the user the call is made for; empty for system calls. The identity is asked for on each call, so a
 * registration taken up while the sidecar runs is in force at once.
 */
public final class AppApiAuth {
    private final Supplier<Optional<ExAppIdentity>> identity;

    public AppApiAuth(Supplier<Optional<ExAppIdentity>> identity) {
        this.identity = identity;
    }

    /**
     * The Nextcloud user a call was proxied for, when it carries AppAPI's headers; empty when it carries none
     * (a direct call, which the admin page answers with its own sign-in), or while the sidecar is no ExApp (the headers
     * then mean nothing here). A call with AppAPI headers that do not
     * verify, or a system call with no user, is refused: nobody gets the page by sending half the headers.
     *
     * <p>That the user is an admin is Nextcloud's check, not ours: the manifest declares the {@code admin} route
     * with access level 2 (ADMIN), and AppAPI proxies it only for members of the admin group. Only Nextcloud
     * knows the app secret, so a verified call is one it proxied.
     */
    public Optional<String> proxiedUser(Context ctx) {
        if (ctx.header("AUTHORIZATION-APP-API") == null || identity.get().isEmpty()) {
            return Optional.empty();
        }
        String user = verify(ctx);
        if (user.isBlank()) {
            throw refused("the call names no Nextcloud user");
        }
        return Optional.of(user);
    }

    String verify(Context ctx) {
        ExAppIdentity identity = this.identity.get().orElseThrow(AppApiAuth::notRegistered);
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

    /** The answer to AppAPI's calls while no registration is in force. */
    static Problem notRegistered() {
        return new Problem(ErrorCode.EXAPP_NOT_REGISTERED, "this sidecar is not registered as a Nextcloud ExApp: "
                + "run photo-sidecar nextcloud register with its data folder");
    }

    private static Problem refused(String why) {
        return new Problem(ErrorCode.UNAUTHORIZED, "AppAPI call refused: " + why);
    }
}
