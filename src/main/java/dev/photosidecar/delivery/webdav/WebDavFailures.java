package dev.photosidecar.delivery.webdav;

import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.apache.http.conn.ConnectTimeoutException;

/**
 * The one table that says what a host's answer or a transport error means for a job. Tested row by row.
 */
final class WebDavFailures {
    private WebDavFailures() {
    }

    /** What an HTTP status from the host means; {@code what} names the request ("PUT IMG_1.HEIC"). */
    static DeliveryFailure forStatus(int status, String phrase, Optional<String> retryAfter, String user, String what,
                                     java.time.Clock clock) {
        String said = "the host answered " + status + (phrase == null || phrase.isBlank() ? "" : " " + phrase) + " to " + what;
        Optional<Duration> wait = retryAfter.flatMap(v -> parseRetryAfter(v, clock));
        return switch (status) {
            case 401, 403 -> new DeliveryFailure(FailureKind.USER_BLOCKED, "CREDENTIALS_REJECTED: " + said
                    + "; check user " + user + "'s credentials (photo-sidecar user set-password " + user + ")");
            case 507 -> new DeliveryFailure(FailureKind.USER_BLOCKED, "QUOTA_EXCEEDED: " + said
                    + "; user " + user + "'s storage on the host is full");
            case 429, 503 -> new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, "HOST_UNAVAILABLE: " + said, null, wait);
            case 423 -> new DeliveryFailure(FailureKind.RETRYABLE, "LOCKED: " + said, null, wait);
            // A folder that vanished or a file standing where a folder must go: fixable on the host, so retry.
            case 404, 409 -> new DeliveryFailure(FailureKind.RETRYABLE, "PATH_CONFLICT: " + said, null, wait);
            case 400, 405, 414, 415, 422 -> new DeliveryFailure(FailureKind.PERMANENT, "REFUSED: " + said);
            default -> status >= 500
                    ? new DeliveryFailure(FailureKind.RETRYABLE, "HOST_ERROR: " + said, null, wait)
                    : new DeliveryFailure(FailureKind.PERMANENT, "REFUSED: " + said);
        };
    }

    /**
     * What a transport error means. {@code hostAnswers} is asked only for errors that could be either the
     * job's or the host's fault (a reset, a timeout): if the host no longer accepts connections, the outage
     * is to blame and no attempt is spent.
     */
    static DeliveryFailure forException(IOException e, String what, java.util.function.BooleanSupplier hostAnswers) {
        String detail = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (e instanceof ConnectException || e instanceof NoRouteToHostException || e instanceof UnknownHostException
                || e instanceof ConnectTimeoutException) {
            return new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, "HOST_UNAVAILABLE: cannot connect for " + what + " ("
                    + detail + ")", e);
        }
        if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
            return new DeliveryFailure(FailureKind.RETRYABLE, "INTERRUPTED: " + what + " was interrupted", e);
        }
        if (!hostAnswers.getAsBoolean()) {
            return new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, "HOST_UNAVAILABLE: the host went away during "
                    + what + " (" + detail + ")", e);
        }
        String kind = e instanceof SocketTimeoutException ? "TIMEOUT" : "CONNECTION_FAILED";
        return new DeliveryFailure(FailureKind.RETRYABLE, kind + ": " + what + " failed (" + detail + ")", e);
    }

    static Optional<Duration> parseRetryAfter(String value, java.time.Clock clock) {
        String v = value.trim();
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (RuntimeException notADate) {
                return Optional.empty();
            }
        }
    }
}
