package dev.photosidecar.intake;

import dev.photosidecar.ledger.Job;

/** The key is held by a job with other bytes: the body is not taken, and nothing of it is kept. */
public final class KeyConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Job existing;

    KeyConflictException(Job existing) {
        super("key " + existing.key() + " is held by job " + existing.id() + " with other bytes", null, false, false);
        this.existing = existing;
    }

    /** The job that holds the key. */
    public Job existing() {
        return existing;
    }
}
