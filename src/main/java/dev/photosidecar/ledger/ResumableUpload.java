package dev.photosidecar.ledger;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An unfinished resumable upload as the ledger holds it: who sends it, under which key, what its creating
 * request said about the file, and until when it is kept. Its bytes, and so its offset, are in the spool.
 *
 * @param protocol       {@code ietf-3} to {@code ietf-8} (the IETF draft's interop version; rows stored before the V5
 *                       migration say {@code ietf-6} for versions 4 to 8) or {@code tus}
 * @param jobId          the job in {@code receiving} this upload created (the same id), or empty when the key
 *                       already had a job and the finished upload is judged as a replay
 * @param uploadLength   the total length, once announced
 * @param expectedSha256 the SHA-256 (hex) the whole upload must have, if the client said
 */
public record ResumableUpload(
        String id,
        String protocol,
        String deviceId,
        String userId,
        String key,
        Optional<String> jobId,
        String filename,
        ResourceType resourceType,
        Optional<String> assetId,
        String contentType,
        Optional<Instant> capturedAt,
        OptionalLong uploadLength,
        Optional<String> expectedSha256,
        Instant startedAt,
        Instant expiresAt) {

    public ResumableUpload withUploadLength(long length) {
        return new ResumableUpload(id, protocol, deviceId, userId, key, jobId, filename, resourceType, assetId, contentType,
                capturedAt, OptionalLong.of(length), expectedSha256, startedAt, expiresAt);
    }

    public ResumableUpload withExpiresAt(Instant at) {
        return new ResumableUpload(id, protocol, deviceId, userId, key, jobId, filename, resourceType, assetId, contentType,
                capturedAt, uploadLength, expectedSha256, startedAt, at);
    }

    /** The job this upload becomes when it is finished and its key was new. */
    public NewJob toNewJob(long size, String sha256) {
        return new NewJob(id, deviceId, userId, key, filename, resourceType, assetId, contentType, size, sha256, capturedAt);
    }
}
