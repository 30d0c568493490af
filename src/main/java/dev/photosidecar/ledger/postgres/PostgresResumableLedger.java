package dev.photosidecar.ledger.postgres;

import dev.photosidecar.ledger.DuplicateKeyException;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLog;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.ledger.ResumableUpload;
import dev.photosidecar.ledger.Transition;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The ledger's side of resumable uploads on PostgreSQL: the {@code resumable_uploads} rows and the jobs in
 * {@code receiving} they create, each change one transaction. A change that touches both an upload and its job locks
 * the job's row first, always, so that two replicas working on one upload (one finishing it, one removing it) queue
 * instead of deadlocking; SQLite gets the same from its single writer.
 */
public final class PostgresResumableLedger implements ResumableLedger {
    private final Retried db;
    private final Clock clock;

    public PostgresResumableLedger(Jdbi jdbi, Clock clock) {
        this.db = new Retried(jdbi);
        this.clock = clock;
    }

    /** The upload and its receiving job in one transaction; a key another replica took first is a duplicate. */
    @Override
    public void create(ResumableUpload u) {
        long now = clock.millis();
        Optional<Job> receiving;
        try {
            receiving = db.inTransaction(h -> {
                Optional<Job> job = Optional.empty();
                if (u.jobId().isPresent()) {
                    job = PostgresJobLedger.atMostOne("creating " + u.id(), h.createQuery("""
                            INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type, asset_id,
                                              content_type, size, sha256, created_at, received_at, attempts)
                            VALUES (:id, :device, :user, :key, 'receiving', :filename, :type, :asset, :contentType, :size,
                                    NULL, :createdAt, :now, 0) RETURNING *""")
                            .bind("id", u.id()).bind("device", u.deviceId()).bind("user", u.userId()).bind("key", u.key())
                            .bind("filename", u.filename()).bind("type", u.resourceType().wire())
                            .bind("asset", u.assetId().orElse(null)).bind("contentType", u.contentType())
                            .bind("size", u.uploadLength().orElse(0))
                            .bind("createdAt", u.capturedAt().map(Instant::toEpochMilli).orElse(now)).bind("now", now)
                            .map(PostgresRows::job).list());
                }
                h.createUpdate("""
                        INSERT INTO resumable_uploads (id, protocol, device_id, user_id, upload_key, job_id, filename,
                            resource_type, asset_id, content_type, captured_at, upload_length, expected_sha256,
                            started_at, expires_at)
                        VALUES (:id, :protocol, :device, :user, :key, :job, :filename, :type, :asset, :contentType,
                            :captured, :length, :sha, :now, :expires)""")
                        .bind("id", u.id()).bind("protocol", u.protocol()).bind("device", u.deviceId())
                        .bind("user", u.userId()).bind("key", u.key()).bind("job", u.jobId().orElse(null))
                        .bind("filename", u.filename()).bind("type", u.resourceType().wire())
                        .bind("asset", u.assetId().orElse(null)).bind("contentType", u.contentType())
                        .bind("captured", u.capturedAt().map(Instant::toEpochMilli).orElse(null))
                        .bind("length", u.uploadLength().isPresent() ? u.uploadLength().getAsLong() : null)
                        .bind("sha", u.expectedSha256().orElse(null))
                        .bind("now", now).bind("expires", u.expiresAt().toEpochMilli())
                        .execute();
                return job;
            });
        } catch (UnableToExecuteStatementException e) {
            if (PostgresErrors.isUniqueViolation(e)) {
                throw new DuplicateKeyException(u.deviceId(), u.key());
            }
            throw e;
        }
        receiving.ifPresent(j -> JobLog.log(Transition.arrived(j, JobState.RECEIVING, j.filename() + " (resumable)")));
    }

