package dev.photosidecar.push;

import java.util.Optional;

/**
 * What became of one file in a push.
 *
 * @param jobId the server's job for the file, when it answered with one (201 or 200)
 * @param message why it conflicted or failed; empty otherwise
 */
public record UploadResult(MediaFile file, Outcome outcome, Optional<String> jobId, String message, int retries) {

    /** The four ways a file ends up, as the summary counts them. */
    public enum Outcome {
        /** 201: a new job. */
        UPLOADED,
        /** Skipped because the key check knew it, or answered 200 (a replay of the same bytes). */
        ALREADY_THERE,
        /** 409: the key is taken by different bytes. */
        CONFLICT,
        /** Anything else, after the retries allowed. */
        FAILED
    }

    static UploadResult failed(MediaFile file, String message, int retries) {
        return new UploadResult(file, Outcome.FAILED, Optional.empty(), message, retries);
    }
}
