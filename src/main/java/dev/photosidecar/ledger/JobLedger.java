package dev.photosidecar.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The jobs and their state machine. Every state change is one guarded statement in the implementation (it changes
 * the job only if it is still in the expected state, and for a worker only if it still holds the lease), and the
 * implementation writes the transition's log line ({@link JobLog}) itself, only for a row it changed. A change that
 * finds the job elsewhere changes nothing: the worker methods say so in their result, the methods someone asked for
 * throw {@link LedgerException.NotFound} or {@link LedgerException.WrongState}.
 */
public interface JobLedger {

    // ---- intake ---------------------------------------------------------------------------------

    /**
     * Records a new pending job, due at once. Throws {@link DuplicateKeyException} if the device's key is taken, and
     * {@link LedgerException.Unauthorized} if the device was revoked (checked in the same statement as the insert).
     */
    Job insert(NewJob job);

    // ---- reads ----------------------------------------------------------------------------------

    Optional<Job> find(String id);

    /** A job as its device sees it: another device's job does not exist. */
    Optional<Job> findForDevice(String deviceId, String id);

    Optional<Job> findByKey(String deviceId, String key);

    /** A device's jobs, newest first, {@code limit} at a time, continuing before {@code beforeSeq}. */
    JobPage listForDevice(String deviceId, Optional<JobState> state, int limit, Optional<Long> beforeSeq);

    /** Jobs across devices for operators, newest first. */
    List<Job> list(Optional<String> userId, Optional<JobState> state, int limit);

    /** Which of these keys the device already has, with their states. */
    Map<String, JobState> knownKeys(String deviceId, Collection<String> keys);

    /** Every state with its number of jobs, zero included. */
    Map<JobState, Long> countByState();

    /** Where another resource of the same asset (a Live Photo's photo or video) was delivered, if one was. */
    Optional<String> deliveredSiblingPath(Job job);

    /** Whether an older resource of the same asset is being delivered right now (the pair goes one at a time). */
    boolean olderSiblingInDelivery(Job job);

    /** When the oldest job still waiting for delivery was received. */
    Optional<Instant> oldestPendingReceivedAt();

    /** When the next pending job falls due, if any is waiting. */
    default Optional<Instant> nextDueAt() {
        return nextDueAt(List.of());
    }

    /**
     * When the next pending job of a user not in {@code skippedUsers} falls due: the dispatcher's wake-up time, which
     * must not be a paused user's job that is due now but will not be claimed.
     */
    Optional<Instant> nextDueAt(Collection<String> skippedUsers);

    // ---- the device's and the operator's transitions ----------------------------------------------

    /**
     * {@code succeeded|failed → acknowledged} for all the given jobs or none: an unknown id is {@link LedgerException.NotFound},
     * any job in another state {@link LedgerException.WrongState}, both naming the ids. One transition per job, in the
     * order asked.
     */
    List<Transition> acknowledge(String deviceId, Collection<String> ids);

    /** {@code failed → pending} at the device's request, attempts reset, due now. */
    default Transition retry(String deviceId, String id) {
        return retry(deviceId, id, "retried by the device");
    }

    /** {@code failed → pending}, attempts reset, due now; {@code reason} says who asked, for the log. */
    Transition retry(String deviceId, String id, String reason);

    /**
     * A failed job whose bytes the device sent again (the phone's one retry, or after a lost spool copy):
     * {@code failed → pending} with fresh attempts, due now. Empty if the job is no longer failed.
     */
    Optional<Job> reviveFailed(String deviceId, String id);

    /** {@code pending|failed → cancelled} at the device's request. The caller removes the spool copy once this returns. */
    default Transition cancel(String deviceId, String id) {
        return cancel(deviceId, id, "by the device");
    }

    /** {@code pending|failed → cancelled}; {@code reason} says who asked, for the log. */
    Transition cancel(String deviceId, String id, String reason);

