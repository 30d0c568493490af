package dev.photosidecar.ledger.jdbc;

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
 * The ledger's side of resumable uploads: the {@code resumable_uploads} rows and the jobs in
 * {@code receiving} they create. Each change is one transaction, so a job is never left in
 * {@code receiving} without the upload that will finish it. Where the dialect takes row locks, a change that
 * touches both an upload and its job locks the job's row first, always, so that two replicas working on one upload
 * (one finishing it, one removing it) queue instead of deadlocking; SQLite gets the same from its single writer.
 */
public class JdbcResumableLedger implements ResumableLedger {
    private final Jdbi jdbi;
    private final Clock clock;
    private final Dialect dialect;

    /** The resumable uploads on {@code jdbi}, speaking {@code dialect}. */
    public JdbcResumableLedger(Jdbi jdbi, Clock clock, Dialect dialect) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.dialect = dialect;
    }

    /**
     * Records a new upload. If {@code u.jobId()} is present, its job is created in {@code receiving} in the
     * same transaction; throws {@link DuplicateKeyException} if the key has a job already.
     */
    @Override
    public void create(ResumableUpload u) {
        long now = clock.millis();
        Optional<Job> receiving;
        try {
            receiving = dialect.inTransaction(jdbi, h -> {
                Optional<Job> job = Optional.empty();
                if (u.jobId().isPresent()) {
                    job = JdbcJobLedger.atMostOne("creating " + u.id(), h.createQuery("""
                            INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type, asset_id,
                                              content_type, size, sha256, created_at, received_at, attempts)
                            VALUES (:id, :device, :user, :key, 'receiving', :filename, :type, :asset, :contentType, :size,
                                    NULL, :createdAt, :now, 0) RETURNING *""")
                            .bind("id", u.id()).bind("device", u.deviceId()).bind("user", u.userId()).bind("key", u.key())
                            .bind("filename", u.filename()).bind("type", u.resourceType().wire())
                            .bind("asset", u.assetId().orElse(null)).bind("contentType", u.contentType())
                            .bind("size", u.uploadLength().orElse(0))
                            .bind("createdAt", u.capturedAt().map(Instant::toEpochMilli).orElse(now)).bind("now", now)
                            .map(Rows::job).list());
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
            if (dialect.isUniqueViolation(e)) {
                throw new DuplicateKeyException(u.deviceId(), u.key());
            }
            throw e;
        }
        receiving.ifPresent(j -> JobLog.log(Transition.arrived(j, JobState.RECEIVING, j.filename() + " (resumable)")));
    }

    /** The upload as its device sees it: another device's upload does not exist. */
    @Override
    public Optional<ResumableUpload> findForDevice(String deviceId, String id) {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT * FROM resumable_uploads WHERE id = :id AND device_id = :device")
                .bind("id", id).bind("device", deviceId).map(Rows::upload).findOne());
    }

    @Override
    public Optional<ResumableUpload> find(String id) {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT * FROM resumable_uploads WHERE id = :id")
                .bind("id", id).map(Rows::upload).findOne());
    }

    /** The unfinished uploads of one device and key (normally at most one). */
    @Override
    public List<ResumableUpload> findByKey(String deviceId, String key) {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT * FROM resumable_uploads WHERE device_id = :device AND upload_key = :key")
                .bind("device", deviceId).bind("key", key).map(Rows::upload).list());
    }

    /** How many unfinished uploads {@code deviceId} has (its cap is checked against this). */
    @Override
    public int countForDevice(String deviceId) {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT count(*) FROM resumable_uploads WHERE device_id = :device")
                .bind("device", deviceId).mapTo(Integer.class).one());
    }

    @Override
    public List<ResumableUpload> all() {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT * FROM resumable_uploads").map(Rows::upload).list());
    }

    /** Uploads nobody touched since their expiry time. */
    @Override
    public List<ResumableUpload> expiredAt(Instant now) {
        return dialect.withHandle(jdbi, h -> h.createQuery("SELECT * FROM resumable_uploads WHERE expires_at <= :now ORDER BY expires_at")
                .bind("now", now.toEpochMilli()).map(Rows::upload).list());
    }

    /** Keeps an upload another {@code expiresAt}: called whenever its client shows up. */
    @Override
    public void touch(String id, Instant expiresAt) {
        dialect.withHandle(jdbi, h -> h.createUpdate("UPDATE resumable_uploads SET expires_at = :at WHERE id = :id")
                .bind("at", expiresAt.toEpochMilli()).bind("id", id).execute());
    }

    /** Records the total length once the client announces it; the receiving job's size follows. */
    @Override
    public void setUploadLength(String id, long length) {
        dialect.inTransaction(jdbi, h -> {
            lockJob(h, id);
            h.createUpdate("UPDATE resumable_uploads SET upload_length = :n WHERE id = :id").bind("n", length).bind("id", id).execute();
            return h.createUpdate("UPDATE jobs SET size = :n WHERE id = :id AND state = 'receiving'").bind("n", length).bind("id", id).execute();
        });
    }

    /**
     * The upload's job is whole and its bytes are in the spool: {@code receiving} → {@code pending}, due now,
     * and the upload row goes. Empty if the job was not receiving (nothing changes then). The update locks the
     * job row before the upload row goes.
     */
    @Override
    public Optional<Job> finishReceiving(String id, long size, String sha256) {
        long now = clock.millis();
        Optional<Job> finished = dialect.inTransaction(jdbi, h -> {
            Optional<Job> job = JdbcJobLedger.atMostOne("finishing " + id, h.createQuery("""
                    UPDATE jobs SET state = 'pending', size = :size, sha256 = :sha, received_at = :now, next_attempt_at = :now
                    WHERE id = :id AND state = 'receiving' RETURNING *""")
                    .bind("size", size).bind("sha", sha256).bind("now", now).bind("id", id)
                    .map(Rows::job).list());
            if (job.isPresent()) {
                h.createUpdate("DELETE FROM resumable_uploads WHERE id = :id").bind("id", id).execute();
            }
            return job;
        });
        finished.ifPresent(j -> JobLog.log(Transition.of(j, JobState.RECEIVING, JobState.PENDING,
                j.filename() + ", " + j.size() + " bytes (resumable)")));
        return finished;
    }

    /** Forgets the upload row (the finished upload became a replay or a new job some other way). */
    @Override
    public void forget(String id) {
        dialect.withHandle(jdbi, h -> h.createUpdate("DELETE FROM resumable_uploads WHERE id = :id").bind("id", id).execute());
    }

    /** Removes the upload and its job, if that is still receiving: the key is free again. */
    @Override
    public void remove(String id) {
        Optional<Job> removed = dialect.inTransaction(jdbi, h -> {
            lockJob(h, id);
            h.createUpdate("DELETE FROM resumable_uploads WHERE id = :id").bind("id", id).execute();
            return JdbcJobLedger.atMostOne("removing " + id, h.createQuery("DELETE FROM jobs WHERE id = :id AND state = 'receiving' RETURNING *")
                    .bind("id", id).map(Rows::job).list());
        });
        removed.ifPresent(j -> JobLog.log(Transition.removed(j, JobState.RECEIVING, "its resumable upload was removed")));
    }

    /** Jobs in receiving with no upload that could finish them (should not happen; repaired at start-up). */
    @Override
    public int removeStrandedReceivingJobs() {
        List<Job> removed = dialect.withHandle(jdbi, h -> h.createQuery("""
                DELETE FROM jobs WHERE state = 'receiving'
                AND id NOT IN (SELECT job_id FROM resumable_uploads WHERE job_id IS NOT NULL) RETURNING *""")
                .map(Rows::job).list());
        removed.forEach(j -> JobLog.log(Transition.removed(j, JobState.RECEIVING, "no resumable upload could finish it")));
        return removed.size();
    }

    /**
     * Locks the upload's job row (same id), if there is one and the dialect takes row locks: the first lock of every
     * change to both.
     */
    private void lockJob(Handle h, String id) {
        if (!dialect.lockForUpdate().isEmpty()) {
            h.createQuery("SELECT id FROM jobs WHERE id = :id" + dialect.lockForUpdate()).bind("id", id).mapTo(String.class).findOne();
        }
    }
}
