package dev.photosidecar.ledger;

import java.util.List;

/**
 * What the ledger refuses, as types the layers above tell apart (the HTTP edge maps each to its status and code in
 * one table): no such job, a job in the wrong state for the change asked, a device token that is not (or no longer)
 * valid, and a key that already has a job ({@link DuplicateKeyException}). Never a database error: those stay
 * what they are.
 */
public abstract sealed class LedgerException extends RuntimeException
        permits LedgerException.NotFound, LedgerException.WrongState, LedgerException.Unauthorized, DuplicateKeyException {
    private static final long serialVersionUID = 1L;

    /** The ids the refusal is about, when a caller asked about several at once (otherwise empty). */
    private final List<String> ids;

    LedgerException(String message, List<String> ids) {
        // No stack trace: these are answers, thrown on every refused request.
        super(message, null, false, false);
        this.ids = List.copyOf(ids);
    }

    public List<String> ids() {
        return ids;
    }

    /** No such job (for this device). */
    public static final class NotFound extends LedgerException {
        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            super(message, List.of());
        }

        public NotFound(String message, List<String> ids) {
            super(message, ids);
        }
    }

    /** The job exists but is in a state the change cannot start from; the message names the state. */
    public static final class WrongState extends LedgerException {
        private static final long serialVersionUID = 1L;

        public WrongState(String message) {
            super(message, List.of());
        }

        public WrongState(String message, List<String> ids) {
            super(message, ids);
        }
    }

    /** A device token that belongs to no active device, or a device revoked while its request ran. */
    public static final class Unauthorized extends LedgerException {
        private static final long serialVersionUID = 1L;

        public Unauthorized(String message) {
            super(message, List.of());
        }
    }
}