    /** Operators: every failed job (of one user, or all) back to pending. */
    List<Transition> retryAllFailed(Optional<String> userId);

    // ---- the workers' transitions ----------------------------------------------------------------

    /**
     * Claims up to {@code max} due jobs for {@code owner}: they become {@code delivering} under a lease and their
     * attempt is counted. Two claimers never get the same job.
     */
    default List<Job> claimDue(String owner, int max, Duration lease) {
        return claimDue(owner, max, lease, List.of());
    }

    /** As {@link #claimDue(String, int, Duration)}, skipping the jobs of users whose deliveries are paused. */
    List<Job> claimDue(String owner, int max, Duration lease, Collection<String> pausedUsers);

    /** A paused user is free again: their waiting jobs are due now. Not a transition (they stay pending). */
    int makeDueNow(String userId);

    /** Extends every lease {@code owner} holds; a live worker calls this well before they run out. */
    int renewLeases(String owner, Duration lease);

    /** Leases whose holder stopped renewing them: the job goes back to pending, due now; the attempt counts. */
    int returnExpiredLeases();

    /** Leases of any holder but {@code owner}: back to pending, due now. Only safe when no other process can hold one. */
    int returnLeasesNotOwnedBy(String owner);

    /**
     * Whether several processes may use this ledger at once (a database server), or only one (a file that the
     * data-folder lock keeps to one process).
     */
    boolean shared();

    /**
     * Start-up: gives back the leases of deliveries that cannot be running any more. Alone on the ledger (not
     * {@link #shared()}), that is every lease not {@code owner}'s; shared, another process may be delivering right
     * now, so only leases that have expired.
     */
    default int returnLeasesAtStartUp(String owner) {
        return shared() ? returnExpiredLeases() : returnLeasesNotOwnedBy(owner);
    }

    /**
     * Gives a job back without spending its attempt (shutdown, host outage): pending, due at {@code at}, with
     * {@code reason} as its last error if given. {@code id} empty means every job {@code owner} holds.
     */
    int handBack(Optional<String> id, String owner, Instant at, Optional<String> reason);

    /** Gives one job back without spending its attempt, with why it waits ({@code reason}, its code included). */
    boolean handBack(String id, String owner, Instant at, LastError reason);

    default boolean markSucceeded(String id, String owner, String remotePath, Optional<String> etag) {
        return markSucceeded(id, owner, remotePath, etag, Optional.empty());
    }

    /** The job is on the host and verified; {@code fileId} is the host's id for it (Nextcloud's OC-FileId). */
    boolean markSucceeded(String id, String owner, String remotePath, Optional<String> etag, Optional<String> fileId);

    /** A failed attempt with attempts left: pending again at {@code at}, with the reason kept for the device. */
    default boolean reschedule(String id, String owner, Instant at, String error) {
        return reschedule(id, owner, at, LastError.textOnly(error));
    }

    /** {@link #reschedule(String, String, Instant, String)}, the error's code kept beside its text. */
    boolean reschedule(String id, String owner, Instant at, LastError error);

    /** The delivery has failed for good ({@code error} says why): failed, until retried, acknowledged or cancelled. */
    default boolean markFailed(String id, String owner, String error) {
        return markFailed(id, owner, LastError.textOnly(error));
    }

    /** {@link #markFailed(String, String, String)}, the error's code kept beside its text. */
    boolean markFailed(String id, String owner, LastError error);

    // ---- the spool's view -------------------------------------------------------------------------

    /** Ids of every job whose bytes the spool must still hold ({@link JobState#holdsSpoolCopy()}). */
    Set<String> idsHoldingSpoolCopies();

    /** Which of {@code ids} are jobs the ledger has, in whatever state. */
    Set<String> existingIds(Set<String> ids);

    /**
     * Jobs waiting for delivery whose spool copy is gone can never be delivered: they fail, saying why (code
     * {@link FailureCode#SPOOL_COPY_MISSING}).
     */
    int failLostSpoolCopies(Collection<String> ids, String error);
}
