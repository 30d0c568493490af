package dev.photosidecar.http.admin;

import dev.photosidecar.http.AttemptLimit;
import dev.photosidecar.ledger.AdminSessions;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Who may see the admin page: whoever knows the admin token ({@code SIDECAR_ADMIN_TOKEN}).
 *
 * <ul>
 *   <li>Signing in with the token opens a session: a random id recorded in the ledger by its SHA-256 (so every
 *       replica knows it, and signing out through any of them ends it), sent to the browser as {@code id.mac}, the
 *       MAC an HMAC-SHA256 under a key derived from the secret key, which every replica shares and none sends
 *       anywhere. A cookie that was changed fails the MAC before anything is looked up.</li>
 *   <li>Every state-changing call made with a session also needs the session's CSRF token, an HMAC of the
 *       session id, in a form field or the {@code X-CSRF-Token} header.</li>
 *   <li>Scripts may instead send {@code Authorization: Bearer <admin token>}.</li>
 *   <li>Every comparison of a secret is constant-time; the token is compared as its SHA-256, so even its
 *       length does not leak.</li>
 *   <li>One address may try {@link #LOGIN_LIMIT} tokens in {@link #LOGIN_WINDOW}; a right one is given back. Each
 *       try is counted before the token is compared, so tries sent at once cannot outrun the count.</li>
 * </ul>
 */
public final class AdminAuth {
    public static final String COOKIE = "psc_admin";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    public static final String CSRF_FIELD = "csrf";
    static final Duration SESSION_TTL = Duration.ofHours(12);
    static final int MAX_SESSIONS = 1000;
    static final int LOGIN_LIMIT = 10;
    static final Duration LOGIN_WINDOW = Duration.ofMinutes(15);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Optional<byte[]> tokenHash;
    private final byte[] key;
    private final Clock clock;
    private final AdminSessions sessions;
    private final AttemptLimit attempts;

    /**
     * @param adminToken {@code SIDECAR_ADMIN_TOKEN}; empty turns the page off
     * @param key        the MAC key, the same in every replica ({@code SecretBox.derive})
     * @param sessions   where open sessions are recorded (the ledger)
     */
    public AdminAuth(Optional<String> adminToken, byte[] key, AdminSessions sessions, Clock clock) {
        this.tokenHash = adminToken.filter(t -> !t.isBlank()).map(AdminAuth::sha256);
        this.key = key.clone();
        this.sessions = sessions;
        this.clock = clock;
        this.attempts = new AttemptLimit(LOGIN_LIMIT, LOGIN_WINDOW, 10_000, clock);
    }

    /** Whether an admin token is configured; without one there is no admin page at all. */
    public boolean enabled() {
        return tokenHash.isPresent();
    }

    /** Whether {@code candidate} is the admin token (constant-time). */
    public boolean tokenMatches(String candidate) {
        if (tokenHash.isEmpty() || candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(tokenHash.get(), sha256(candidate));
    }

    /** Whether {@code Authorization} carries {@code Bearer <admin token>} (the scheme name in any case). */
    public boolean bearerMatches(String authorization) {
        if (authorization == null) {
            return false;
        }
        String[] parts = authorization.strip().split("\\s+", 2);
        return parts.length == 2 && parts[0].equalsIgnoreCase("Bearer") && tokenMatches(parts[1].strip());
    }

    // ---- signing in -------------------------------------------------------------------------------

    /** Whether {@code client} has used up its wrong guesses for now. */
    public boolean loginBlocked(String client) {
        return attempts.exhausted(client);
    }

    /**
     * Signs in with {@code candidate}: the new session's cookie value, or empty when the token is wrong (which
     * counts against {@code client}) or the client is blocked.
     */
    public Optional<String> login(String candidate, String client) {
        return signIn(candidate, client) instanceof SignIn.Opened opened ? Optional.of(opened.cookie()) : Optional.empty();
    }

    /**
     * Signs in with {@code candidate}, saying how it went. The try is counted before the token is compared, so a
     * burst of guesses gets exactly {@link #LOGIN_LIMIT} comparisons and {@link SignIn.Blocked} for the rest.
     */
    public SignIn signIn(String candidate, String client) {
        if (!attempts.tryAcquire(client)) {
            return new SignIn.Blocked();
        }
        if (!tokenMatches(candidate)) {
            return new SignIn.WrongToken();
        }
        attempts.giveBack(client);
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String id = b64(raw);
        sessions.open(idHash(id), now().plus(SESSION_TTL), now(), MAX_SESSIONS);
        return new SignIn.Opened(id + "." + b64(mac("session:" + id)));
    }

    /** How a sign-in went. */
    public sealed interface SignIn {
        /** A session was opened; {@code cookie} is its cookie value. */
        record Opened(String cookie) implements SignIn {
        }

        /** The token is not the admin token; the try was counted. */
        record WrongToken() implements SignIn {
        }

        /** The address has no tries left in this window; the token was not even compared. */
        record Blocked() implements SignIn {
        }
    }

    /** The session behind a cookie value, if the value is intact, known and not expired. */
    public Optional<Session> session(String cookieValue) {
        if (cookieValue == null || cookieValue.length() > 200) {
            return Optional.empty();
        }
        int dot = cookieValue.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String id = cookieValue.substring(0, dot);
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(cookieValue.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(mac("session:" + id), given)) {
            return Optional.empty();
        }
        Optional<Instant> recorded = sessions.expiresAt(idHash(id));
        if (recorded.isEmpty()) {
            return Optional.empty();
        }
        Instant expires = recorded.get();
        if (!now().isBefore(expires)) {
            sessions.close(idHash(id));
            return Optional.empty();
        }
        return Optional.of(new Session(id, b64(mac("csrf:" + id)), expires));
    }

    /**
     * The session of a Nextcloud admin whose call AppAPI proxied. Nextcloud vouches for the user on every call,
     * so nothing is stored; the CSRF token is still required for actions (an HMAC of the user under the shared
     * key, so any replica accepts it), so that a page elsewhere cannot make an admin's browser post through the proxy.
     */
    public Session nextcloudSession(String user) {
        String id = "nextcloud:" + user;
        return new Session(id, b64(mac("csrf:" + id)), now().plus(SESSION_TTL));
    }

    /** Ends the session behind this cookie value, if there is one. */
    public void logout(String cookieValue) {
        session(cookieValue).ifPresent(s -> sessions.close(idHash(s.id())));
    }

    /** Whether {@code candidate} is this session's CSRF token (constant-time). */
    public boolean csrfMatches(Session session, String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(session.csrfToken().getBytes(StandardCharsets.US_ASCII),
                candidate.strip().getBytes(StandardCharsets.UTF_8));
    }

    int sessionCount() {
        return sessions.count();
    }

    /** An open admin session: its id, the CSRF token its forms carry, and when it ends. */
    public record Session(String id, String csrfToken, Instant expiresAt) {
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** What the ledger records of a session: a leaked ledger gives no cookie away. */
    private static String idHash(String id) {
        return b64(sha256(id));
    }

    private Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    private byte[] mac(String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
