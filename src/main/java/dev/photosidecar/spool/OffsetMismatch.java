package dev.photosidecar.spool;

/** A resumable append that named another offset than the one on disk; carries the true one for the answer. */
public final class OffsetMismatch extends SpoolException {
    private static final long serialVersionUID = 1L;

    private final long claimed;
    private final long offset;

    OffsetMismatch(long claimed, long offset) {
        super("the upload is at offset " + offset + ", not " + claimed);
        this.claimed = claimed;
        this.offset = offset;
    }

    /** The offset the request named. */
    public long claimed() {
        return claimed;
    }

    /** The durable offset on disk. */
    public long offset() {
        return offset;
    }
}
