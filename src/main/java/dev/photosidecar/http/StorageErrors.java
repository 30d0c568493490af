package dev.photosidecar.http;

import dev.photosidecar.spool.DigestMismatch;
import dev.photosidecar.spool.LengthMismatch;
import dev.photosidecar.spool.OffsetMismatch;
import dev.photosidecar.spool.OutOfSpace;
import dev.photosidecar.spool.SpoolException;
import dev.photosidecar.spool.UploadTooLarge;
import java.util.Map;
import java.util.Optional;

/**
 * The one table that turns what storage throws into what a client is told: each typed spool (and ledger) error
 * gets its {@link ErrorCode} and its message here, with the header names the storage does not know. Everything
 * else is an internal error (or a full disk) and is left to the exception handlers.
 */
public final class StorageErrors {
    private static final String PROBLEM_TYPES = "https://iana.org/assignments/http-problem-types#";

    private StorageErrors() {
    }

    /**
     * The answer for {@code failure} if it is one a client is told about: a {@link Problem} as it is, a typed storage
     * error as this table maps it; empty for anything else (an internal error).
     */
    public static Optional<Problem> answerFor(Throwable failure) {
        if (failure instanceof Problem p) {
            return Optional.of(p);
        }
        if (failure instanceof SpoolException s) {
            return Optional.of(of(s));
        }
        // Typed ledger errors (not found, wrong state, duplicate key) get their rows here when the ledger throws them.
        return Optional.empty();
    }

    /**
     * Whether {@code failure} is the sidecar's fault (out of space, an I/O or ledger error) rather than the request's:
     * a resumable upload then keeps its durable bytes for the client to resume.
     */
    public static boolean isSidecarFault(Throwable failure) {
        if (failure instanceof SpoolException s) {
            return s.isSidecarFault();
        }
        if (failure instanceof Problem p) {
            return p.code() == ErrorCode.INSUFFICIENT_STORAGE;
        }
        return true;
    }

    /** The client's answer for a spool error. */
    public static Problem of(SpoolException e) {
        if (e instanceof UploadTooLarge) {
            return new Problem(ErrorCode.UPLOAD_TOO_LARGE, e.getMessage());
        }
        if (e instanceof OutOfSpace) {
            return new Problem(ErrorCode.INSUFFICIENT_STORAGE, e.getMessage());
        }
        if (e instanceof LengthMismatch length) {
            return new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, lengthMessage(length));
        }
        if (e instanceof DigestMismatch digest) {
            return digest(digest);
        }
        OffsetMismatch offset = (OffsetMismatch) e; // the last kind the sealed type permits
        return new Problem(ErrorCode.OFFSET_MISMATCH, "the upload is at offset " + offset.offset() + ", not "
                + offset.claimed() + "; ask for the offset (HEAD) and continue from there",
                Map.of("problemType", PROBLEM_TYPES + "mismatching-upload-offset",
                        "expectedOffset", offset.offset(), "providedOffset", offset.claimed()));
    }

    private static String lengthMessage(LengthMismatch e) {
        return switch (e.kind()) {
            case ENDED_EARLY -> "the body ended early after " + e.received() + " bytes"
                    + (e.declared() >= 0 ? " of the " + e.declared() + " that Content-Length announced" : "")
                    + " (" + e.endedWith() + ")";
            case LONGER_THAN_DECLARED -> "the body is longer than the " + e.declared() + " bytes Content-Length announced";
            case NOT_AS_DECLARED -> "the body has " + e.received() + " bytes but Content-Length announced " + e.declared();
            case PAST_UPLOAD_LENGTH -> e.getMessage();
        };
    }

    private static Problem digest(DigestMismatch e) {
        return switch (e.scope()) {
            case BODY -> new Problem(ErrorCode.DIGEST_MISMATCH, "the body's SHA-256 is " + e.actual()
                    + " but the digest header says " + e.expected());
            case UPLOAD -> new Problem(ErrorCode.DIGEST_MISMATCH, "the upload's SHA-256 is " + e.actual()
                    + " but the digest header said " + e.expected() + "; nothing was kept");
            case APPEND -> new Problem(ErrorCode.CHECKSUM_MISMATCH, "the body's SHA-256 is " + e.actual()
                    + " but Upload-Checksum says " + e.expected() + "; none of it was kept");
        };
    }
}
