package dev.photosidecar.intake;

import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.DuplicateKeyException;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.spool.ReceivedUpload;
import dev.photosidecar.spool.Spool;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The intake rule, one owner for every protocol (plain, tus, IETF): a body that arrived whole and verified either
 * becomes a new job (a new key), is a replay (the key's job has the same bytes), revives the key's failed job (its
 * bytes again), or is a conflict (other bytes). Only a new job or a revived one keeps the bytes; the spool copy is
 * durable before the ledger row that needs it, and removed again if that row is not written.
 *
 * <p>Two uploads of the same key may both find it free; the ledger's unique key lets one insert win, and the loser is
 * judged against the winner's job here, so no protocol answers that race with an error or leaves a file behind.
 */
public final class Intake {
    private final JobLedger jobs;
    private final DeviceRegistry devices;
    private final Spool spool;
    private final Consumer<Job> jobDue;

    /** @param jobDue told of a job that became due (a new or revived job), so its delivery starts at once */
    public Intake(JobLedger jobs, DeviceRegistry devices, Spool spool, Consumer<Job> jobDue) {
        this.jobs = jobs;
        this.devices = devices;
        this.spool = spool;
        this.jobDue = jobDue;
    }

    /**
     * Takes a received body for the key in {@code candidate}.
     *
     * @param candidate  the job to record if the key is new (its id becomes the job's and the spool copy's name)
     * @param body       the bytes, whole and verified; committed or discarded here
     * @param unfinished what the body does to an unfinished resumable upload that holds the key
     * @throws KeyConflictException if the key's job has other bytes (nothing is kept)
     * @throws dev.photosidecar.ledger.LedgerException.Unauthorized if the device was revoked meanwhile (nothing is kept)
     */
    public Decision take(NewJob candidate, ReceivedUpload body, UnfinishedUpload unfinished) {
        // Nearly every upload brings a new key: commit and insert first, and read the key's job only when the
        // insert finds the key taken (a replay, a revival, a conflict, an unfinished resumable upload). A lookup
        // before every insert was a tenth of an upload's CPU (docs/performance.md, issue 17).
        Optional<Decision> created = create(candidate, body);
        if (created.isPresent()) {
            return created.get();
        }
        Optional<Job> existing = jobs.findByKey(candidate.deviceId(), candidate.key());
        if (existing.isPresent() && existing.get().state() == JobState.RECEIVING) {
            try {
                unfinished.supersede(existing.get());
            } catch (RuntimeException e) {
                body.discard();
                throw e;
            }
            existing = jobs.findByKey(candidate.deviceId(), candidate.key());
        }
        if (existing.isEmpty()) {
            // The key's job went away since the insert (an unfinished upload was superseded): the key is new again.
            created = create(candidate, body);
            if (created.isPresent()) {
                return created.get();
            }
            existing = jobs.findByKey(candidate.deviceId(), candidate.key());
        }
        if (existing.isEmpty()) {
            body.discard();
            throw new IllegalStateException("the key " + candidate.key() + " was taken and then free again twice; nothing was"
                    + " kept, the upload may be sent again");
        }
        return takeForKnownKey(candidate, existing.get(), body);
    }

    /**
     * The body as a new job: the spool copy is made durable, then the row inserted. When the key is taken, the copy
     * goes back to being an uncommitted body (empty); on any other failure it is removed and the failure thrown.
     */
    private Optional<Decision> create(NewJob candidate, ReceivedUpload body) {
        spool.commit(body, candidate.id());
        Job job;
        try {
            job = jobs.insert(candidate);
        } catch (DuplicateKeyException taken) {
            spool.withdraw(body, candidate.id());
            return Optional.empty();
        } catch (RuntimeException e) {
            spool.remove(candidate.id());
            throw e;
        }
        jobDue.accept(job);
        return Optional.of(new Decision(Decision.Kind.CREATED, job));
    }

    private Decision takeForKnownKey(NewJob candidate, Job known, ReceivedUpload body) {
        try {
            // A new key's insert checks the device itself; a known key's answer must not outlive a revocation either.
            devices.requireStillActive(candidate.deviceId());
        } catch (RuntimeException revoked) {
            body.discard();
            throw revoked;
        }
        if (known.state() == JobState.FAILED && known.sameContent(body.size(), body.sha256())) {
            // The device sends a failed upload again: take the fresh bytes and try once more.
            spool.commit(body, known.id());
            Optional<Job> revived = jobs.reviveFailed(candidate.deviceId(), known.id());
            if (revived.isPresent()) {
                jobDue.accept(revived.get());
                return new Decision(Decision.Kind.REVIVED, revived.get());
            }
        } else {
            body.discard();
        }
        // The job may have moved on since it was read (a retry, a cancel): judge against what it is now.
        return repeat(jobs.findByKey(candidate.deviceId(), candidate.key()).orElse(known), body);
    }

    /** The key is known: the same bytes again are a replay (nothing stored), other bytes a conflict. */
    private static Decision repeat(Job existing, ReceivedUpload body) {
        if (existing.sameContent(body.size(), body.sha256())) {
            return new Decision(Decision.Kind.REPLAYED, existing);
        }
        throw new KeyConflictException(existing);
    }
}
