package dev.photosidecar.delivery;

import java.time.Duration;
import java.util.Optional;

/** A delivery attempt did not land the file; {@link #kind()} says what happens to the job next. */
public final class DeliveryFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final FailureKind kind;
    private final transient Optional<Duration> retryAfter;

    public DeliveryFailure(FailureKind kind, String message) {
        this(kind, message, null);
    }

    public DeliveryFailure(FailureKind kind, String message, Throwable cause) {
        this(kind, message, cause, Optional.empty());
    }

    public DeliveryFailure(FailureKind kind, String message, Throwable cause, Optional<Duration> retryAfter) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public FailureKind kind() {
        return kind;
    }

    /** How long the host asked us to wait ({@code Retry-After}), if it said. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
