package dev.photosidecar.ledger;

import java.util.Optional;

/**
 * One change of a job's state as the ledger made it: the job as it is now, the state it left and the state it
 * entered, and why. A job that just arrived has no {@code from} (logged as {@code received}); a receiving job that
 * was removed has no {@code to} (logged as {@code removed}, and {@link #job()} is the row as it was).
 */
public record Transition(Job job, Optional<JobState> from, Optional<JobState> to, String reason) {
    /** How a state that did not exist yet is named in the log line. */
    public static final String ARRIVED = "received";
    /** How a removed job's missing state is named in the log line. */
    public static final String REMOVED = "removed";

    public static Transition of(Job job, JobState from, JobState to, String reason) {
        return new Transition(job, Optional.of(from), Optional.of(to), reason);
    }

    /** A job that did not exist before, entering {@code to}. */
    public static Transition arrived(Job job, JobState to, String reason) {
        return new Transition(job, Optional.empty(), Optional.of(to), reason);
    }

    /** A job whose row was deleted while it was in {@code from}. */
    public static Transition removed(Job job, JobState from, String reason) {
        return new Transition(job, Optional.of(from), Optional.empty(), reason);
    }

    /** The state left, as the log line names it. */
    public String fromWire() {
        return from.map(JobState::wire).orElse(ARRIVED);
    }

    /** The state entered, as the log line names it. */
    public String toWire() {
        return to.map(JobState::wire).orElse(REMOVED);
    }
}
