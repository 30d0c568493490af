package dev.photosidecar.ledger;

import java.util.Optional;
import java.util.SortedSet;

/**
 * The ledger's record of a chunked upload in progress: which upload folder on the host belongs to the job,
 * with which chunk size, and which chunks it has confirmed. The host's own listing is the truth when
 * resuming; this record is what lets a restarted sidecar find the folder again.
 */
public interface ChunkProgress {
    /** One job's chunked upload. */
    record Upload(String jobId, String uploadId, long chunkSize, SortedSet<Integer> chunksDone) {
    }

    Optional<Upload> find(String jobId);

    /** Records a new upload folder for the job (replacing any earlier one), with no chunk confirmed yet. */
    void start(String jobId, String uploadId, long chunkSize);

    /** Records the chunks confirmed so far (the host's listing plus the ones just sent). */
    void recordDone(String jobId, SortedSet<Integer> done);

    void forget(String jobId);
}
