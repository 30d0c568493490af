package dev.photosidecar.http.resumable;

import dev.photosidecar.config.Units;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.http.SidecarMetrics;
import dev.photosidecar.http.StorageErrors;
import dev.photosidecar.http.UploadMetadata;
import dev.photosidecar.intake.Decision;
import dev.photosidecar.intake.Intake;
import dev.photosidecar.intake.KeyConflictException;
import dev.photosidecar.intake.UnfinishedUpload;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.DuplicateKeyException;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.LedgerException;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.ledger.ResumableUpload;
import dev.photosidecar.spool.DigestMismatch;
import dev.photosidecar.spool.PartialStore;
import dev.photosidecar.spool.ReceivedUpload;
import dev.photosidecar.spool.Spool;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resumable uploads, whatever the protocol (IETF draft or tus): creating one, appending to it, finishing it
 * into a job exactly as a plain upload would end, cancelling it, and removing it when it is abandoned.
 *
 * <p>A new key gets a job in {@code receiving} at once (so {@code GET /v1/uploads/{key}} and the key check
 * see it). A key that already has a job gets an upload without one: when it finishes, the bytes are judged
 * like a plain upload's (a replay answers 200 and keeps nothing, other bytes are a 409, a failed job with
 * the same bytes is taken again). Callers hold the upload's lock ({@link UploadLocks}) around appends and
 * finishing.
 */
public final class ResumableUploads {
    private static final Logger log = LoggerFactory.getLogger(ResumableUploads.class);

    private final JobLedger jobs;
    private final Intake intake;
    private final ResumableLedger uploads;
    private final Spool spool;
    private final PartialStore partials;
    private final Clock clock;
    private final Duration expiry;
    private final Runnable newJobSignal;
    private final SidecarMetrics metrics;
    private final boolean acceptsNew;
    private final DeviceRegistry devices;
    private final int maxUnfinishedPerDevice;
    final UploadLocks locks;

    /**
     * @param acceptsNew {@code SIDECAR_RESUMABLE}: whether new resumable uploads may start. Off, the ones already
     *                   started can still be finished, cancelled or expire; no new one is created.
     */
    public ResumableUploads(JobLedger jobs, Intake intake, ResumableLedger uploads, Spool spool, PartialStore partials,
                            Clock clock, Duration expiry, Runnable newJobSignal, SidecarMetrics metrics, boolean acceptsNew,
                            DeviceRegistry devices, int maxUnfinishedPerDevice) {
        this.intake = intake;
        this.devices = devices;
        this.maxUnfinishedPerDevice = maxUnfinishedPerDevice;
        this.jobs = jobs;
        this.uploads = uploads;
        this.spool = spool;
        this.partials = partials;
        this.clock = clock;
        this.expiry = expiry;
        this.newJobSignal = newJobSignal;
        this.metrics = metrics;
        this.acceptsNew = acceptsNew;
        this.locks = new UploadLocks(partials::tryLockAcrossProcesses);
    }

    /** Whether new resumable uploads may start ({@code SIDECAR_RESUMABLE=on}). */
    public boolean acceptsNew() {
        return acceptsNew;
    }

    /** How a finished upload was answered: 201 with a new job, 200 for a replay or a revived failed job. */
    record Finished(int status, Job job) {
    }

    long maxUploadBytes() {
        return spool.maxUploadBytes();
    }

    /**
     * Refuses a body of {@code declared} bytes that the spool has no room for, before the upload is created and
     * announced: a 104 promises a client it can resume, so the refusals that need no body come first. The append
     * reserves the room for real.
     */
    void checkRoom(long declared) {
        if (declared > 0 && spool.usableBytes() - declared < spool.reserveBytes()) {
            throw new Problem(ErrorCode.INSUFFICIENT_STORAGE, "the sidecar's spool has no room for " + declared
                    + " more bytes; nothing was kept, try again later");
        }
    }

    Duration expiry() {
        return expiry;
    }

