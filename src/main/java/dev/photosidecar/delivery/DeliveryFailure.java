package dev.photosidecar.delivery;

import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.LastError;
import java.time.Duration;
import java.util.Optional;

/**
 * A delivery attempt did not land the file: {@link #kind()} says what happens to the job next, {@link #code()}
 * says why for machines (the ledger's {@code last_error_code}, the metrics' reason), and the message says it for
 * people (the job's {@code lastError}).
 */
public final class DeliveryFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final FailureKind kind;
    private final FailureCode code;
    private final transient Optional<Duration> retryAfter;

    public DeliveryFailure(FailureKind kind, FailureCode code, String message) {
        this(kind, code, message, null);
    }

    public DeliveryFailure(FailureKind kind, FailureCode code, String message, Throwable cause) {
        this(kind, code, message, cause, Optional.empty());
    }

    public DeliveryFailure(FailureKind kind, FailureCode code, String message, Throwable cause, Optional<Duration> retryAfter) {
        super(message, cause);
        this.kind = kind;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public FailureKind kind() {
        return kind;
    }

    public FailureCode code() {
        return code;
    }

    /** How long the host asked us to wait ({@code Retry-After}), if it said. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    /** The code and the message together, as the ledger keeps them. */
    public LastError lastError() {
        return LastError.of(code, String.valueOf(getMessage()));
    }
}
