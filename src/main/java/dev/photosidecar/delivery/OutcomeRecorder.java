package dev.photosidecar.delivery;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobLog;
import dev.photosidecar.ledger.JobState;
import java.time.Instant;
import java.util.Optional;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies what {@link OutcomePolicy} decided: the ledger transition (guarded by this process's lease), the host
 * breaker or the user's pause, and the log lines. The one place that turns an {@link Outcome} into effects.
 */
final class OutcomeRecorder {
    // The delivery workers' lines keep the logger name they had before the stages were split out.
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);

    private final JobLedger ledger;
    private final HostBreaker breaker;
    private final UserPauses userPauses;
    private final ToLongFunction<String> credentialVersion;
    private final String targetName;
    private final String owner;

    OutcomeRecorder(JobLedger ledger, HostBreaker breaker, UserPauses userPauses, ToLongFunction<String> credentialVersion,
                    String targetName, String owner) {
        this.ledger = ledger;
        this.breaker = breaker;
        this.userPauses = userPauses;
        this.credentialVersion = credentialVersion;
        this.targetName = targetName;
        this.owner = owner;
    }

    /** An outcome decided before the attempt began ({@link OutcomePolicy#beforeAttempt}). */
    void beforeAttempt(Job job, Outcome outcome) {
        if (outcome instanceof Outcome.Failed f) {
            ledger.markFailed(job.id(), owner, f.error());
            JobLog.transition(job, JobState.DELIVERING, JobState.FAILED, f.detail());
        } else if (outcome instanceof Outcome.WaitsForSibling w) {
            ledger.handBack(Optional.of(job.id()), owner, w.at(), Optional.empty());
            JobLog.transition(job, JobState.DELIVERING, JobState.PENDING, "waits for the other half of its Live Photo");
        } else {
            throw new IllegalArgumentException("not an outcome before an attempt: " + outcome);
        }
    }

    /** The outcome of a failed attempt at {@code now}; {@code cause} is the failure's cause, logged at debug. */
    void afterFailure(Job job, Outcome outcome, Instant now, Throwable cause) {
        if (outcome instanceof Outcome.HandedBack h) {
            ledger.handBack(Optional.of(job.id()), owner, h.at(), Optional.empty());
        } else if (outcome instanceof Outcome.Failed f) {
            if (ledger.markFailed(job.id(), owner, f.error())) {
                JobLog.transition(job, JobState.DELIVERING, JobState.FAILED, f.detail());
                if (cause != null) {
                    log.debug("Job {} failed", job.id(), cause);
                }
            }
        } else if (outcome instanceof Outcome.HostPaused p) {
            boolean wasOpen = breaker.isOpen();
            breaker.trip(now, p.error(), p.retryAfter());
            ledger.handBack(Optional.of(job.id()), owner, p.at(), Optional.of(p.error()));
            JobLog.transition(job, JobState.DELIVERING, JobState.PENDING, "waits for the host, no attempt spent: " + p.error());
            if (!wasOpen) {
                log.warn("Pausing deliveries: the {} host is unavailable ({}); next probe at {}", targetName, p.error(),
                        breaker.nextProbeAt().orElse(now));
            }
        } else if (outcome instanceof Outcome.UserPaused u) {
            userPauses.pause(job.userId(), now, credentialVersion.applyAsLong(job.userId()), u.error());
            ledger.handBack(Optional.of(job.id()), owner, u.until(), Optional.of(u.error()));
            JobLog.transition(job, JobState.DELIVERING, JobState.PENDING, "the user's deliveries pause, no attempt spent: "
                    + u.error());
        } else if (outcome instanceof Outcome.Rescheduled r) {
            if (ledger.reschedule(job.id(), owner, r.at(), r.error())) {
                JobLog.transition(job, JobState.DELIVERING, JobState.PENDING, "attempt " + r.attempt() + " of "
                        + r.maxAttempts() + " failed, next at " + r.at() + ": " + r.error());
            }
        } else {
            throw new IllegalArgumentException("not an outcome of a failed attempt: " + outcome);
        }
    }
}