    /**
     * Starts an upload. An unfinished upload of the same key from the same device is replaced (the client
     * started over); if that one is busy, 423.
     */
    ResumableUpload create(Device device, String key, UploadMetadata meta, String protocol, OptionalLong uploadLength,
                           Optional<String> expectedSha256) {
        if (uploadLength.isPresent() && uploadLength.getAsLong() > spool.maxUploadBytes()) {
            throw new Problem(ErrorCode.UPLOAD_TOO_LARGE, "the upload is larger than the maximum of " + spool.maxUploadBytes()
                    + " bytes (" + Units.formatBytes(spool.maxUploadBytes()) + ")");
        }
        for (ResumableUpload old : uploads.findByKey(device.id(), key)) {
            try (UploadLocks.Held held = locks.hold(old.id())) {
                remove(old, "superseded", "a new upload of the same key started");
            }
        }
        int unfinished = uploads.countForDevice(device.id());
        if (unfinished >= maxUnfinishedPerDevice) {
            throw new Problem(ErrorCode.TOO_MANY_UNFINISHED_UPLOADS, "device " + device.id() + " already has " + unfinished
                    + " unfinished resumable uploads (at most " + maxUnfinishedPerDevice + "); finish or cancel one first");
        }
        Instant now = clock.instant();
        String id = Ids.jobId();
        boolean keyIsNew = jobs.findByKey(device.id(), key).isEmpty();
        ResumableUpload u = new ResumableUpload(id, protocol, device.id(), device.userId(), key,
                keyIsNew ? Optional.of(id) : Optional.empty(), meta.filename(), meta.resourceType(), meta.assetId(),
                meta.contentType(), meta.createdAt(), uploadLength, expectedSha256, now, now.plus(expiry));
        try {
            uploads.create(u);
        } catch (DuplicateKeyException raced) {
            // A plain upload of the same key won the race: this upload will be judged against its job.
            u = new ResumableUpload(id, protocol, device.id(), device.userId(), key, Optional.empty(), meta.filename(),
                    meta.resourceType(), meta.assetId(), meta.contentType(), meta.createdAt(), uploadLength, expectedSha256,
                    now, now.plus(expiry));
            uploads.create(u);
        }
        log.atInfo().addKeyValue("upload", id).addKeyValue("device", device.id()).addKeyValue("user", device.userId())
                .log("resumable upload {} started ({}, key {}, {}, device {}, user {}){}", id, protocol, key, meta.filename(),
                        device.id(), device.userId(), keyIsNew ? ": job " + id + " is receiving" : "");
        return u;
    }

    /** The device's unfinished upload, if it has one with this id. */
    Optional<ResumableUpload> find(Device device, String id) {
        return isId(id) ? uploads.findForDevice(device.id(), id) : Optional.empty();
    }

    /** The device's job with this id that is past receiving: a finished upload whose answer the client missed. */
    Optional<Job> finishedJob(Device device, String id) {
        return isId(id) ? jobs.findForDevice(device.id(), id).filter(j -> j.state() != JobState.RECEIVING) : Optional.empty();
    }

    long offset(ResumableUpload u) {
        return partials.offset(u.id());
    }

    /**
     * The client showed up: the upload is kept another expiry period from now; returns the expiry in effect. This
     * never fails the request: a ledger that cannot take the write (a full disk) leaves the earlier expiry.
     */
    Instant touch(ResumableUpload u) {
        Instant until = clock.instant().plus(expiry);
        try {
            uploads.touch(u.id(), until);
            return until;
        } catch (RuntimeException e) {
            log.warn("Resumable upload {}: could not extend its expiry ({}); it keeps {}", u.id(), e.getMessage(), u.expiresAt());
            return u.expiresAt();
        }
    }

    ResumableUpload announceLength(ResumableUpload u, long length) {
        if (u.uploadLength().isPresent()) {
            if (u.uploadLength().getAsLong() != length) {
                throw new Problem(ErrorCode.INVALID_UPLOAD_HEADER, "the upload's length was announced as "
                        + u.uploadLength().getAsLong() + " bytes, not " + length, java.util.Map.of("problemType",
                        "https://iana.org/assignments/http-problem-types#inconsistent-upload-length"));
            }
            return u;
        }
        if (length > spool.maxUploadBytes()) {
            throw new Problem(ErrorCode.UPLOAD_TOO_LARGE, "the upload is larger than the maximum of " + spool.maxUploadBytes() + " bytes");
        }
        uploads.setUploadLength(u.id(), length);
        return u.withUploadLength(length);
    }

