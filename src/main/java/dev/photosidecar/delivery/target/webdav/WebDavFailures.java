package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.ledger.FailureCode;
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
    /**
     * The longest wait a host may ask for ({@code Retry-After}): beyond it the host is asked again anyway. Also
     * keeps any sum with a host-given delay far from overflowing an {@link java.time.Instant}.
     */
    static final Duration MAX_HOST_DELAY = Duration.ofHours(24);

    private WebDavFailures() {
    }

    /**
     * A 403 on one path while the host still accepts the account (its root answers): the host refuses this name
     * or folder, not the user. Only this job is retried, with its own reason; the user's other photos go on.
     * Apache's stock configuration refuses every name starting with ".ht" this way.
     */
    static DeliveryFailure forbiddenPath(String phrase, String user, String what) {
        return new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.FORBIDDEN, "FORBIDDEN: the host answered 403"
                + (phrase == null || phrase.isBlank() ? "" : " " + phrase) + " to " + what + " but accepts user " + user
                + "'s account: it does not allow this name or folder (Apache, for one, refuses every name starting with"
                + " .ht); this upload is retried, the user's others are not held up");
    }

    /** What an HTTP status from the host means; {@code what} names the request ("PUT IMG_1.HEIC"). */
    static DeliveryFailure forStatus(int status, String phrase, Optional<String> retryAfter, String user, String what,
                                     java.time.Clock clock) {
        String said = "the host answered " + status + (phrase == null || phrase.isBlank() ? "" : " " + phrase) + " to " + what;
        Optional<Duration> wait = retryAfter.flatMap(v -> parseRetryAfter(v, clock));
        return switch (status) {
            case 401, 403 -> new DeliveryFailure(FailureKind.USER_BLOCKED, FailureCode.CREDENTIALS_REJECTED,
                    "CREDENTIALS_REJECTED: " + said
                    + "; check user " + user + "'s credentials (photo-sidecar user set-password " + user + ")");
            case 507 -> new DeliveryFailure(FailureKind.USER_BLOCKED, FailureCode.QUOTA_EXCEEDED, "QUOTA_EXCEEDED: " + said
                    + "; user " + user + "'s storage on the host is full");
            case 429, 503 -> new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, FailureCode.HOST_UNAVAILABLE,
                    "HOST_UNAVAILABLE: " + said, null, wait);
            case 423 -> new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.LOCKED, "LOCKED: " + said, null, wait);
            // A folder that vanished or a file standing where a folder must go: fixable on the host, so retry.
            case 404, 409 -> new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.PATH_CONFLICT,
                    "PATH_CONFLICT: " + said, null, wait);
            case 400, 405, 414, 415, 422 -> new DeliveryFailure(FailureKind.PERMANENT, FailureCode.REFUSED, "REFUSED: " + said);
            default -> status >= 500
                    ? new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.HOST_ERROR, "HOST_ERROR: " + said, null, wait)
                    : new DeliveryFailure(FailureKind.PERMANENT, FailureCode.REFUSED, "REFUSED: " + said);
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
            return new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, FailureCode.HOST_UNAVAILABLE,
                    "HOST_UNAVAILABLE: cannot connect for " + what + " ("
                    + detail + ")", e);
        }
        if (e instanceof HostExchange.Redirected) {
            return new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.REDIRECTED, "REDIRECTED: " + e.getMessage(), e);
        }
        if (e instanceof HostExchange.AnswerTooLarge) {
            return new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.ANSWER_TOO_LARGE,
                    "ANSWER_TOO_LARGE: " + what + " failed: " + e.getMessage(), e);
        }
        if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
            return new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.INTERRUPTED,
                    "INTERRUPTED: " + what + " was interrupted", e);
        }
        if (!hostAnswers.getAsBoolean()) {
            return new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, FailureCode.HOST_UNAVAILABLE,
                    "HOST_UNAVAILABLE: the host went away during "
                    + what + " (" + detail + ")", e);
        }
        if (e instanceof Deadline.Exceeded) {
            return new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.DEADLINE,
                    "DEADLINE: " + what + " failed: " + e.getMessage(), e);
        }
        FailureCode code = e instanceof SocketTimeoutException ? FailureCode.TIMEOUT : FailureCode.CONNECTION_FAILED;
        return new DeliveryFailure(FailureKind.RETRYABLE, code, code + ": " + what + " failed (" + detail + ")", e);
    }

    /** {@code Retry-After} as seconds or an HTTP date, clamped to 0 … {@link #MAX_HOST_DELAY}; empty when unreadable. */
    static Optional<Duration> parseRetryAfter(String value, java.time.Clock clock) {
        String v = value.trim();
        if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
            // However many digits: more seconds than the cap is the cap, never an overflow.
            return Optional.of(v.length() > 9 ? MAX_HOST_DELAY : clamp(Duration.ofSeconds(Long.parseLong(v))));
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            return Optional.of(clamp(Duration.between(clock.instant(), at.toInstant())));
        } catch (RuntimeException notADate) {
            return Optional.empty();
        }
    }

    private static Duration clamp(Duration d) {
        return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_HOST_DELAY) > 0 ? MAX_HOST_DELAY : d;
    }
}
