package dev.photosidecar.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.photosidecar.delivery.target.webdav.NextcloudAccounts;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.EnrolledDevice;
import dev.photosidecar.ledger.Ids;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Self-service enrollment against Nextcloud, with no admin step: a phone proves who it is with a login
 * and app password ({@code POST /v1/devices}) or through Nextcloud's Login Flow v2 in a browser
 * ({@code POST /v1/login}, then {@code POST /v1/login/poll}). The app password becomes the user's stored
 * (encrypted) credentials for deliveries; the phone gets a device token.
 */
public final class EnrollmentController {
    private static final Logger log = LoggerFactory.getLogger(EnrollmentController.class);
    static final Duration LOGIN_FLOW_TTL = Duration.ofMinutes(20);
    /** Enrollment attempts per address per window; one that succeeds is given back. */
    static final int ENROLL_ATTEMPTS = 10;
    /** Browser logins started per address per window (each makes the host open a login flow). */
    static final int LOGIN_STARTS = 20;
    static final Duration ATTEMPT_WINDOW = Duration.ofMinutes(15);
    private static final int MAX_ADDRESSES = 100_000;

    private record PendingLogin(NextcloudAccounts.Flow flow, String deviceName, Instant expiresAt) {
    }

    private final Optional<NextcloudAccounts> accounts;
    private final BooleanSupplier hostIsNextcloud;
    private final DeviceRegistry devices;
    private final CredentialStore credentials;
    private final Clock clock;
    private final AttemptLimit enrollments;
    private final AttemptLimit loginStarts;
    private final Cache<String, PendingLogin> logins;

    public EnrollmentController(Optional<NextcloudAccounts> accounts, BooleanSupplier hostIsNextcloud, DeviceRegistry devices,
                         CredentialStore credentials, Clock clock) {
        this.accounts = accounts;
        this.hostIsNextcloud = hostIsNextcloud;
        this.devices = devices;
        this.credentials = credentials;
        this.clock = clock;
        this.enrollments = new AttemptLimit(ENROLL_ATTEMPTS, ATTEMPT_WINDOW, MAX_ADDRESSES, clock);
        this.loginStarts = new AttemptLimit(LOGIN_STARTS, ATTEMPT_WINDOW, MAX_ADDRESSES, clock);
        this.logins = Caffeine.newBuilder().ticker(() -> clock.millis() * 1_000_000L)
                .expireAfterWrite(LOGIN_FLOW_TTL).maximumSize(10_000).build();
    }

    /** {@code POST /v1/devices} with {@code Authorization: Basic login:app-password} and {@code {"name":…}}. */
    public void enroll(Context ctx) throws InterruptedException {
        NextcloudAccounts nc = available();
        String client = ctx.ip();
        String[] basic = basicCredentials(ctx.header("Authorization"));
        String name = JsonBodies.stringField(ctx, "name", true).orElseThrow();
        checkName(name);
        // Counted before the host is asked: guesses sent together cannot all reach the host before one is counted.
        admit(enrollments, client, "enrollment attempts");
        Optional<String> userId;
        try {
            userId = lookUp(nc, basic[0], basic[1]);
        } catch (Problem hostDidNotAnswer) {
            enrollments.giveBack(client); // the host judged nothing, so nothing was learnt
            throw hostDidNotAnswer;
        }
        if (userId.isEmpty()) {
            log.warn("Enrollment refused for login {} from {}: the host rejected the credentials", basic[0], client);
            throw new Problem(ErrorCode.INVALID_CREDENTIALS, "the host refused this login and app password; nothing was stored");
        }
        enrollments.giveBack(client);
        ctx.status(201).json(finish(userId.get(), basic[0], basic[1], name));
    }

    /** {@code POST /v1/login}: starts a browser login; the phone opens {@code loginUrl} and polls with {@code pollHandle}. */
    public void startLogin(Context ctx) throws InterruptedException {
        NextcloudAccounts nc = available();
        String name = JsonBodies.stringField(ctx, "name", false).orElse("Phone (browser login)");
        checkName(name);
        admit(loginStarts, ctx.ip(), "browser logins started");
        NextcloudAccounts.Flow flow;
        try {
            flow = nc.startLogin("Photo Upload Sidecar (" + name + ")");
        } catch (IOException e) {
            throw hostUnavailable(e);
        }
        String handle = "login_" + Ids.jobId();
        Instant expires = clock.instant().plus(LOGIN_FLOW_TTL);
        logins.put(handle, new PendingLogin(flow, name, expires));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("loginUrl", flow.loginUrl());
        body.put("pollHandle", handle);
        body.put("expiresAt", expires.toString());
        ctx.status(201).json(body);
    }