    /** Appends a request body; the caller holds the upload's lock. */
    PartialStore.Appended append(ResumableUpload u, long claimedOffset, InputStream body, long declared,
                                 Optional<byte[]> chunkSha256) {
        touch(u);
        try {
            return partials.append(u.id(), claimedOffset, body, declared, u.uploadLength().orElse(-1), chunkSha256);
        } finally {
            touch(u);
        }
    }

    /**
     * The client says the upload is complete: check its length and digest, and turn it into a job (or a
     * replay, or a conflict) exactly as a plain upload of the same bytes would be. A length or digest that
     * does not match removes the upload: nothing is kept.
     */
    Finished finish(ResumableUpload u, Device device) {
        try {
            devices.requireStillActive(device);
        } catch (LedgerException.Unauthorized revoked) {
            remove(u, "refused", revoked.getMessage());
            throw StorageErrors.answerFor(revoked).orElseThrow();
        }
        long size = partials.offset(u.id());
        if (u.uploadLength().isPresent() && u.uploadLength().getAsLong() != size) {
            remove(u, "refused", "complete at " + size + " bytes, but announced as " + u.uploadLength().getAsLong());
            throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, "the upload was declared complete at " + size
                    + " bytes, but its length was announced as " + u.uploadLength().getAsLong() + "; nothing was kept");
        }
        ReceivedUpload body;
        try {
            body = partials.finish(u.id(), u.expectedSha256());
        } catch (DigestMismatch p) {
            remove(u, "refused", StorageErrors.answerFor(p).orElseThrow().getMessage());
            throw p;
        }
        // The partial file stays until the outcome is recorded: if committing or recording fails, the upload is
        // still there, at the same offset, for the client to finish again.
        Finished finished;
        try {
            finished = judge(u, device, body);
        } catch (KeyConflictException conflict) {
            partials.delete(u.id());
            throw conflict;
        }
        partials.delete(u.id());
        return finished;
    }

    /** Whether an append that brought bytes made the upload reach the length its client announced. */
    static boolean reachedAnnouncedLength(ResumableUpload u, PartialStore.Appended appended) {
        return appended.received() > 0 && u.uploadLength().isPresent() && appended.offset() == u.uploadLength().getAsLong();
    }

    private Finished judge(ResumableUpload u, Device device, ReceivedUpload body) {
        if (u.jobId().isPresent()) {
            spool.commit(body, u.id());
            Job job = uploads.finishReceiving(u.id(), body.size(), body.sha256()).orElseThrow(() ->
                    new IllegalStateException("resumable upload " + u.id() + " lost its receiving job"));
            newJobSignal.run();
            metrics.uploadAnswered("created", job.size());
            return new Finished(201, job);
        }
        // Judged, the upload has become or met the key's job and is unfinished no more. Until then (a failure to
        // commit or record) it stays, for the client to finish again.
        Decision taken;
        try {
            taken = intake.take(u.toNewJob(body.size(), body.sha256()), body, UnfinishedUpload.STAYS);
        } catch (KeyConflictException conflict) {
            uploads.forget(u.id());
            throw conflict;
        }
        uploads.forget(u.id());
        switch (taken.kind()) {
            case CREATED -> metrics.uploadAnswered("created", taken.job().size());
            case REPLAYED -> metrics.uploadAnswered("replay", 0);
            case REVIVED -> { }
        }
        return new Finished(taken.kind() == Decision.Kind.CREATED ? 201 : 200, taken.job());
    }

    /**
     * The request that created the upload was refused before any of it was kept (too large, out of space,
     * a body longer than announced): the upload goes too, so that no receiving job lingers for it.
     */
    void refusedAtCreation(ResumableUpload u, RuntimeException why) {
        if (partials.offset(u.id()) == 0) {
            remove(u, "refused", StorageErrors.answerFor(why).map(Problem::getMessage).orElseGet(why::toString));
        }
    }

    /** The client cancels the upload; the caller holds its lock. */
    void cancel(ResumableUpload u) {
        remove(u, "cancelled", "cancelled by the client");
    }

    /**
     * A plain upload arrived for a key whose job is still receiving: the whole body wins, and the unfinished
     * upload (and its receiving job) is removed first. 423 if that upload is busy right now.
     */
    public void supersedeByPlainUpload(Job receiving) {
        uploads.find(receiving.id()).ifPresentOrElse(u -> {
            try (UploadLocks.Held held = locks.hold(u.id())) {
                remove(u, "superseded", "a plain upload of the same key arrived");
            }
        }, () -> uploads.remove(receiving.id()));
    }

    /** Removes every upload whose expiry has passed and that no request is using; returns how many. */
    public int expireDue() {
        int removed = 0;
        for (ResumableUpload u : uploads.expiredAt(clock.instant())) {
            Optional<UploadLocks.Held> held = locks.tryHold(u.id());
            if (held.isEmpty()) {
                continue; // in use right now, so not abandoned
            }
            try (UploadLocks.Held h = held.get()) {
                Optional<ResumableUpload> current = uploads.find(u.id());
                if (current.isEmpty() || current.get().expiresAt().isAfter(clock.instant())) {
                    continue;
                }
                remove(current.get(), "expired", "nothing arrived since " + current.get().expiresAt().minus(expiry)
                        + " (expiry " + expiry + ")");
                removed++;
            }
        }
        return removed;
    }

    /**
     * Start-up: repairs what a crash can leave between the ledger and the partial files, then expires what
     * is due. Runs before the server takes requests.
     */
    public void recover() {
        // Another replica sharing the spool may be appending to, finishing or creating an upload right now: each
        // repair is made only while holding the upload's lock, and only if the ledger still says so then. A replica
        // writes an upload's files only under that lock, and creates its row before its file.
        List<String> onDisk = partials.ids();
        Set<String> known = new HashSet<>();
        for (ResumableUpload u : uploads.all()) {
            known.add(u.id());
            Optional<UploadLocks.Held> held = locks.tryHold(u.id());
            if (held.isEmpty()) {
                continue; // in use by another replica: not something a run that ended left behind
            }
            try (UploadLocks.Held h = held.get()) {
                if (uploads.find(u.id()).isPresent() && partials.reclaimFromReady(u.id())) {
                    log.info("resumable upload {}: its finished file went back to partial/ (the last run stopped while"
                            + " finishing it)", u.id());
                }
            }
        }
        int orphans = 0;
        for (String name : onDisk) {
            if (known.contains(name) || !isId(name)) {
                continue;
            }
            Optional<UploadLocks.Held> held = locks.tryHold(name);
            if (held.isEmpty()) {
                continue;
            }
            try (UploadLocks.Held h = held.get()) {
                if (uploads.find(name).isEmpty()) {
                    partials.deleteOrphan(name);
                    orphans++;
                }
            }
        }
        int stranded = uploads.removeStrandedReceivingJobs();
        if (orphans + stranded > 0) {
            log.info("Resumable recovery: removed {} partial file(s) with no upload and {} receiving job(s) with no upload",
                    orphans, stranded);
        }
        int live = known.size();
        if (live > 0) {
            log.info("Resumable recovery: {} unfinished upload(s) kept; clients resume them from their offset", live);
        }
        expireDue();
    }

    private void remove(ResumableUpload u, String cause, String why) {
        long bytes = partials.offset(u.id());
        uploads.remove(u.id());
        partials.delete(u.id());
        if (u.jobId().isPresent()) {
            // A finish that failed after committing leaves a second name in ready/; its receiving job is gone now.
            spool.remove(u.id());
        }
        metrics.resumableRemoved(cause);
        log.atInfo().addKeyValue("upload", u.id()).addKeyValue("device", u.deviceId()).addKeyValue("user", u.userId())
                .addKeyValue("cause", cause)
                .log("resumable upload {} removed ({}): key {}, {} bytes received; {}", u.id(), cause, u.key(), bytes, why);
    }

    private static boolean isId(String id) {
        return id != null && id.matches("[a-z2-7]{26}");
    }

    /** Ids currently unfinished, for tests and the admin view. */
    public List<ResumableUpload> unfinished() {
        return uploads.all();
    }
}
