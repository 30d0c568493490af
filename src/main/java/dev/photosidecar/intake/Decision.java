package dev.photosidecar.intake;

import dev.photosidecar.ledger.Job;

/** What the intake made of a received body: a new job, a replay of the job that has the key, or a failed job revived. */
public record Decision(Kind kind, Job job) {
    /** The three ways a body is taken; a body that is not taken is a {@link KeyConflictException}. */
    public enum Kind {
        /** A new key: the bytes are kept as a new pending job. */
        CREATED,
        /** The key's job has these bytes already: nothing new is kept. */
        REPLAYED,
        /** The key's job had failed and these are its bytes: they are kept again and the job is pending once more. */
        REVIVED
    }
}
