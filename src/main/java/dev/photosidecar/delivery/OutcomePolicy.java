package dev.photosidecar.delivery;

import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.LastError;
import dev.photosidecar.ledger.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Decides what a claimed job's attempt leads to when it does not land: a pure function of the failure, the
 * attempts made, the time and a random draw, like {@link RetryPolicy}, which it applies. Permanent failures and
 * spent budgets fail the job, host outages and refused users wait without spending an attempt, anything else comes
 * back after a backoff (longer if the host asked, never longer than the longest backoff).
 */
public final class OutcomePolicy {
    /** How soon a Live Photo half that waits for its sibling is offered again. */
    static final Duration SIBLING_WAIT = Duration.ofSeconds(1);

    private final RetryPolicy retry;

    public OutcomePolicy(RetryPolicy retry) {
        this.retry = retry;
    }

    public RetryPolicy retryPolicy() {
        return retry;
    }

    /**
     * Before the attempt of a job just claimed (with {@code job.attempts()} counting this one): empty to go ahead,
     * or why not. A job whose earlier attempts all ended without an outcome (each killed its process) fails here,
     * so that a file which keeps crashing the sidecar cannot loop forever. {@code siblingInDelivery} is asked only
     * when that does not apply.
     */
    public Optional<Outcome> beforeAttempt(Job job, Instant now, BooleanSupplier siblingInDelivery) {
        int made = job.attempts() - 1;
        if (!retry.allowsAnotherAttempt(made)) {
            // Each of those attempts ended with its process: an internal error, whatever the last recorded one was.
            return Optional.of(new Outcome.Failed(LastError.of(FailureCode.INTERNAL_ERROR, "gave up after " + made + " attempts"
                    + job.lastError().map(e -> "; last error: " + e).orElse(""))));
        }
        if (siblingInDelivery.getAsBoolean()) {
            return Optional.of(new Outcome.WaitsForSibling(now.plus(SIBLING_WAIT)));
        }
        return Optional.empty();
    }

    /**
     * After attempt number {@code attempts} (1-based, this one included) failed with {@code failure}.
     *
     * @param random   a uniform draw in [0, 1) for the backoff's jitter
     * @param stopping whether the sidecar is shutting down: the failure may be the stop's doing, so the job is
     *                 handed back without judging it
     */
    public Outcome afterFailure(DeliveryFailure failure, int attempts, Instant now, double random, boolean stopping) {
        if (stopping) {
            return new Outcome.HandedBack(now);
        }
        FailureKind kind = failure.kind();
        LastError error = failure.lastError();
        if (kind == FailureKind.PERMANENT) {
            return new Outcome.Failed(error);
        }
        if (kind.spendsAttempt() && !retry.allowsAnotherAttempt(attempts)) {
            return new Outcome.Failed(new LastError(error.code(),
                    error.message() + " (gave up after " + attempts + " attempts)"));
        }
        if (kind == FailureKind.HOST_UNAVAILABLE) {
            return new Outcome.HostPaused(now, error, failure.retryAfter());
        }
        if (kind == FailureKind.USER_BLOCKED) {
            return new Outcome.UserPaused(now.plus(UserPauses.PAUSE), error);
        }
        Duration backoff = retry.delay(attempts, random);
        // A host may ask for a longer wait than the backoff, never for one longer than the longest backoff.
        Duration wait = failure.retryAfter().filter(r -> r.compareTo(backoff) > 0)
                .map(r -> r.compareTo(retry.maxDelay()) > 0 ? retry.maxDelay() : r).orElse(backoff);
        return new Outcome.Rescheduled(now.plus(wait), error);
    }
}
