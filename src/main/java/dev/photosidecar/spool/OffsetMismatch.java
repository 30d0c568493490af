package dev.photosidecar.spool;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;

/** A resumable append that named another offset than the one on disk; carries the true one for the answer. */
public final class OffsetMismatch extends Problem {
    private static final long serialVersionUID = 1L;

    private final long offset;

    OffsetMismatch(long claimed, long offset) {
        super(ErrorCode.OFFSET_MISMATCH, "the upload is at offset " + offset + ", not " + claimed
                + "; ask for the offset (HEAD) and continue from there",
                java.util.Map.of("problemType", "https://iana.org/assignments/http-problem-types#mismatching-upload-offset",
                        "expectedOffset", offset, "providedOffset", claimed));
        this.offset = offset;
    }

    public long offset() {
        return offset;
    }
}
