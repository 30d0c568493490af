package dev.photosidecar.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.LastError;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.ledger.RetryPolicy;
import dev.photosidecar.support.UnitTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outcome policy is a pure function: every failure kind after the first, a middle and the last attempt,
 * with the host's Retry-After absent, shorter than the backoff, longer, and longer than the longest backoff.
 * These tables are its specification; no worker runs.
 */
@UnitTest
class OutcomePolicyTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    /** Three attempts; backoffs 15 s, 30 s, 60 s, capped at 2 min. A draw of 0 takes no jitter off. */
    private final OutcomePolicy policy = new OutcomePolicy(RetryPolicy.of(3, Duration.ofSeconds(15), Duration.ofMinutes(2)));

    /**
     * @param retryAfter seconds the host asked for, "-" when it did not say
     * @param outcome    what the job does next
     * @param waitS      seconds from now until it is due again ("-" when it fails)
     * @param error      its last error ("=" for the failure's message as it is)
     */
    @ParameterizedTest(name = "{0} after attempt {1}, Retry-After {2}: {3} in {4} s")
    @CsvSource(nullValues = "-", textBlock = """
            # a retryable failure: the backoff, or the host's longer wait, never beyond the cap, until the budget is spent
            RETRYABLE,        1, -,    Rescheduled, 15,  =
            RETRYABLE,        1, 5,    Rescheduled, 15,  =
            RETRYABLE,        1, 40,   Rescheduled, 40,  =
            RETRYABLE,        1, 3600, Rescheduled, 120, =
            RETRYABLE,        2, -,    Rescheduled, 30,  =
            RETRYABLE,        2, 5,    Rescheduled, 30,  =
            RETRYABLE,        2, 40,   Rescheduled, 40,  =
            RETRYABLE,        2, 3600, Rescheduled, 120, =
            RETRYABLE,        3, -,    Failed,      -,   HOST_ERROR: boom (gave up after 3 attempts)
            RETRYABLE,        3, 5,    Failed,      -,   HOST_ERROR: boom (gave up after 3 attempts)
            RETRYABLE,        3, 40,   Failed,      -,   HOST_ERROR: boom (gave up after 3 attempts)
            RETRYABLE,        3, 3600, Failed,      -,   HOST_ERROR: boom (gave up after 3 attempts)
            # a permanent failure ends the job at once, whatever the host says about waiting
            PERMANENT,        1, -,    Failed,      -,   =
            PERMANENT,        1, 40,   Failed,      -,   =
            PERMANENT,        2, -,    Failed,      -,   =
            PERMANENT,        2, 3600, Failed,      -,   =
            PERMANENT,        3, -,    Failed,      -,   =
            PERMANENT,        3, 5,    Failed,      -,   =
            # the host is down: the job is due now (the breaker holds it), no attempt spent, even on the last one
            HOST_UNAVAILABLE, 1, -,    HostPaused,  0,   =
            HOST_UNAVAILABLE, 1, 40,   HostPaused,  0,   =
            HOST_UNAVAILABLE, 2, -,    HostPaused,  0,   =
            HOST_UNAVAILABLE, 2, 3600, HostPaused,  0,   =
            HOST_UNAVAILABLE, 3, -,    HostPaused,  0,   =
            HOST_UNAVAILABLE, 3, 5,    HostPaused,  0,   =
            # the host refuses the user: the user's pause (10 min) decides, not Retry-After, and no attempt is spent
            USER_BLOCKED,     1, -,    UserPaused,  600, =
            USER_BLOCKED,     1, 40,   UserPaused,  600, =
            USER_BLOCKED,     2, -,    UserPaused,  600, =
            USER_BLOCKED,     2, 3600, UserPaused,  600, =
            USER_BLOCKED,     3, -,    UserPaused,  600, =
            USER_BLOCKED,     3, 5,    UserPaused,  600, =
            """)
    void everyKindAfterEveryAttempt(FailureKind kind, int attempt, Long retryAfter, String outcome, Long waitS, String error) {
        DeliveryFailure failure = new DeliveryFailure(kind, FailureCode.HOST_ERROR, "HOST_ERROR: boom", null,
                Optional.ofNullable(retryAfter).map(Duration::ofSeconds));

        Outcome o = policy.afterFailure(failure, attempt, NOW, 0.0, false);

        assertThat(o.getClass().getSimpleName()).isEqualTo(outcome);
        LastError expectedError = LastError.of(FailureCode.HOST_ERROR, error.equals("=") ? "HOST_ERROR: boom" : error);
        if (o instanceof Outcome.Rescheduled r) {
            assertThat(r.at()).isEqualTo(NOW.plusSeconds(waitS));
            assertThat(r.error()).isEqualTo(expectedError);
        } else if (o instanceof Outcome.Failed f) {
            assertThat(waitS).isNull();
            assertThat(f.error()).isEqualTo(expectedError);
        } else if (o instanceof Outcome.HostPaused p) {
            assertThat(p.at()).isEqualTo(NOW.plusSeconds(waitS));
            assertThat(p.error()).isEqualTo(expectedError);
            assertThat(p.retryAfter()).as("handed to the breaker as the host said it")
                    .isEqualTo(Optional.ofNullable(retryAfter).map(Duration::ofSeconds));
        } else if (o instanceof Outcome.UserPaused u) {
            assertThat(u.until()).isEqualTo(NOW.plusSeconds(waitS));
            assertThat(u.error()).isEqualTo(expectedError);
        }
        assertThat(o.spendsAttempt()).as("spends the attempt").isEqualTo(kind.spendsAttempt());
    }

    @Test
    void jitterShortensTheBackoffButNeverAHostsLongerWait() {
        DeliveryFailure plain = new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.TIMEOUT, "TIMEOUT: PUT a.jpg failed");
        assertThat(policy.afterFailure(plain, 1, NOW, 0.5, false)).isEqualTo(new Outcome.Rescheduled(NOW.plusMillis(13_500),
                LastError.of(FailureCode.TIMEOUT, "TIMEOUT: PUT a.jpg failed")));
        DeliveryFailure asked = new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.LOCKED, "LOCKED: 423", null,
                Optional.of(Duration.ofSeconds(14)));
        assertThat(policy.afterFailure(asked, 1, NOW, 0.5, false)).as("14 s is longer than the jittered 13.5 s")
                .isEqualTo(new Outcome.Rescheduled(NOW.plusSeconds(14), LastError.of(FailureCode.LOCKED, "LOCKED: 423")));
    }

    @ParameterizedTest
    @EnumSource(FailureKind.class)
    void whileStoppingEveryFailureIsHandedBackUnjudged(FailureKind kind) {
        for (int attempt = 1; attempt <= 3; attempt++) {
            Outcome o = policy.afterFailure(new DeliveryFailure(kind, FailureCode.INTERRUPTED,
                    "INTERRUPTED: PUT a.jpg was interrupted"),
                    attempt, NOW, 0.3, true);
            assertThat(o).isEqualTo(new Outcome.HandedBack(NOW));
            assertThat(o.spendsAttempt()).isFalse();
        }
    }

    @Test
    void aHostsRetryAfterBeyondTheBreakersLongestProbeWaitIsClampedThere() {
        Outcome o = policy.afterFailure(new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, FailureCode.HOST_UNAVAILABLE,
                "HOST_UNAVAILABLE: 503", null,
                Optional.of(Duration.ofHours(24))), 1, NOW, 0.0, false);
        HostBreaker breaker = new HostBreaker();
        Outcome.HostPaused paused = (Outcome.HostPaused) o;
        breaker.trip(NOW, paused.error().message(), paused.retryAfter());
        assertThat(breaker.nextProbeAt()).hasValue(NOW.plus(HostBreaker.MAX_PROBE));
    }

    @Test
    void aClaimedJobWithAttemptsLeftGoesAhead() {
        assertThat(policy.beforeAttempt(job(3, Optional.empty()), NOW, () -> false)).isEmpty();
    }

    @Test
    void aJobWhoseEarlierAttemptsAllKilledTheirProcessFailsWhenClaimedAgain() {
        assertThat(policy.beforeAttempt(job(4, Optional.of("TIMEOUT: PUT a.jpg failed")), NOW, () -> false))
                .hasValue(new Outcome.Failed(LastError.of(FailureCode.INTERNAL_ERROR,
                        "gave up after 3 attempts; last error: TIMEOUT: PUT a.jpg failed")));
        assertThat(policy.beforeAttempt(job(4, Optional.empty()), NOW, () -> false))
                .hasValue(new Outcome.Failed(LastError.of(FailureCode.INTERNAL_ERROR, "gave up after 3 attempts")));
    }

    @Test
    void aLivePhotoHalfWaitsASecondWhileItsSiblingLandsWithoutSpendingItsAttempt() {
        Optional<Outcome> o = policy.beforeAttempt(job(1, Optional.empty()), NOW, () -> true);
        assertThat(o).hasValue(new Outcome.WaitsForSibling(NOW.plusSeconds(1)));
        assertThat(o.get().spendsAttempt()).isFalse();
    }

    @Test
    void theSiblingIsNotAskedAboutForAJobThatGivesUp() {
        AtomicInteger asked = new AtomicInteger();
        Optional<Outcome> o = policy.beforeAttempt(job(4, Optional.empty()), NOW, () -> asked.incrementAndGet() > 0);
        assertThat(o).containsInstanceOf(Outcome.Failed.class);
        assertThat(asked).hasValue(0);
    }

    /** A job just claimed for its attempt number {@code attempts}. */
    private static Job job(int attempts, Optional<String> lastError) {
        return new Job(1, "j1", "d1", "alice", "k1", JobState.DELIVERING, "a.jpg", ResourceType.PHOTO, Optional.empty(),
                "image/jpeg", 10, "00", NOW, NOW, attempts, Optional.empty(), Optional.of("owner"), lastError,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
}
