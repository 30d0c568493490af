package dev.photosidecar.spool;

/**
 * Why the spool refused bytes or could not keep them. Each kind says what happened in the spool's own terms;
 * the HTTP edge decides what a client is told ({@code http/StorageErrors}).
 */
public abstract sealed class SpoolException extends RuntimeException
        permits UploadTooLarge, OutOfSpace, LengthMismatch, DigestMismatch, OffsetMismatch {
    private static final long serialVersionUID = 1L;

    SpoolException(String message) {
        // An expected outcome of a request, not a bug: no stack trace to fill in.
        super(message, null, false, false);
    }

    /**
     * Whether the sidecar is at fault (it has no room) rather than what the request sent. A resumable upload keeps
     * the durable bytes of an append the sidecar failed, and drops those of one it refused.
     */
    public boolean isSidecarFault() {
        return false;
    }
}
