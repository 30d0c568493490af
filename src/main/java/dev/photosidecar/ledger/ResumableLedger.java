package dev.photosidecar.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The ledger's side of resumable uploads: the unfinished uploads and the jobs in {@code receiving} they create.
 * Each change is atomic, so a job is never left in {@code receiving} without the upload that will finish it.
 */
public interface ResumableLedger {
    /**
     * Records a new upload. If {@code u.jobId()} is present, its job is created in {@code receiving} at the same
     * time; throws {@link DuplicateKeyException} if the key has a job already.
     */
    void create(ResumableUpload u);

    /** The upload as its device sees it: another device's upload does not exist. */
    Optional<ResumableUpload> findForDevice(String deviceId, String id);

    Optional<ResumableUpload> find(String id);

    /** The unfinished uploads of one device and key (normally at most one). */
    List<ResumableUpload> findByKey(String deviceId, String key);

    /** How many unfinished uploads {@code deviceId} has (its cap is checked against this). */
    int countForDevice(String deviceId);

    List<ResumableUpload> all();

    /** Uploads nobody touched since their expiry time. */
    List<ResumableUpload> expiredAt(Instant now);

    /** Keeps an upload another {@code expiresAt}: called whenever its client shows up. */
    void touch(String id, Instant expiresAt);

    /** Records the total length once the client announces it; the receiving job's size follows. */
    void setUploadLength(String id, long length);

    /**
     * The upload's job is whole and its bytes are in the spool: {@code receiving → pending}, due now, and the
     * upload goes. Empty if the job was not receiving (nothing changes then).
     */
    Optional<Job> finishReceiving(String id, long size, String sha256);

    /** Forgets the upload (the finished upload became a replay or a new job some other way). */
    void forget(String id);

    /** Removes the upload and its job, if that is still receiving: the key is free again. */
    void remove(String id);

    /** Jobs in receiving with no upload that could finish them (should not happen; repaired at start-up). */
    int removeStrandedReceivingJobs();
}
