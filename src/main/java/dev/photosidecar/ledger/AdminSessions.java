package dev.photosidecar.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * The admin page's open sessions, by the SHA-256 of their id (the id itself, which the cookie carries, is never
 * stored). In the ledger so that a session opened through one replica is known to every replica, and signing out
 * through any of them ends it everywhere.
 */
public interface AdminSessions {
    /**
     * Records a new session until {@code expiresAt}; sessions that ended by {@code now} go, and when more than
     * {@code max} would remain, the ones closest to their end go first.
     */
    void open(String idHash, Instant expiresAt, Instant now, int max);

    /** When the session ends, if it is recorded. */
    Optional<Instant> expiresAt(String idHash);

    /** Ends the session, if it is recorded. */
    void close(String idHash);

    /** How many sessions are recorded (ended ones included until the next {@link #open}). */
    int count();
}
