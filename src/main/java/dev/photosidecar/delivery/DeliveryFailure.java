package dev.photosidecar.delivery;

/** A delivery attempt did not land the file; {@link #kind()} says what happens to the job next. */
public final class DeliveryFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final FailureKind kind;

    public DeliveryFailure(FailureKind kind, String message) {
        this(kind, message, null);
    }

    public DeliveryFailure(FailureKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public FailureKind kind() {
        return kind;
    }
}