    @Override
    public Optional<ResumableUpload> findForDevice(String deviceId, String id) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM resumable_uploads WHERE id = :id AND device_id = :device")
                .bind("id", id).bind("device", deviceId).map(PostgresRows::upload).findOne());
    }

    @Override
    public Optional<ResumableUpload> find(String id) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM resumable_uploads WHERE id = :id")
                .bind("id", id).map(PostgresRows::upload).findOne());
    }

    @Override
    public List<ResumableUpload> findByKey(String deviceId, String key) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM resumable_uploads WHERE device_id = :device AND upload_key = :key")
                .bind("device", deviceId).bind("key", key).map(PostgresRows::upload).list());
    }

    @Override
    public int countForDevice(String deviceId) {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM resumable_uploads WHERE device_id = :device")
                .bind("device", deviceId).mapTo(Integer.class).one());
    }

    @Override
    public List<ResumableUpload> all() {
        return db.withHandle(h -> h.createQuery("SELECT * FROM resumable_uploads").map(PostgresRows::upload).list());
    }

    @Override
    public List<ResumableUpload> expiredAt(Instant now) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM resumable_uploads WHERE expires_at <= :now ORDER BY expires_at")
                .bind("now", now.toEpochMilli()).map(PostgresRows::upload).list());
    }

    @Override
    public void touch(String id, Instant expiresAt) {
        db.withHandle(h -> h.createUpdate("UPDATE resumable_uploads SET expires_at = :at WHERE id = :id")
                .bind("at", expiresAt.toEpochMilli()).bind("id", id).execute());
    }

    @Override
    public void setUploadLength(String id, long length) {
        db.inTransaction(h -> {
            lockJob(h, id);
            h.createUpdate("UPDATE resumable_uploads SET upload_length = :n WHERE id = :id").bind("n", length).bind("id", id).execute();
            return h.createUpdate("UPDATE jobs SET size = :n WHERE id = :id AND state = 'receiving'")
                    .bind("n", length).bind("id", id).execute();
        });
    }

    /** {@code receiving → pending}, guarded; the update locks the job row before the upload row goes. */
    @Override
    public Optional<Job> finishReceiving(String id, long size, String sha256) {
        long now = clock.millis();
        Optional<Job> finished = db.inTransaction(h -> {
            Optional<Job> job = PostgresJobLedger.atMostOne("finishing " + id, h.createQuery("""
                    UPDATE jobs SET state = 'pending', size = :size, sha256 = :sha, received_at = :now, next_attempt_at = :now
                    WHERE id = :id AND state = 'receiving' RETURNING *""")
                    .bind("size", size).bind("sha", sha256).bind("now", now).bind("id", id)
                    .map(PostgresRows::job).list());
            if (job.isPresent()) {
                h.createUpdate("DELETE FROM resumable_uploads WHERE id = :id").bind("id", id).execute();
            }
            return job;
        });
        finished.ifPresent(j -> JobLog.log(Transition.of(j, JobState.RECEIVING, JobState.PENDING,
                j.filename() + ", " + j.size() + " bytes (resumable)")));
        return finished;
    }

    @Override
    public void forget(String id) {
        db.withHandle(h -> h.createUpdate("DELETE FROM resumable_uploads WHERE id = :id").bind("id", id).execute());
    }

    @Override
    public void remove(String id) {
        Optional<Job> removed = db.inTransaction(h -> {
            lockJob(h, id);
            h.createUpdate("DELETE FROM resumable_uploads WHERE id = :id").bind("id", id).execute();
            return PostgresJobLedger.atMostOne("removing " + id, h.createQuery(
                            "DELETE FROM jobs WHERE id = :id AND state = 'receiving' RETURNING *")
                    .bind("id", id).map(PostgresRows::job).list());
        });
        removed.ifPresent(j -> JobLog.log(Transition.removed(j, JobState.RECEIVING, "its resumable upload was removed")));
    }

    @Override
    public int removeStrandedReceivingJobs() {
        List<Job> removed = db.withHandle(h -> h.createQuery("""
                DELETE FROM jobs WHERE state = 'receiving'
                AND id NOT IN (SELECT job_id FROM resumable_uploads WHERE job_id IS NOT NULL) RETURNING *""")
                .map(PostgresRows::job).list());
        removed.forEach(j -> JobLog.log(Transition.removed(j, JobState.RECEIVING, "no resumable upload could finish it")));
        return removed.size();
    }

    /** Locks the upload's job row (same id) if there is one: the first lock of every change to both. */
    private static void lockJob(Handle h, String id) {
        h.createQuery("SELECT id FROM jobs WHERE id = :id FOR UPDATE").bind("id", id).mapTo(String.class).findOne();
    }
}
