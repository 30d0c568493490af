package dev.photosidecar.http;

import dev.photosidecar.ledger.Job;
import java.time.Instant;
import java.util.Optional;

/** A job as the API shows it: the contract's fields, times as ISO-8601 instants, absent values as null. */
public record JobView(
        String id,
        String key,
        String state,
        String filename,
        String resourceType,
        String assetId,
        String contentType,
        long size,
        String sha256,
        String createdAt,
        String receivedAt,
        int attempts,
        String nextAttemptAt,
        String lastError,
        String remotePath,
        String remoteEtag,
        String remoteFileId,
        String deliveredAt) {

    public static JobView of(Job j) {
        return new JobView(j.id(), j.key(), j.state().wire(), j.filename(), j.resourceType().wire(),
                j.assetId().orElse(null), j.contentType(), j.size(), j.sha256(), iso(j.createdAt()), iso(j.receivedAt()),
                j.attempts(), j.nextAttemptAt().map(JobView::iso).orElse(null), j.lastError().orElse(null),
                j.remotePath().orElse(null), j.remoteEtag().orElse(null), j.remoteFileId().orElse(null),
                j.deliveredAt().map(JobView::iso).orElse(null));
    }

    private static String iso(Instant t) {
        return t.toString();
    }

    static Optional<String> location(Job j) {
        return Optional.of("/v1/jobs/" + j.id());
    }
}
