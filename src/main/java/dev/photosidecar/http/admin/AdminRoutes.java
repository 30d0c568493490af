package dev.photosidecar.http.admin;

import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.delivery.HostBreaker;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.LedgerStats;
import dev.photosidecar.spool.Spool;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin status page and its calls, all under {@code /admin}:
 *
 * <pre>
 * GET  /admin                    the status page (HTML); without a session, 303 to /admin/login
 * GET  /admin/login              the sign-in form
 * POST /admin/login              form field token=…; sets the session cookie, 303 to /admin
 * POST /admin/logout             ends the session (form field csrf=…; without it nothing changes)
 * GET  /admin/status.json        what the page shows, as JSON (session cookie, or Bearer admin token)
 * POST /admin/jobs/{id}/retry    failed → pending, attempts reset, any device's job
 * POST /admin/jobs/{id}/cancel   pending|failed → cancelled, spool copy removed
 * GET  /admin/assets/{name}      admin.css, admin.js, icon.svg
 * </pre>
 *
 * <p>The two job actions need either {@code Authorization: Bearer <admin token>}, or the session cookie plus
 * its CSRF token (header {@code X-CSRF-Token}, or form field {@code csrf}). A form post is answered with a
 * 303 back to the page, anything else with JSON. Without {@code SIDECAR_ADMIN_TOKEN} every admin path answers
 * {@code 404 NOT_FOUND} saying how to turn the page on. Errors are the API's JSON errors.
 *
 * <p>In ExApp mode the same paths are also Nextcloud's ADMIN route {@code admin}: Nextcloud shows the page at
 * {@code /index.php/apps/app_api/proxy/photo_sidecar/admin} to its admins, and proxies each call here with
 * AppAPI's headers. Such a call needs no sign-in (Nextcloud vouches for the admin) but its actions still need
 * the CSRF token. That is why every link, form, fetch and redirect here is relative: the page must work under
 * the proxy's prefix as well as at {@code /admin}.
 */
