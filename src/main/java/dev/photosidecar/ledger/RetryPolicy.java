package dev.photosidecar.ledger;

import java.time.Duration;

/**
 * How often and how soon a failed delivery is tried again: bounded attempts, exponential backoff with a
 * cap, and jitter so that a burst of failures does not come back as a burst. A pure function of its
 * inputs; the caller supplies the random draw.
 *
 * @param maxAttempts   attempts in all, the first included; never unbounded
 * @param initialDelay  the wait after the first failed attempt
 * @param multiplier    growth per further attempt
 * @param maxDelay      the cap on any single wait
 * @param jitter        the fraction of the wait that is random: 0.2 means the wait is 80–100% of nominal
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay, double jitter) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (initialDelay.isNegative() || initialDelay.isZero() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 < initialDelay <= maxDelay, got " + initialDelay + " and " + maxDelay);
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("multiplier must be at least 1, got " + multiplier);
        }
        if (jitter < 0.0 || jitter > 1.0) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, got " + jitter);
        }
    }

    public static RetryPolicy of(int maxAttempts, Duration initialDelay, Duration maxDelay) {
        return new RetryPolicy(maxAttempts, initialDelay, 2.0, maxDelay, 0.2);
    }

    /** Whether a job that has made {@code attemptsMade} attempts may make another. */
    public boolean allowsAnotherAttempt(int attemptsMade) {
        return attemptsMade < maxAttempts;
    }

    /** The nominal wait after attempt number {@code attemptsMade} (1-based) failed, before jitter. */
    public Duration nominalDelay(int attemptsMade) {
        double millis = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, attemptsMade - 1));
        return millis >= maxDelay.toMillis() ? maxDelay : Duration.ofMillis(Math.round(millis));
    }

    /** The wait after attempt {@code attemptsMade} failed, for a uniform draw {@code random} in [0, 1). */
    public Duration delay(int attemptsMade, double random) {
        long nominal = nominalDelay(attemptsMade).toMillis();
        return Duration.ofMillis(Math.round(nominal * (1.0 - jitter * random)));
    }
}