    /** {@code POST /v1/login/poll} with {@code {"pollHandle":…}}: 202 while pending, 201 with the device token when done. */
    public void pollLogin(Context ctx) throws InterruptedException {
        NextcloudAccounts nc = available();
        String handle = JsonBodies.stringField(ctx, "pollHandle", true).orElseThrow();
        // A hash-map lookup, not a comparison: the handle is 130 random bits (Ids.jobId), so what the
        // lookup's timing could say about near-miss keys does not help anyone guess a live handle.
        PendingLogin pending = logins.getIfPresent(handle);
        if (pending == null) {
            throw new Problem(ErrorCode.LOGIN_NOT_FOUND, "no login flow " + UploadKey.printable(handle)
                    + " (login flows expire after " + LOGIN_FLOW_TTL.toMinutes() + " minutes); start a new one");
        }
        Optional<NextcloudAccounts.Grant> grant;
        try {
            grant = nc.poll(pending.flow());
        } catch (IOException e) {
            throw hostUnavailable(e);
        }
        if (grant.isEmpty()) {
            ctx.status(202).json(Map.of("status", "pending", "expiresAt", pending.expiresAt().toString()));
            return;
        }
        logins.invalidate(handle);
        NextcloudAccounts.Grant g = grant.get();
        Optional<String> userId = lookUp(nc, g.loginName(), g.appPassword());
        if (userId.isEmpty()) {
            throw new Problem(ErrorCode.INVALID_CREDENTIALS, "the host refused the app password its own login flow issued");
        }
        ctx.status(201).json(finish(userId.get(), g.loginName(), g.appPassword(), pending.deviceName()));
    }

    private Map<String, Object> finish(String userId, String login, String appPassword, String deviceName) {
        checkName(deviceName);
        credentials.set(userId, login, appPassword);
        EnrolledDevice enrolled = devices.add(userId, deviceName);
        log.info("Enrolled device {} ({}) for user {} with an app password", enrolled.device().id(), deviceName, userId);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deviceId", enrolled.device().id());
        body.put("token", enrolled.token());
        body.put("user", userId);
        return body;
    }

    /** Counts one attempt of {@code client}, or refuses with 429 once its attempts in the window are used up. */
    private static void admit(AttemptLimit limit, String client, String what) {
        if (!limit.tryAcquire(client)) {
            log.warn("Refused a request from {}: more than {} {} in {} minutes", client, limit.limit(), what,
                    limit.window().toMinutes());
            throw new Problem(ErrorCode.TOO_MANY_ATTEMPTS, "too many " + what + " from " + client + " (at most " + limit.limit()
                    + " in " + limit.window().toMinutes() + " minutes); try again later");
        }
    }

    private NextcloudAccounts available() {
        if (accounts.isEmpty() || !hostIsNextcloud.getAsBoolean()) {
            throw new Problem(ErrorCode.ENROLLMENT_UNAVAILABLE,
                    "self-service enrollment needs a Nextcloud host (SIDECAR_TARGET=nextcloud); ask the admin for a token");
        }
        return accounts.get();
    }

    private static Optional<String> lookUp(NextcloudAccounts nc, String login, String password) throws InterruptedException {
        try {
            return nc.userId(login, password);
        } catch (IOException e) {
            throw hostUnavailable(e);
        }
    }

    private static Problem hostUnavailable(IOException e) {
        if (e instanceof NextcloudAccounts.UntrustedAnswer) {
            return new Problem(ErrorCode.UNTRUSTED_HOST_ANSWER, "the Nextcloud host's answer was refused: " + e.getMessage());
        }
        return new Problem(ErrorCode.HOST_UNAVAILABLE, "the Nextcloud host did not answer as expected: " + e.getMessage());
    }

    /** 400 INVALID_PARAMETER for a device name the registry's rule refuses ({@link DeviceRegistry#nameProblem}). */
    static void checkName(String name) {
        DeviceRegistry.nameProblem(name).ifPresent(why -> {
            throw new Problem(ErrorCode.INVALID_PARAMETER, why);
        });
    }

    private static String[] basicCredentials(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new Problem(ErrorCode.INVALID_CREDENTIALS, "enrollment needs Authorization: Basic with your login and app password");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Problem(ErrorCode.INVALID_CREDENTIALS, "the Basic credentials are not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0 || colon == decoded.length() - 1) {
            throw new Problem(ErrorCode.INVALID_CREDENTIALS, "the Basic credentials must be login:app-password");
        }
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }
}
