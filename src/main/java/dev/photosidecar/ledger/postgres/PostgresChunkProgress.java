package dev.photosidecar.ledger.postgres;

import dev.photosidecar.ledger.ChunkProgress;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * The record of a chunked upload in progress, on PostgreSQL, so that whichever replica delivers the job next finds
 * the upload folder on the host again. Only the job's lease holder writes it.
 */
public final class PostgresChunkProgress implements ChunkProgress {
    private final Retried db;
    private final Clock clock;

    public PostgresChunkProgress(Jdbi jdbi, Clock clock) {
        this.db = new Retried(jdbi);
        this.clock = clock;
    }

    @Override
    public Optional<Upload> find(String jobId) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM chunk_uploads WHERE job_id = :job")
                .bind("job", jobId)
                .map((rs, ctx) -> new Upload(rs.getString("job_id"), rs.getString("upload_id"), rs.getLong("chunk_size"),
                        parse(rs.getString("chunks_done"))))
                .findOne());
    }

    @Override
    public void start(String jobId, String uploadId, long chunkSize) {
        db.withHandle(h -> h.createUpdate("""
                INSERT INTO chunk_uploads (job_id, upload_id, chunk_size, chunks_done, started_at, updated_at)
                VALUES (:job, :upload, :size, '', :now, :now)
                ON CONFLICT (job_id) DO UPDATE SET upload_id = excluded.upload_id, chunk_size = excluded.chunk_size,
                    chunks_done = '', started_at = excluded.started_at, updated_at = excluded.updated_at""")
                .bind("job", jobId).bind("upload", uploadId).bind("size", chunkSize).bind("now", clock.millis()).execute());
    }

    @Override
    public void recordDone(String jobId, SortedSet<Integer> done) {
        String list = done.stream().map(String::valueOf).collect(Collectors.joining(","));
        db.withHandle(h -> h.createUpdate("UPDATE chunk_uploads SET chunks_done = :done, updated_at = :now WHERE job_id = :job")
                .bind("done", list).bind("now", clock.millis()).bind("job", jobId).execute());
    }

    @Override
    public void forget(String jobId) {
        db.withHandle(h -> h.createUpdate("DELETE FROM chunk_uploads WHERE job_id = :job").bind("job", jobId).execute());
    }

    private static SortedSet<Integer> parse(String list) {
        SortedSet<Integer> done = new TreeSet<>();
        if (list != null && !list.isBlank()) {
            Arrays.stream(list.split(",")).map(String::trim).map(Integer::valueOf).forEach(done::add);
        }
        return done;
    }
}
