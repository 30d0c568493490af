package dev.photosidecar.http;

import io.javalin.http.Context;

/**
 * The security headers every response starts with, set before any handler runs so that a handler may
 * still tighten them (the admin HTML pages send a stricter policy of their own) or loosen caching for
 * what is safe to cache (the admin page's fingerprinted assets).
 *
 * <ul>
 *   <li>Everywhere: {@code X-Content-Type-Options: nosniff} (a browser never guesses a JSON error or an
 *       upload answer to be HTML) and {@code Cache-Control: no-store} (job lists, tokens from enrollment
 *       and error bodies are per device and must not sit in a shared or browser cache).</li>
 *   <li>Under {@code /admin}: a Content-Security-Policy that allows only this origin's own scripts,
 *       styles and images, with no inline script; framing only by the same origin (the page may be shown
 *       inside Nextcloud through AppAPI's proxy, which is the same origin); and no Referer leaving the
 *       page (its URLs can carry job ids).</li>
 * </ul>
 */
public final class SecurityHeaders {
    /** The admin page's policy: nothing inline, nothing from elsewhere. */
    public static final String ADMIN_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'";

    private SecurityHeaders() {
    }

    /** A before-handler for every request: {@code config.routes.before(SecurityHeaders::apply)}. */
    public static void apply(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-store");
        if (ctx.path().equals("/admin") || ctx.path().startsWith("/admin/")) {
            ctx.header("Content-Security-Policy", ADMIN_CSP);
            ctx.header("X-Frame-Options", "SAMEORIGIN");
            ctx.header("Referrer-Policy", "no-referrer");
        }
    }
}
