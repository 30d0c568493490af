package dev.photosidecar.http.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.sqlite.SqliteLedger;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions, CSRF tokens and the token check of the admin page, without HTTP, on a real ledger file: sessions are
 * recorded there so that every replica knows them.
 */
@UnitTest
class AdminAuthTest {
    static final String TOKEN = "correct horse battery staple";
    static final byte[] KEY = SecretBox.load(Optional.of("the shared secret key"), Path.of("unused")).derive("admin-sessions");

    @TempDir
    Path dir;

    MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:00:00Z"));
    Ledger ledger;
    AdminAuth auth;

    @BeforeEach
    void open() {
        ledger = SqliteLedger.openPooled(dir.resolve("ledger.db"), clock, 2);
        auth = new AdminAuth(Optional.of(TOKEN), KEY, ledger.adminSessions(), clock);
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    @Test
    void withoutATokenThereIsNoAdminAndNothingMatches() {
        AdminAuth off = new AdminAuth(Optional.empty(), KEY, ledger.adminSessions(), clock);
        assertThat(off.enabled()).isFalse();
        assertThat(off.tokenMatches("")).isFalse();
        assertThat(off.login("", "1.2.3.4")).isEmpty();
        assertThat(new AdminAuth(Optional.of("   "), KEY, ledger.adminSessions(), clock).enabled()).as("blank means none").isFalse();
    }

    @Test
    void onlyTheExactTokenMatches() {
        assertThat(auth.tokenMatches(TOKEN)).isTrue();
        assertThat(auth.tokenMatches(TOKEN + " ")).isFalse();
        assertThat(auth.tokenMatches(TOKEN.substring(1))).isFalse();
        assertThat(auth.tokenMatches(TOKEN.toUpperCase())).isFalse();
        assertThat(auth.tokenMatches(null)).isFalse();
        assertThat(auth.bearerMatches("Bearer " + TOKEN)).isTrue();
        assertThat(auth.bearerMatches("bearer   " + TOKEN)).isTrue();
        assertThat(auth.bearerMatches("Basic " + TOKEN)).isFalse();
        assertThat(auth.bearerMatches(TOKEN)).isFalse();
        assertThat(auth.bearerMatches(null)).isFalse();
    }

    @Test
    void aWrongTokenOpensNoSession() {
        assertThat(auth.login("wrong", "10.0.0.1")).isEmpty();
        assertThat(auth.sessionCount()).isZero();
    }

    @Test
    void aSessionCookieWorksUntilItExpiresOrSignsOut() {
        String cookie = auth.login(TOKEN, "10.0.0.1").orElseThrow();
        AdminAuth.Session s = auth.session(cookie).orElseThrow();
        assertThat(s.expiresAt()).isEqualTo(clock.instant().plus(AdminAuth.SESSION_TTL));
        assertThat(cookie).doesNotContain(TOKEN);

        clock.advance(AdminAuth.SESSION_TTL.minusSeconds(1));
        assertThat(auth.session(cookie)).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(auth.session(cookie)).as("expired").isEmpty();

        String again = auth.login(TOKEN, "10.0.0.1").orElseThrow();
        auth.logout(again);
        assertThat(auth.session(again)).as("signed out").isEmpty();
    }

    @Test
    void aTamperedOrForeignCookieIsRefused() {
        String cookie = auth.login(TOKEN, "10.0.0.1").orElseThrow();
        int dot = cookie.indexOf('.');
        String id = cookie.substring(0, dot);
        String mac = cookie.substring(dot + 1);

        assertThat(auth.session(flip(id) + "." + mac)).as("changed id").isEmpty();
        assertThat(auth.session(id + "." + flip(mac))).as("changed MAC").isEmpty();
        assertThat(auth.session(id)).as("no MAC").isEmpty();
        assertThat(auth.session(id + ".")).isEmpty();
        assertThat(auth.session(id + ".!!!")).as("not base64").isEmpty();
        assertThat(auth.session("")).isEmpty();
        assertThat(auth.session(null)).isEmpty();
        assertThat(auth.session("x".repeat(500))).isEmpty();
        // A process with another secret key: its cookies mean nothing here, even with the session on record.
        byte[] otherKey = SecretBox.load(Optional.of("another secret key"), dir).derive("admin-sessions");
        AdminAuth other = new AdminAuth(Optional.of(TOKEN), otherKey, ledger.adminSessions(), clock);
        assertThat(other.session(cookie)).isEmpty();
        assertThat(auth.session(cookie)).as("the real one still works").isPresent();
    }

    @Test
    void aSessionOpenedThroughOneReplicaWorksOnAnotherAndSigningOutThereEndsIt() {
        try (Ledger second = SqliteLedger.openPooled(dir.resolve("ledger.db"), clock, 2)) {
            AdminAuth replica = new AdminAuth(Optional.of(TOKEN), KEY, second.adminSessions(), clock);
            String cookie = auth.login(TOKEN, "10.0.0.1").orElseThrow();
            AdminAuth.Session there = replica.session(cookie).orElseThrow();
            AdminAuth.Session here = auth.session(cookie).orElseThrow();
            assertThat(there.csrfToken()).as("the CSRF token is the same on every replica").isEqualTo(here.csrfToken());
            assertThat(replica.nextcloudSession("admin").csrfToken()).isEqualTo(auth.nextcloudSession("admin").csrfToken());

            replica.logout(cookie);
            assertThat(auth.session(cookie)).as("signed out through the other replica").isEmpty();
            assertThat(ledger.adminSessions().count()).isZero();
        }
    }

    @Test
    void theLedgerNeverHoldsTheSessionIdTheCookieCarries() {
        String cookie = auth.login(TOKEN, "10.0.0.1").orElseThrow();
        String id = cookie.substring(0, cookie.indexOf('.'));
        assertThat(ledger.adminSessions().expiresAt(id)).isEmpty();
        assertThat(auth.session(cookie)).isPresent();
    }

    @Test
    void theCsrfTokenBelongsToItsSession() {
        AdminAuth.Session a = auth.session(auth.login(TOKEN, "10.0.0.1").orElseThrow()).orElseThrow();
        AdminAuth.Session b = auth.session(auth.login(TOKEN, "10.0.0.1").orElseThrow()).orElseThrow();
        assertThat(a.csrfToken()).isNotEqualTo(b.csrfToken());
        assertThat(auth.csrfMatches(a, a.csrfToken())).isTrue();
        assertThat(auth.csrfMatches(a, b.csrfToken())).isFalse();
        assertThat(auth.csrfMatches(a, flip(a.csrfToken()))).isFalse();
        assertThat(auth.csrfMatches(a, "")).isFalse();
        assertThat(auth.csrfMatches(a, null)).isFalse();
    }

    @Test
    void tenWrongTokensBlockTheAddressForTheWindow() {
        for (int i = 0; i < AdminAuth.LOGIN_LIMIT; i++) {
            assertThat(auth.loginBlocked("10.0.0.9")).isFalse();
            assertThat(auth.login("guess-" + i, "10.0.0.9")).isEmpty();
        }
        assertThat(auth.loginBlocked("10.0.0.9")).isTrue();
        assertThat(auth.login(TOKEN, "10.0.0.9")).as("even the right token, while blocked").isEmpty();
        assertThat(auth.login(TOKEN, "10.0.0.10")).as("another address").isPresent();

        clock.advance(AdminAuth.LOGIN_WINDOW.plusSeconds(1));
        assertThat(auth.loginBlocked("10.0.0.9")).isFalse();
        assertThat(auth.login(TOKEN, "10.0.0.9")).isPresent();
    }

    @Test
    void sessionsAreCapped() {
        for (int i = 0; i < AdminAuth.MAX_SESSIONS + 20; i++) {
            auth.login(TOKEN, "10.0.0.1").orElseThrow();
            clock.advance(Duration.ofMillis(1));
        }
        assertThat(auth.sessionCount()).isLessThanOrEqualTo(AdminAuth.MAX_SESSIONS);
    }

    private static String flip(String s) {
        char c = s.charAt(s.length() / 2);
        char d = c == 'A' ? 'B' : 'A';
        return s.substring(0, s.length() / 2) + d + s.substring(s.length() / 2 + 1);
    }
}
