package dev.photosidecar.delivery;

import dev.photosidecar.ledger.LastError;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What happens to a claimed job that did not land: the decision {@link OutcomePolicy} takes, as a value the
 * workers then apply to the ledger, the host breaker and the user pauses. Each variant says whether the attempt
 * counts against the job's budget.
 */
public sealed interface Outcome {
    /** Whether the attempt stays counted; the others hand the job back with its attempt refunded. */
    boolean spendsAttempt();

    /** The sidecar is stopping: the job goes back to pending, due at {@code at}, its last error left as it was. */
    record HandedBack(Instant at) implements Outcome {
        @Override
        public boolean spendsAttempt() {
            return false;
        }
    }

    /** The other half of its Live Photo is landing now and decides this one's name: ask again at {@code at}. */
    record WaitsForSibling(Instant at) implements Outcome {
        @Override
        public boolean spendsAttempt() {
            return false;
        }
    }

    /** A failed attempt with attempts left: pending again at {@code at}, {@code error} kept for the device. */
    record Rescheduled(Instant at, LastError error) implements Outcome {
        @Override
        public boolean spendsAttempt() {
            return true;
        }
    }

    /**
     * The host is down or overloaded: every delivery pauses (the breaker trips, probing after {@code retryAfter}
     * if the host said), and this job goes back to pending at {@code at}.
     */
    record HostPaused(Instant at, LastError error, Optional<Duration> retryAfter) implements Outcome {
        @Override
        public boolean spendsAttempt() {
            return false;
        }
    }

    /** The host refuses the job's user: the user's deliveries pause, and this job is due again at {@code until}. */
    record UserPaused(Instant until, LastError error) implements Outcome {
        @Override
        public boolean spendsAttempt() {
            return false;
        }
    }

    /** The job fails for good, {@code error} saying why. */
    record Failed(LastError error) implements Outcome {
        @Override
        public boolean spendsAttempt() {
            return true;
        }
    }
}
