package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.support.UnitTest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.http.NoHttpResponseException;
import org.apache.http.conn.ConnectTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The failure table, row by row: what each host answer means for the job. */
@UnitTest
class WebDavFailuresTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "400, PERMANENT, REFUSED",
        "401, USER_BLOCKED, CREDENTIALS_REJECTED",
        "403, USER_BLOCKED, CREDENTIALS_REJECTED",
        "404, RETRYABLE, PATH_CONFLICT",
        "405, PERMANENT, REFUSED",
        "409, RETRYABLE, PATH_CONFLICT",
        "414, PERMANENT, REFUSED",
        "415, PERMANENT, REFUSED",
        "423, RETRYABLE, LOCKED",
        "429, HOST_UNAVAILABLE, HOST_UNAVAILABLE",
        "500, RETRYABLE, HOST_ERROR",
        "502, RETRYABLE, HOST_ERROR",
        "503, HOST_UNAVAILABLE, HOST_UNAVAILABLE",
        "504, RETRYABLE, HOST_ERROR",
        "507, USER_BLOCKED, QUOTA_EXCEEDED",
        "418, PERMANENT, REFUSED",
    })
    void statusesMapToOutcomes(int status, FailureKind kind, String code) {
        DeliveryFailure f = WebDavFailures.forStatus(status, "Reason", Optional.empty(), "alice", "PUT IMG_1.HEIC", CLOCK);
        assertThat(f.kind()).isEqualTo(kind);
        assertThat(f.getMessage()).startsWith(code + ":").contains(String.valueOf(status)).contains("PUT IMG_1.HEIC");
    }

    @Test
    void credentialErrorsNameTheUserAndTheFix() {
        DeliveryFailure f = WebDavFailures.forStatus(401, "Unauthorized", Optional.empty(), "alice", "PUT a.jpg", CLOCK);
        assertThat(f.getMessage()).contains("alice").contains("photo-sidecar user set-password alice");
    }

    @Test
    void retryAfterIsHonouredInSecondsAndAsADate() {
        assertThat(WebDavFailures.forStatus(503, "", Optional.of("120"), "a", "x", CLOCK).retryAfter())
                .contains(Duration.ofSeconds(120));
        assertThat(WebDavFailures.forStatus(429, "", Optional.of("Mon, 01 Jun 2026 12:05:00 GMT"), "a", "x", CLOCK).retryAfter())
                .contains(Duration.ofMinutes(5));
        assertThat(WebDavFailures.forStatus(503, "", Optional.of("soon"), "a", "x", CLOCK).retryAfter()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"refused", "unknown-host", "connect-timeout"})
    void unreachableHostsPauseTheHost(String what) {
        IOException e = switch (what) {
            case "refused" -> new ConnectException("Connection refused");
            case "unknown-host" -> new UnknownHostException("cloud.example");
            default -> new ConnectTimeoutException("connect timed out");
        };
        assertThat(WebDavFailures.forException(e, "PUT a.jpg", () -> true).kind()).isEqualTo(FailureKind.HOST_UNAVAILABLE);
    }

    @Test
    void resetsAndTimeoutsAreTheJobsUnlessTheHostIsGone() {
        for (IOException e : new IOException[] {new SocketException("Connection reset"), new SocketTimeoutException("Read timed out"),
                new NoHttpResponseException("failed to respond")}) {
            assertThat(WebDavFailures.forException(e, "PUT a.jpg", () -> true).kind()).isEqualTo(FailureKind.RETRYABLE);
            assertThat(WebDavFailures.forException(e, "PUT a.jpg", () -> false).kind()).isEqualTo(FailureKind.HOST_UNAVAILABLE);
        }
        assertThat(WebDavFailures.forException(new SocketTimeoutException("Read timed out"), "PUT a.jpg", () -> true)
                .getMessage()).startsWith("TIMEOUT:");
    }
    @ParameterizedTest(name = "Retry-After: {0}")
    @CsvSource({"9223372036854775807", "99999999999999999999999999999999999999", "86401", "'Fri, 31 Dec 9999 23:59:59 GMT'"})
    void anAbsurdRetryAfterIsClampedToADay(String value) {
        assertThat(WebDavFailures.parseRetryAfter(value, CLOCK)).contains(Duration.ofHours(24));
        assertThat(WebDavFailures.forStatus(423, "Locked", Optional.of(value), "a", "PUT x", CLOCK).retryAfter())
                .contains(WebDavFailures.MAX_HOST_DELAY);
    }

    @Test
    void aRetryAfterInThePastIsNoWait() {
        assertThat(WebDavFailures.parseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", CLOCK)).contains(Duration.ZERO);
        assertThat(WebDavFailures.parseRetryAfter("0", CLOCK)).contains(Duration.ZERO);
        assertThat(WebDavFailures.parseRetryAfter("-5", CLOCK)).isEmpty();
    }

    @Test
    void aHostThatRedirectsSendsTooMuchOrTakesTooLongFailsThatJobWithTheBound() {
        DeliveryFailure redirected = WebDavFailures.forException(new HostExchange.Redirected(302, "the host answered 302 to GET /a"),
                "PUT a.jpg", () -> false);
        assertThat(redirected.kind()).isEqualTo(FailureKind.RETRYABLE);
        assertThat(redirected.getMessage()).isEqualTo("REDIRECTED: the host answered 302 to GET /a");
        DeliveryFailure large = WebDavFailures.forException(new HostExchange.AnswerTooLarge("the host's answer to PROPFIND /a is"
                + " larger than 1.0 MiB, the most the sidecar reads for it"), "MOVE to a.jpg", () -> false);
        assertThat(large.kind()).isEqualTo(FailureKind.RETRYABLE);
        assertThat(large.getMessage()).startsWith("ANSWER_TOO_LARGE: MOVE to a.jpg failed: the host's answer").contains("1.0 MiB");
        Deadline passed = Deadline.after(Duration.ZERO, "2s (SIDECAR_WEBDAV_DEADLINE)");
        DeliveryFailure slow = WebDavFailures.forException(passed.exceeded("MOVE /a", null), "MOVE to a.jpg", () -> true);
        assertThat(slow.kind()).isEqualTo(FailureKind.RETRYABLE);
        assertThat(slow.getMessage()).isEqualTo("DEADLINE: MOVE to a.jpg failed: the host took longer than 2s"
                + " (SIDECAR_WEBDAV_DEADLINE) for MOVE /a");
        // A host that no longer answers at all is an outage, whatever cut the request.
        assertThat(WebDavFailures.forException(passed.exceeded("MOVE /a", null), "MOVE to a.jpg", () -> false).kind())
                .isEqualTo(FailureKind.HOST_UNAVAILABLE);
    }

    @Test
    void aRefusedPathIsThatJobsNotTheUsers() {
        DeliveryFailure f = WebDavFailures.forbiddenPath("Forbidden", "alice", "MOVE to .htaccess");
        assertThat(f.kind()).isEqualTo(FailureKind.RETRYABLE);
        assertThat(f.getMessage()).startsWith("FORBIDDEN: the host answered 403 Forbidden to MOVE to .htaccess but accepts user"
                + " alice's account");
    }

    /**
     * Metrics and the ledger read a WebDAV failure's code from the enum, where they used to parse it off the
     * message: for every answer and every transport error, the two must still agree, so that the reason tag and
     * the text people read say the same.
     */
    @Test
    void everyFailuresCodeIsTheOneItsMessageStartsWith() {
        List<DeliveryFailure> all = new ArrayList<>();
        for (int status = 300; status < 600; status++) {
            all.add(WebDavFailures.forStatus(status, "Reason", Optional.of("5"), "alice", "PUT a.jpg", CLOCK));
        }
        Deadline passed = Deadline.after(Duration.ZERO, "2s (SIDECAR_WEBDAV_DEADLINE)");
        for (IOException e : new IOException[] {new ConnectException("refused"), new UnknownHostException("cloud.example"),
                new ConnectTimeoutException("connect timed out"), new SocketException("Connection reset"),
                new SocketTimeoutException("Read timed out"), new java.io.InterruptedIOException("interrupted"),
                new HostExchange.Redirected(302, "the host answered 302 to GET /a"),
                new HostExchange.AnswerTooLarge("too large"), passed.exceeded("MOVE /a", null)}) {
            all.add(WebDavFailures.forException(e, "PUT a.jpg", () -> true));
            all.add(WebDavFailures.forException(e, "PUT a.jpg", () -> false));
        }
        all.add(WebDavFailures.forbiddenPath("Forbidden", "alice", "MOVE to .htaccess"));
        for (DeliveryFailure f : all) {
            assertThat(f.getMessage()).as("%s", f.code()).startsWith(f.code().name() + ": ");
        }
        assertThat(all).extracting(DeliveryFailure::code).contains(FailureCode.REFUSED, FailureCode.HOST_ERROR,
                FailureCode.TIMEOUT, FailureCode.CONNECTION_FAILED, FailureCode.HOST_UNAVAILABLE, FailureCode.DEADLINE,
                FailureCode.INTERRUPTED, FailureCode.REDIRECTED, FailureCode.ANSWER_TOO_LARGE, FailureCode.FORBIDDEN);
    }
}
