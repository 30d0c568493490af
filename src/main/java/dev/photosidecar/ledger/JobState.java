package dev.photosidecar.ledger;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Where a job is in its life, and who moves it on from there. */
public enum JobState {
    /** Part of a resumable upload has arrived; the client finishing it moves it on. */
    RECEIVING,
    /** Durable in the spool, waiting for (re)delivery at {@code nextAttemptAt}; a delivery worker moves it on. */
    PENDING,
    /** A worker holds a lease on it; the worker moves it on, and an expired lease returns it to pending. */
    DELIVERING,
    /** On the target and verified; the device acknowledging it moves it on. */
    SUCCEEDED,
    /** Given up (attempts used up or a permanent error); retry, acknowledge or cancel move it on. */
    FAILED,
    /** The device has seen the outcome. Terminal. */
    ACKNOWLEDGED,
    /** Withdrawn before delivery. Terminal. */
    CANCELLED;

    /** The lower-case name used in JSON, SQL and query strings. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<JobState> fromWire(String text) {
        for (JobState s : values()) {
            if (s.wire().equals(text)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public boolean isTerminal() {
        return this == ACKNOWLEDGED || this == CANCELLED;
    }

    /** Whether the job's bytes must still be kept in the spool in this state. */
    public boolean holdsSpoolCopy() {
        return this == RECEIVING || this == PENDING || this == DELIVERING || this == FAILED;
    }

    /** Whether the job still waits for a delivery to end: queued, or being delivered. */
    public boolean awaitsDelivery() {
        return this == PENDING || this == DELIVERING;
    }

    /** Whether the device may acknowledge the job: its delivery has an outcome. */
    public boolean canBeAcknowledged() {
        return this == SUCCEEDED || this == FAILED;
    }

    /** Whether the job may be retried: it failed. */
    public boolean canBeRetried() {
        return this == FAILED;
    }

    /** Whether the job may be cancelled: it is not being delivered and has not been delivered. */
    public boolean canBeCancelled() {
        return this == PENDING || this == FAILED;
    }

    /**
     * The states that {@code which} holds for, as an SQL list ({@code ('pending', 'delivering')}), so that a
     * statement's state list is the enum's rule, never a second copy of it. Only constant names go into the text.
     */
    public static String sqlList(Predicate<JobState> which) {
        return Arrays.stream(values()).filter(which).map(s -> "'" + s.wire() + "'")
                .collect(Collectors.joining(", ", "(", ")"));
    }
}
