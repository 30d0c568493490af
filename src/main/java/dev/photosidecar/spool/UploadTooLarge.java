package dev.photosidecar.spool;

import dev.photosidecar.config.Units;

/** An upload (or the length it announces) is larger than the largest the spool takes. */
public final class UploadTooLarge extends SpoolException {
    private static final long serialVersionUID = 1L;

    private final long maxBytes;

    UploadTooLarge(long maxBytes) {
        super("the upload is larger than the maximum of " + maxBytes + " bytes (" + Units.formatBytes(maxBytes) + ")");
        this.maxBytes = maxBytes;
    }

    /** The largest upload taken. */
    public long maxBytes() {
        return maxBytes;
    }
}
