package dev.photosidecar.spool;

/**
 * A body that did not have the length it was announced with. The spool knows the numbers; which header
 * announced them is the HTTP edge's to say.
 */
public final class LengthMismatch extends SpoolException {
    private static final long serialVersionUID = 1L;

    /** How the length went wrong. */
    public enum Kind {
        /** The body broke off: {@link #received()} bytes arrived, {@link #declared()} were announced (or -1). */
        ENDED_EARLY,
        /** More than the {@link #declared()} bytes arrived. */
        LONGER_THAN_DECLARED,
        /** The body ended at {@link #received()} bytes, not at the {@link #declared()} announced. */
        NOT_AS_DECLARED,
        /** An append would take a resumable upload past the total length announced for it ({@link #declared()}). */
        PAST_UPLOAD_LENGTH
    }

    private final Kind kind;
    private final long received;
    private final long declared;
    private final String cause;

    private LengthMismatch(Kind kind, long received, long declared, String cause, String message) {
        super(message);
        this.kind = kind;
        this.received = received;
        this.declared = declared;
        this.cause = cause;
    }

    static LengthMismatch endedEarly(long received, long declared, String cause) {
        return new LengthMismatch(Kind.ENDED_EARLY, received, declared, cause, "the body ended early after " + received
                + " bytes" + (declared >= 0 ? " of the " + declared + " announced" : "") + " (" + cause + ")");
    }

    static LengthMismatch longerThanDeclared(long declared) {
        return new LengthMismatch(Kind.LONGER_THAN_DECLARED, -1, declared, "",
                "the body is longer than the " + declared + " bytes announced");
    }

    static LengthMismatch notAsDeclared(long received, long declared) {
        return new LengthMismatch(Kind.NOT_AS_DECLARED, received, declared, "",
                "the body has " + received + " bytes but " + declared + " were announced");
    }

    static LengthMismatch pastUploadLength(long uploadLength) {
        return new LengthMismatch(Kind.PAST_UPLOAD_LENGTH, -1, uploadLength, "", "the upload would grow past its announced"
                + " length of " + uploadLength + " bytes; nothing of this request was kept");
    }

    public Kind kind() {
        return kind;
    }

    /** Bytes that arrived, where the kind counts them; else -1. */
    public long received() {
        return received;
    }

    /** The length announced (for {@link Kind#PAST_UPLOAD_LENGTH} the upload's total), or -1 when none was. */
    public long declared() {
        return declared;
    }

    /** For {@link Kind#ENDED_EARLY}: the simple name of the exception the body ended with. */
    public String endedWith() {
        return cause;
    }
}
