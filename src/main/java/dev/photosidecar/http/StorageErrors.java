package dev.photosidecar.http;

import dev.photosidecar.intake.KeyConflictException;
import dev.photosidecar.ledger.LedgerException;
import dev.photosidecar.spool.DigestMismatch;
import dev.photosidecar.spool.LengthMismatch;
import dev.photosidecar.spool.OffsetMismatch;
import dev.photosidecar.spool.OutOfSpace;
import dev.photosidecar.spool.SpoolException;
import dev.photosidecar.spool.UploadTooLarge;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one table that turns what storage throws into what a client is told: each typed spool, intake (and ledger) error
 * gets its {@link ErrorCode} and its message here, with the header names the storage does not know. Anything not
 * in the table is an internal error (or a full disk), which {@link ErrorResponses} answers without details.
 */
public final class StorageErrors {
    private static final String PROBLEM_TYPES = "https://iana.org/assignments/http-problem-types#";

    /** One row: a storage error type and the answer for it. The first row whose type matches wins. */
    private record Row<T extends RuntimeException>(Class<T> type, Function<T, Problem> answer) {
        Optional<Problem> apply(Throwable failure) {
            return type.isInstance(failure) ? Optional.of(answer.apply(type.cast(failure))) : Optional.empty();
        }
    }

    private static final List<Row<?>> TABLE = List.of(
            // spool/
            new Row<>(UploadTooLarge.class, e -> new Problem(ErrorCode.UPLOAD_TOO_LARGE, e.getMessage())),
            new Row<>(OutOfSpace.class, e -> new Problem(ErrorCode.INSUFFICIENT_STORAGE, e.getMessage())),
            new Row<>(LengthMismatch.class, e -> new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, lengthMessage(e))),
            new Row<>(DigestMismatch.class, StorageErrors::digest),
            new Row<>(OffsetMismatch.class, StorageErrors::offset),
            // intake/
            new Row<>(KeyConflictException.class, e -> new KeyConflict(e.existing())),
            // ledger/ (a DuplicateKeyException is the intake's to judge: one that escapes it stays an internal error)
            new Row<>(LedgerException.NotFound.class, e -> ledger(ErrorCode.JOB_NOT_FOUND, e)),
            new Row<>(LedgerException.WrongState.class, e -> ledger(ErrorCode.INVALID_STATE, e)),
            new Row<>(LedgerException.Unauthorized.class, e -> ledger(ErrorCode.UNAUTHORIZED, e))
    );

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
        for (Row<?> row : TABLE) {
            Optional<Problem> answer = row.apply(failure);
            if (answer.isPresent()) {
                return answer;
            }
        }
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
        if (failure instanceof LedgerException) {
            return false; // the ledger refused what the request asked: not found, wrong state, a key taken
        }
        return answerFor(failure).map(p -> p.code() == ErrorCode.INSUFFICIENT_STORAGE).orElse(true);
    }

    /** A ledger refusal about several jobs names them in the details, as {@code ids}. */
    private static Problem ledger(ErrorCode code, LedgerException e) {
        return e.ids().isEmpty() ? new Problem(code, e.getMessage()) : new Problem(code, e.getMessage(), Map.of("ids", e.ids()));
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

    private static Problem offset(OffsetMismatch e) {
        return new Problem(ErrorCode.OFFSET_MISMATCH, "the upload is at offset " + e.offset() + ", not " + e.claimed()
                + "; ask for the offset (HEAD) and continue from there",
                Map.of("problemType", PROBLEM_TYPES + "mismatching-upload-offset",
                        "expectedOffset", e.offset(), "providedOffset", e.claimed()));
    }
}
