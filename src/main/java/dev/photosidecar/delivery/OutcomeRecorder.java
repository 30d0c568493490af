package dev.photosidecar.delivery;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import java.time.Instant;
import java.util.Optional;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies what {@link OutcomePolicy} decided: the ledger transition (guarded by this process's lease; the ledger
 * writes its log line), the host breaker or the user's pause. The one place that turns an {@link Outcome} into
 * effects.
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

    /** Applies {@code outcome} to {@code job} at {@code now}; {@code cause} is the failure's cause (logged at debug), if any. */
    void apply(Job job, Outcome outcome, Instant now, Throwable cause) {
        if (outcome instanceof Outcome.HandedBack h) {
            ledger.handBack(Optional.of(job.id()), owner, h.at(), Optional.empty());
        } else if (outcome instanceof Outcome.WaitsForSibling w) {
            ledger.handBack(Optional.of(job.id()), owner, w.at(), Optional.empty());
        } else if (outcome instanceof Outcome.Failed f) {
            if (ledger.markFailed(job.id(), owner, f.error()) && cause != null) {
                log.debug("Job {} failed", job.id(), cause);
            }
        } else if (outcome instanceof Outcome.HostPaused p) {
            boolean wasOpen = breaker.isOpen();
            breaker.trip(now, p.error().message(), p.retryAfter());
            ledger.handBack(job.id(), owner, p.at(), p.error());
            if (!wasOpen) {
                log.warn("Pausing deliveries: the {} host is unavailable ({}); next probe at {}", targetName, p.error().message(),
                        breaker.nextProbeAt().orElse(now));
            }
        } else if (outcome instanceof Outcome.UserPaused u) {
            userPauses.pause(job.userId(), now, credentialVersion.applyAsLong(job.userId()), u.error().message());
            ledger.handBack(job.id(), owner, u.until(), u.error());
        } else if (outcome instanceof Outcome.Rescheduled r) {
            ledger.reschedule(job.id(), owner, r.at(), r.error());
        } else {
            throw new IllegalArgumentException("an outcome this recorder does not know: " + outcome);
        }
    }
}
