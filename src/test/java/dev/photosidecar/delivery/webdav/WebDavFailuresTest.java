package dev.photosidecar.delivery.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.apache.http.NoHttpResponseException;
import org.apache.http.conn.ConnectTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The failure table, row by row: what each host answer means for the job. */
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
}
