package dev.photosidecar.spool;

/**
 * Bytes whose SHA-256 is not the one the client announced. None of them is kept: a whole body is deleted, a
 * resumable append is rolled back, a finished resumable upload is removed.
 */
public final class DigestMismatch extends SpoolException {
    private static final long serialVersionUID = 1L;

    /** What the digest covered. */
    public enum Scope {
        /** A whole body received in one request; digests in base64. */
        BODY,
        /** A finished resumable upload, hashed again from disk; digests in hex. */
        UPLOAD,
        /** One append of a resumable upload (a per-request checksum); digests in base64. */
        APPEND
    }

    private final Scope scope;
    private final String actual;
    private final String expected;

    DigestMismatch(Scope scope, String actual, String expected) {
        super("the " + (scope == Scope.UPLOAD ? "upload" : "body") + "'s SHA-256 is " + actual + " but " + expected
                + " was announced; nothing of it was kept");
        this.scope = scope;
        this.actual = actual;
        this.expected = expected;
    }

    public Scope scope() {
        return scope;
    }

    /** The SHA-256 of the bytes, in the scope's encoding. */
    public String actual() {
        return actual;
    }

    /** The SHA-256 the client announced, in the scope's encoding. */
    public String expected() {
        return expected;
    }
}
