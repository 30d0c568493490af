package dev.photosidecar.delivery;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.names.PathTemplate;
import dev.photosidecar.spool.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt of a claimed job: render its path, hand the spool copy to the target, which lands and
 * verifies it, then record it delivered and drop the spool copy. Whatever goes wrong becomes a
 * {@link DeliveryFailure} that {@link OutcomePolicy} judges and {@link OutcomeRecorder} applies.
 */
final class DeliveryAttempt {
    // The delivery workers' lines keep the logger name they had before the stages were split out.
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);

    private final JobLedger ledger;
    private final DeviceRegistry devices;
    private final Spool spool;
    private final DeliveryTarget target;
    private final PathTemplate template;
    private final ZoneId zone;
    private final OutcomePolicy policy;
    private final OutcomeRecorder recorder;
    private final Clock clock;
    private final String owner;
    private final DoubleSupplier random;
    private final BooleanSupplier stopping;
    private final Supplier<DeliveryEvents> events;

    /**
     * @param stopping whether the sidecar is shutting down (a failure then is handed back unjudged)
     * @param events   where outcomes are reported, asked each time (metrics attach after start)
     */
    DeliveryAttempt(JobLedger ledger, DeviceRegistry devices, Spool spool, DeliveryTarget target, PathTemplate template,
                    ZoneId zone, OutcomePolicy policy, OutcomeRecorder recorder, Clock clock, String owner,
                    DoubleSupplier random, BooleanSupplier stopping, Supplier<DeliveryEvents> events) {
        this.ledger = ledger;
        this.devices = devices;
        this.spool = spool;
        this.target = target;
        this.template = template;
        this.zone = zone;
        this.policy = policy;
        this.recorder = recorder;
        this.clock = clock;
        this.owner = owner;
        this.random = random;
        this.stopping = stopping;
        this.events = events;
    }

    /** Runs the attempt of a job this process has just claimed; handles every Exception itself. */
    void run(Job job) {
        Instant now = clock.instant();
        Optional<Outcome> notNow = policy.beforeAttempt(job, now, () -> ledger.olderSiblingInDelivery(job));
        if (notNow.isPresent()) {
            recorder.apply(job, notNow.get(), now, null);
            return;
        }
        try {
            List<String> path = template.render(new PathTemplate.Values(job.createdAt().atZone(zone), job.userId(),
                    devices.find(job.deviceId()).map(Device::name).orElse(job.deviceId()), job.filename(),
                    job.resourceType().wire()));
            int firstCopy = LivePhotoPairing.firstCopyNumber(ledger.deliveredSiblingPath(job), path.get(path.size() - 1));
            Delivered delivered = target.deliver(new DeliveryRequest(job, spool.pathOf(job.id()), path, firstCopy));
            if (ledger.markSucceeded(job.id(), owner, delivered.remotePath(), delivered.etag(), delivered.fileId())) {
                spool.remove(job.id());
                events.get().delivered(job, delivered, Duration.between(job.receivedAt(), clock.instant()));
                if (delivered.alreadyPresent()) {
                    log.info("Job {}: an identical file was already at {}", job.id(), delivered.remotePath());
                }
            } else {
                log.warn("Job {} was delivered to {} but its lease had been lost; it will be checked again",
                        job.id(), delivered.remotePath());
            }
        } catch (DeliveryFailure f) {
            failed(job, f);
        } catch (IllegalArgumentException e) {
            // The path template cannot render this job (a name it refuses): trying again renders the same.
            failed(job, new DeliveryFailure(FailureKind.PERMANENT, FailureCode.PATH_INVALID, e.getMessage()));
        } catch (RuntimeException e) {
            failed(job, new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.UNEXPECTED_ERROR, "unexpected error: " + e, e));
        }
    }

    /** Records a failed attempt: reported, judged by the policy, applied. */
    void failed(Job job, DeliveryFailure failure) {
        Instant now = clock.instant();
        events.get().attemptFailed(job, failure);
        Outcome outcome = policy.afterFailure(failure, job.attempts(), now, random.getAsDouble(), stopping.getAsBoolean());
        recorder.apply(job, outcome, now, failure.getCause());
    }
}