public final class AdminRoutes {
    private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);
    private static final Pattern JOB_ID = Pattern.compile("[a-z2-7]{1,64}");
    private static final String FORM = "application/x-www-form-urlencoded";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final JobLedger ledger;
    private final Spool spool;
    private final DeliveryTarget target;
    private final Runnable wake;
    private final AdminAuth auth;
    private final AdminStatus status;
    private final Map<String, Asset> assets = new LinkedHashMap<>();
    private final StatusPage page;
    private final ProxiedAdmin proxiedAdmin;

    /** The Nextcloud admin a call was proxied for by AppAPI (ExApp mode), or empty for a direct call. */
    @FunctionalInterface
    public interface ProxiedAdmin {
        ProxiedAdmin NONE = ctx -> Optional.empty();

        Optional<String> of(Context ctx);
    }

    /**
     * @param ledger     for the job actions (any device's job)
     * @param stats      the read-only figures the page shows
     * @param spool      free space, and removing a cancelled job's copy
     * @param target     its health, and discarding a cancelled job's partial upload
     * @param breaker    the delivery workers' host breaker ({@code workers::breaker})
     * @param auth       who may see the page ({@code SIDECAR_ADMIN_TOKEN}, sessions)
     * @param clock      the sidecar's clock
     * @param wake       wakes the delivery workers after a retry ({@code workers::wake})
     * @param proxied    who AppAPI says a proxied call is for ({@link ProxiedAdmin#NONE} outside ExApp mode)
     */
    public AdminRoutes(JobLedger ledger, LedgerStats stats, Spool spool, DeliveryTarget target, Supplier<HostBreaker> breaker,
                       AdminAuth auth, Clock clock, Runnable wake, ProxiedAdmin proxied) {
        this.ledger = ledger;
        this.spool = spool;
        this.target = target;
        this.wake = wake;
        this.proxiedAdmin = proxied;
        this.auth = auth;
        this.status = new AdminStatus(stats, spool, target, breaker, clock);
        asset("admin.css", "text/css; charset=utf-8");
        asset("admin.js", "text/javascript; charset=utf-8");
        asset("icon.svg", "image/svg+xml");
        this.page = new StatusPage(assetPath("admin.css"), assetPath("admin.js"), assetPath("icon.svg"));
    }

    /** Declares the admin routes; call inside {@code Javalin.create(config -> …)} with {@code config.routes}. */
    public void register(RoutesConfig routes) {
        routes.get("/admin", this::page);
        routes.get("/admin/", ctx -> redirect(ctx, "../admin"));
        routes.get("/admin/login", this::loginForm);
        routes.post("/admin/login", this::login);
        routes.post("/admin/logout", this::logout);
        routes.get("/admin/status.json", this::statusJson);
        routes.post("/admin/jobs/{id}/retry", this::retry);
        routes.post("/admin/jobs/{id}/cancel", this::cancel);
        routes.get("/admin/assets/{name}", this::asset);
    }

    /** The status page's authentication, for tests and for whoever wants to check a session elsewhere. */
    public AdminAuth auth() {
        return auth;
    }

    // ---- pages ------------------------------------------------------------------------------------------

    void page(Context ctx) {
        requireEnabled(ctx);
        Optional<Viewer> viewer = viewer(ctx);
        if (viewer.isEmpty()) {
            redirect(ctx, "admin/login");
            return;
        }
        html(ctx, 200, page.render(status.snapshot(), viewer.get().session().csrfToken(), !viewer.get().viaNextcloud()));
    }

    void loginForm(Context ctx) {
        requireEnabled(ctx);
        if (viewer(ctx).isPresent()) {
            redirect(ctx, "../admin");
            return;
        }
        html(ctx, 200, page.login(null));
    }

    void login(Context ctx) {
        requireEnabled(ctx);
        String client = ctx.ip();
        String token = isForm(ctx) ? ctx.formParam("token") : null;
        AdminAuth.SignIn result = auth.signIn(token == null ? null : token.strip(), client);
        if (result instanceof AdminAuth.SignIn.Opened opened) {
            log.info("Admin signed in from {}", client);
            ctx.header("Set-Cookie", cookie(ctx, opened.cookie(), AdminAuth.SESSION_TTL.toSeconds()));
            redirect(ctx, "../admin");
        } else if (result instanceof AdminAuth.SignIn.WrongToken) {
            log.warn("Admin sign-in with a wrong token from {}", client);
            html(ctx, 401, page.login("That is not the admin token."));
        } else {
            log.warn("Admin sign-in refused for {}: too many wrong tokens", client);
            ctx.header("Retry-After", String.valueOf(AdminAuth.LOGIN_WINDOW.toSeconds()));
            html(ctx, 429, page.login("Too many wrong tokens from this address. Try again in "
                    + AdminAuth.LOGIN_WINDOW.toMinutes() + " minutes."));
        }
    }

    void logout(Context ctx) {
        requireEnabled(ctx);
        String cookie = ctx.cookie(AdminAuth.COOKIE);
        Optional<AdminAuth.Session> session = auth.session(cookie);
        // Only the page itself may sign out: a page elsewhere cannot know the CSRF token, and its sign-out changes
        // nothing, not even the browser's cookie.
        if (session.isPresent() && !auth.csrfMatches(session.get(), csrfFrom(ctx))) {
            log.warn("Refused a sign-out without the session's CSRF token from {}", ctx.ip());
            if (isForm(ctx) && ctx.header(AdminAuth.CSRF_HEADER) == null) {
                redirect(ctx, "../admin");
                return;
            }
            throw new Problem(ErrorCode.UNAUTHORIZED, "the CSRF token is missing or wrong; sign out from the status page");
        }
        if (session.isPresent()) {
            auth.logout(cookie);
            log.info("Admin signed out from {}", ctx.ip());
        }
        ctx.header("Set-Cookie", cookie(ctx, "", 0));
        redirect(ctx, "login");
    }

    // ---- JSON -------------------------------------------------------------------------------------------

    void statusJson(Context ctx) {
        requireEnabled(ctx);
        if (!auth.bearerMatches(ctx.header("Authorization")) && viewer(ctx).isEmpty()) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "sign in at /admin/login, or send Authorization: Bearer <admin token>");
        }
        noStore(ctx);
        ctx.json(status.snapshot());
    }

    void retry(Context ctx) {
        authorizeAction(ctx);
        Job job = job(ctx.pathParam("id"));
        Job retried = ledger.retry(job.deviceId(), job.id(), "retried by an operator on the status page").job();
        log.info("Admin retried job {} ({} of {}, device {})", retried.id(), retried.filename(), retried.userId(), retried.deviceId());
        wake.run();
        done(ctx, retried);
    }

    void cancel(Context ctx) {
        authorizeAction(ctx);
        Job job = job(ctx.pathParam("id"));
        Job cancelled = ledger.cancel(job.deviceId(), job.id(), "by an operator on the status page").job();
        spool.remove(cancelled.id());
        // A half-done chunked upload on the host is removed in the background: the host may be slow or away.
        CompletableFuture.runAsync(() -> target.discard(cancelled));
        log.info("Admin cancelled job {} ({} of {}, device {})", cancelled.id(), cancelled.filename(), cancelled.userId(),
                cancelled.deviceId());
        done(ctx, cancelled);
    }

    private Job job(String id) {
        if (!JOB_ID.matcher(id).matches()) {
            throw new Problem(ErrorCode.JOB_NOT_FOUND, "no such job");
        }
        return ledger.find(id).orElseThrow(() -> new Problem(ErrorCode.JOB_NOT_FOUND, "no such job: " + id));
    }

    private void done(Context ctx, Job job) {
        if (isForm(ctx) && ctx.header(AdminAuth.CSRF_HEADER) == null) {
            redirect(ctx, "../../../admin"); // from /admin/jobs/{id}/{action}
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", job.id());
        body.put("state", job.state().wire());
        body.put("filename", job.filename());
        body.put("user", job.userId());
        body.put("deviceId", job.deviceId());
        noStore(ctx);
        ctx.json(body);
    }

    /** Bearer admin token, or a session with its CSRF token; otherwise 401. */
    private void authorizeAction(Context ctx) {
        requireEnabled(ctx);
        if (auth.bearerMatches(ctx.header("Authorization"))) {
            return;
        }
        Optional<Viewer> viewer = viewer(ctx);
        if (viewer.isEmpty()) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "sign in at /admin/login, or send Authorization: Bearer <admin token>");
        }
        if (!auth.csrfMatches(viewer.get().session(), csrfFrom(ctx))) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "the CSRF token is missing or wrong; reload the status page");
        }
    }

    private static String csrfFrom(Context ctx) {
        String header = ctx.header(AdminAuth.CSRF_HEADER);
        if (header != null) {
            return header;
        }
        return isForm(ctx) ? ctx.formParam(AdminAuth.CSRF_FIELD) : null;
    }

    // ---- assets -----------------------------------------------------------------------------------------

    void asset(Context ctx) {
        requireEnabled(ctx);
        Asset a = assets.get(ctx.pathParam("name"));
        if (a == null) {
            throw new Problem(ErrorCode.NOT_FOUND, "no such admin asset");
        }
        ctx.header("ETag", "\"" + a.hash() + "\"");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", a.hash().equals(ctx.queryParam("v")) ? "private, max-age=86400, immutable" : "no-cache");
        String match = ctx.header("If-None-Match");
        if (match != null && match.contains("\"" + a.hash() + "\"")) {
            ctx.status(304);
            return;
        }
        ctx.contentType(a.contentType()).result(a.bytes());
    }

    private void asset(String name, String contentType) {
        try (InputStream in = AdminRoutes.class.getResourceAsStream("/admin/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the admin asset /admin/" + name + " is not on the class path");
            }
            byte[] bytes = in.readAllBytes();
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
            assets.put(name, new Asset(contentType, bytes, hash));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An asset's path relative to {@code /admin/}, with its hash so that browsers may cache it for good. */
    private String assetPath(String name) {
        return "assets/" + name + "?v=" + assets.get(name).hash();
    }

    private record Asset(String contentType, byte[] bytes, String hash) {
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private void requireEnabled(Context ctx) {
        if (!auth.enabled() && proxiedAdmin.of(ctx).isEmpty()) {
            throw new Problem(ErrorCode.NOT_FOUND, "the admin page is disabled: set SIDECAR_ADMIN_TOKEN to turn it on");
        }
    }

    /** Who is looking: a Nextcloud admin through AppAPI's proxy, or a browser signed in with the admin token. */
    private Optional<Viewer> viewer(Context ctx) {
        Optional<String> nextcloudAdmin = proxiedAdmin.of(ctx);
        if (nextcloudAdmin.isPresent()) {
            return Optional.of(new Viewer(auth.nextcloudSession(nextcloudAdmin.get()), true));
        }
        return auth.session(ctx.cookie(AdminAuth.COOKIE)).map(s -> new Viewer(s, false));
    }

    private record Viewer(AdminAuth.Session session, boolean viaNextcloud) {
    }

    private static boolean isForm(Context ctx) {
        String type = ctx.header("Content-Type");
        return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith(FORM);
    }

    private static void html(Context ctx, int status, String html) {
        noStore(ctx);
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.status(status).contentType("text/html; charset=utf-8").result(html.getBytes(StandardCharsets.UTF_8));
    }

    private static void noStore(Context ctx) {
        ctx.header("Cache-Control", "no-store");
    }

    /**
     * A 303 to a relative location. Set by hand: a servlet redirect would make it absolute with this server's
     * host, which is wrong behind AppAPI's proxy (it follows redirects with the sidecar's own address).
     */
    private static void redirect(Context ctx, String location) {
        noStore(ctx);
        ctx.status(HttpStatus.SEE_OTHER).header("Location", location);
    }

    /** The session cookie: HttpOnly, SameSite=Strict, only for /admin, Secure when the page came over HTTPS. */
    private static String cookie(Context ctx, String value, long maxAgeSeconds) {
        boolean https = "https".equalsIgnoreCase(ctx.scheme())
                || "https".equalsIgnoreCase(Optional.ofNullable(ctx.header("X-Forwarded-Proto")).orElse("").strip());
        return AdminAuth.COOKIE + "=" + value + "; Path=/admin; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (https ? "; Secure" : "");
    }
}
