package dev.photosidecar.ledger.jdbc;

import dev.photosidecar.ledger.DuplicateKeyException;
import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobLog;
import dev.photosidecar.ledger.JobPage;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.LastError;
import dev.photosidecar.ledger.LedgerException;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.ledger.Transition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The {@link JobLedger} on any JDBC database: every state change of a job is one guarded SQL statement here
 * ({@code UPDATE ... WHERE state = ... RETURNING *}), so the state machine holds even with many workers, requests
 * and replicas at once; a statement that finds the job in an unexpected state changes nothing and says so. Each
 * change that happened is logged once ({@link JobLog}), after its commit. What differs between databases (the
 * claim, row locks, group commit, retries) comes from the {@link Dialect}.
 */
public class JdbcJobLedger implements JobLedger {
    /** How often a requested change is judged again when workers keep moving the job on under it. */
    private static final int MAX_RACES = 10;

    private final Jdbi jdbi;
    private final Clock clock;
    private final Dialect dialect;
    private final GroupCommit<NewJob, Job> inserts = new GroupCommit<>(this::insertAll);
    private final GroupCommit<Success, Optional<Job>> successes = new GroupCommit<>(this::markAllSucceeded);

    /** The ledger on {@code jdbi}, speaking {@code dialect}. */
    public JdbcJobLedger(Jdbi jdbi, Clock clock, Dialect dialect) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.dialect = dialect;
    }

    private long now() {
        return clock.millis();
    }

    // ---- intake ---------------------------------------------------------------------------------

    /**
     * Records a new pending job, due at once, if its device is still active ({@link LedgerException.Unauthorized}
     * otherwise). Throws {@link DuplicateKeyException} if the key is taken: two inserts
     * of the same new key at once, the second waits for the first to commit, then {@code ON CONFLICT DO NOTHING}
     * returns no row. Where the dialect groups commits, uploads that finish at the same time are recorded in one
     * transaction ({@link GroupCommit}); elsewhere every insert is its own commit.
     */
    @Override
    public Job insert(NewJob j) {
        Job job = dialect.groupsCommits() ? inserts.submit(j) : insertAlone(j);
        // Logged once the batch has committed: a line never tells of a row that a rollback took back.
        JobLog.log(Transition.arrived(job, JobState.PENDING, job.filename() + ", " + job.size() + " bytes"));
        return job;
    }

    /**
     * Inserts a batch in one transaction. A duplicate key is that item's outcome; any other failure rolls the
     * batch back and each item is tried alone, so one bad row cannot fail its neighbours.
     */
    private List<GroupCommit.Outcome<Job>> insertAll(List<NewJob> batch) {
        long now = now();
        if (batch.size() > 1) {
            try {
                return dialect.inTransaction(jdbi, h -> {
                    List<GroupCommit.Outcome<Job>> outcomes = new ArrayList<>();
                    for (NewJob j : batch) {
                        outcomes.add(insertOne(h, j, now));
                    }
                    return outcomes;
                });
            } catch (RuntimeException oneRowFailed) {
                // fall through: each alone
            }
        }
        List<GroupCommit.Outcome<Job>> outcomes = new ArrayList<>();
        for (NewJob j : batch) {
            try {
                outcomes.add(withHandle(h -> insertOne(h, j, now)));
            } catch (RuntimeException e) {
                outcomes.add(GroupCommit.Outcome.failed(e));
            }
        }
        return outcomes;
    }

    private Job insertAlone(NewJob j) {
        long now = now();
        GroupCommit.Outcome<Job> outcome = withHandle(h -> insertOne(h, j, now));
        if (outcome.error() != null) {
            throw outcome.error();
        }
        return outcome.result();
    }

    private GroupCommit.Outcome<Job> insertOne(Handle h, NewJob j, long now) {
        try {
            // Only for a device that is still active, in the same statement: a body whose device was revoked while it
            // arrived never becomes a job, without a read of its own before every insert (docs/performance.md).
            Optional<Job> inserted = h.createQuery("""
                    INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type, asset_id,
                                      content_type, size, sha256, created_at, received_at, attempts, next_attempt_at)
                    SELECT :id, :device, :user, :key, 'pending', :filename, :type, :asset, :contentType, :size, :sha,
                           :createdAt, :now, 0, :now
                    WHERE EXISTS (SELECT 1 FROM devices WHERE id = :device AND revoked_at IS NULL)
                    ON CONFLICT (device_id, upload_key) DO NOTHING
                    RETURNING *""")
                    .bind("id", j.id())
                    .bind("device", j.deviceId())
                    .bind("user", j.userId())
                    .bind("key", j.key())
                    .bind("filename", j.filename())
                    .bind("type", j.resourceType().wire())
                    .bind("asset", j.assetId().orElse(null))
                    .bind("contentType", j.contentType())
                    .bind("size", j.size())
                    .bind("sha", j.sha256())
                    .bind("createdAt", j.createdAt().map(Instant::toEpochMilli).orElse(now))
                    .bind("now", now)
                    .map(Rows::job)
                    .findOne();
            if (inserted.isPresent()) {
                return GroupCommit.Outcome.of(inserted.get());
            }
            boolean active = h.createQuery("SELECT count(*) FROM devices WHERE id = :id AND revoked_at IS NULL")
                    .bind("id", j.deviceId()).mapTo(Long.class).one() > 0;
            return GroupCommit.Outcome.failed(active ? new DuplicateKeyException(j.deviceId(), j.key())
                    : JdbcDeviceRegistry.revokedWhileArriving(j.deviceId()));
        } catch (UnableToExecuteStatementException e) {
            // ON CONFLICT names one key; a clash on another unique column (the id) is still a duplicate upload.
            if (dialect.isUniqueViolation(e)) {
                return GroupCommit.Outcome.failed(new DuplicateKeyException(j.deviceId(), j.key()));
            }
            throw e;
        }
    }

    // ---- reads ----------------------------------------------------------------------------------

    @Override
    public Optional<Job> find(String id) {
        return withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE id = :id")
                .bind("id", id).map(Rows::job).findOne());
    }

    /** A job as its device sees it: another device's job does not exist. */
    @Override
    public Optional<Job> findForDevice(String deviceId, String id) {
        return withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE id = :id AND device_id = :device")
                .bind("id", id).bind("device", deviceId).map(Rows::job).findOne());
    }

    @Override
    public Optional<Job> findByKey(String deviceId, String key) {
        return withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE device_id = :device AND upload_key = :key")
                .bind("device", deviceId).bind("key", key).map(Rows::job).findOne());
    }

    /** A device's jobs, newest first, {@code limit} at a time, continuing before {@code beforeSeq}. */
    @Override
    public JobPage listForDevice(String deviceId, Optional<JobState> state, int limit, Optional<Long> beforeSeq) {
        List<Job> rows = withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE device_id = :device"
                        + (state.isPresent() ? " AND state = :state" : "")
                        + " AND seq < :before ORDER BY seq DESC LIMIT :limit")
                .bind("device", deviceId)
                .bind("state", state.map(JobState::wire).orElse(null))
                .bind("before", beforeSeq.orElse(Long.MAX_VALUE))
                .bind("limit", limit + 1)
                .map(Rows::job)
                .list());
        if (rows.size() > limit) {
            List<Job> page = rows.subList(0, limit);
            return new JobPage(List.copyOf(page), Optional.of(page.get(limit - 1).seq()));
        }
        return new JobPage(rows, Optional.empty());
    }

    /** Jobs across devices for operators, newest first. */
    @Override
    public List<Job> list(Optional<String> userId, Optional<JobState> state, int limit) {
        return withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE 1 = 1"
                        + (userId.isPresent() ? " AND user_id = :user" : "")
                        + (state.isPresent() ? " AND state = :state" : "")
                        + " ORDER BY seq DESC LIMIT :limit")
                .bind("user", userId.orElse(null))
                .bind("state", state.map(JobState::wire).orElse(null))
                .bind("limit", limit)
                .map(Rows::job)
                .list());
    }

    /** Which of these keys the device already has, with their states. */
    @Override
    public Map<String, JobState> knownKeys(String deviceId, Collection<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        Map<String, JobState> known = new LinkedHashMap<>();
        withHandle(h -> h.createQuery("SELECT upload_key, state FROM jobs WHERE device_id = :device AND upload_key IN (<keys>)")
                .bind("device", deviceId)
                .bindList("keys", List.copyOf(new LinkedHashSet<>(keys)))
                .map((rs, ctx) -> Map.entry(rs.getString(1), JobState.fromWire(rs.getString(2)).orElseThrow()))
                .list())
                .forEach(e -> known.put(e.getKey(), e.getValue()));
        return known;
    }

    @Override
    public Map<JobState, Long> countByState() {
        Map<JobState, Long> counts = zeroCounts();
        withHandle(h -> h.createQuery("SELECT state, count(*) FROM jobs GROUP BY state")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list())
                .forEach(e -> JobState.fromWire(e.getKey()).ifPresent(s -> counts.put(s, e.getValue())));
        return counts;
    }

    /** Every state, counted zero: the start of a count by state, so states without jobs still show. */
    public static Map<JobState, Long> zeroCounts() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            counts.put(s, 0L);
        }
        return counts;
    }

    // ---- the device's transitions ----------------------------------------------------------------

    /**
     * Acknowledges all the given jobs or none: an unknown id is a 404, any job outside
     * {@code succeeded}/{@code failed} a 409 naming the ids. Returns one transition per job, in the order asked.
     * The jobs are read with the dialect's row lock (in id order, so two overlapping acknowledgements queue rather
     * than deadlock), so each is still in the state read when the update runs.
     */
    @Override
    public List<Transition> acknowledge(String deviceId, Collection<String> ids) {
        List<String> unique = List.copyOf(new LinkedHashSet<>(ids));
        if (unique.isEmpty()) {
            return List.of();
        }
        String canBeAcknowledged = JobState.sqlList(JobState::canBeAcknowledged);
        List<Transition> done = dialect.inTransaction(jdbi, h -> {
            Map<String, Job> found = new LinkedHashMap<>();
            h.createQuery("SELECT * FROM jobs WHERE device_id = :device AND id IN (<ids>)" + dialect.lockForUpdate())
                    .bind("device", deviceId).bindList("ids", unique)
                    .map(Rows::job).forEach(j -> found.put(j.id(), j));
            List<String> missing = unique.stream().filter(id -> !found.containsKey(id)).toList();
            if (!missing.isEmpty()) {
                throw new LedgerException.NotFound("no such job: " + String.join(", ", limit(missing)), missing);
            }
            List<Job> wrong = unique.stream().map(found::get).filter(j -> !j.state().canBeAcknowledged()).toList();
            if (!wrong.isEmpty()) {
                throw new LedgerException.WrongState("only succeeded or failed jobs can be acknowledged: " + String.join(", ",
                        limit(wrong.stream().map(j -> j.id() + " is " + j.state().wire()).toList())),
                        wrong.stream().map(Job::id).toList());
            }
            // The transaction holds the lock since the read above, so every job is still in the state read.
            Map<String, Job> changed = new LinkedHashMap<>();
            h.createQuery("""
                    UPDATE jobs SET state = 'acknowledged', finalized_at = :now
                    WHERE device_id = :device AND id IN (<ids>) AND state IN """ + canBeAcknowledged + " RETURNING *")
                    .bind("now", now()).bind("device", deviceId).bindList("ids", unique)
                    .map(Rows::job).forEach(j -> changed.put(j.id(), j));
            if (changed.size() != unique.size()) {
                throw new IllegalStateException("acknowledging " + unique.size() + " jobs changed " + changed.size());
            }
            return unique.stream().map(id -> Transition.of(changed.get(id), found.get(id).state(), JobState.ACKNOWLEDGED, ""))
                    .toList();
        });
        JobLog.logAll(done);
        return done;
    }

    /** {@code failed → pending}, attempts reset, due now; {@code reason} says who asked, for the log. */
    @Override
    public Transition retry(String deviceId, String id, String reason) {
        return change(deviceId, id, "retried", JobState::canBeRetried, JobState.PENDING, reason, """
                UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now, last_error = NULL,
                                last_error_code = NULL
                WHERE id = :id AND device_id = :device AND state = :from RETURNING *""");
    }

    /**
     * A failed job whose bytes the device sent again (the phone's one retry, or after a lost spool copy):
     * {@code failed → pending} with fresh attempts, due now. Empty if the job is no longer failed.
     */
    @Override
    public Optional<Job> reviveFailed(String deviceId, String id) {
        Optional<Job> revived = withHandle(h -> atMostOne("reviving " + id, h.createQuery("""
                UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now, last_error = NULL,
                                last_error_code = NULL
                WHERE id = :id AND device_id = :device AND state = 'failed' RETURNING *""")
                .bind("id", id).bind("device", deviceId).bind("now", now())
                .map(Rows::job).list()));
        revived.ifPresent(j -> JobLog.log(Transition.of(j, JobState.FAILED, JobState.PENDING, "the device sent the bytes again")));
        return revived;
    }

    /** {@code pending|failed → cancelled}; {@code reason} says who asked, for the log. */
    @Override
    public Transition cancel(String deviceId, String id, String reason) {
        return change(deviceId, id, "cancelled", JobState::canBeCancelled, JobState.CANCELLED, reason, """
                UPDATE jobs SET state = 'cancelled', next_attempt_at = NULL, finalized_at = :now
                WHERE id = :id AND device_id = :device AND state = :from RETURNING *""");
    }

    /**
     * A change someone asked for: the job is read, its state checked against {@code allowed}, and {@code sql} run
     * guarded by that very state ({@code :from}), so the transition knows where the job came from. If the state
     * moved on in between (a worker claimed the job), the change is judged again against the new state.
     */
    private Transition change(String deviceId, String id, String verb, Predicate<JobState> allowed, JobState to,
                              String reason, String sql) {
        for (int tries = 0; ; tries++) {
            Job current = findForDevice(deviceId, id)
                    .orElseThrow(() -> new LedgerException.NotFound("no such job: " + id));
            if (!allowed.test(current.state()) || tries == MAX_RACES) {
                throw new LedgerException.WrongState("job " + id + " is " + current.state().wire() + "; only "
                        + Arrays.stream(JobState.values()).filter(allowed).map(JobState::wire).sorted()
                        .collect(Collectors.joining(" or ")) + " jobs can be " + verb);
            }
            Optional<Job> changed = withHandle(h -> atMostOne(verb + " " + id, h.createQuery(sql)
                    .bind("id", id).bind("device", deviceId).bind("now", now()).bind("from", current.state().wire())
                    .map(Rows::job).list()));
            if (changed.isPresent()) {
                Transition t = Transition.of(changed.get(), current.state(), to, reason);
                JobLog.log(t);
                return t;
            }
        }
    }

    /** Operators: every failed job (of one user, or all) back to pending. Returns what changed. */
    @Override
    public List<Transition> retryAllFailed(Optional<String> userId) {
        List<Transition> retried = withHandle(h -> h.createQuery("UPDATE jobs SET state = 'pending', attempts = 0,"
                        + " next_attempt_at = :now, last_error = NULL, last_error_code = NULL WHERE state = 'failed'"
                        + (userId.isPresent() ? " AND user_id = :user" : "") + " RETURNING *")
                .bind("now", now()).bind("user", userId.orElse(null))
                .map(Rows::job).list())
                .stream().sorted(Comparator.comparingLong(Job::seq))
                .map(j -> Transition.of(j, JobState.FAILED, JobState.PENDING, "retried by an operator")).toList();
        JobLog.logAll(retried);
        return retried;
    }

    // ---- the workers' transitions ----------------------------------------------------------------

    /**
     * Claims up to {@code max} due jobs for {@code owner} in one statement ({@link Dialect#claimDue()}), skipping
     * paused users; two claimers never get the same job. Returned and logged in queue order.
     */
    @Override
    public List<Job> claimDue(String owner, int max, Duration lease, Collection<String> pausedUsers) {
        if (max <= 0) {
            return List.of();
        }
        long now = now();
        List<String> skip = skipList(pausedUsers);
        List<Job> claimed = withHandle(h -> h.createQuery(dialect.claimDue())
                .bind("owner", owner).bind("until", now + lease.toMillis()).bind("now", now).bind("max", max)
                .bindList("skip", skip)
                .map(Rows::job).list());
        if (claimed.size() > max) {
            throw new IllegalStateException("a claim of at most " + max + " jobs changed " + claimed.size());
        }
        List<Job> inOrder = claimed.stream().sorted(Comparator.comparingLong(Job::seq)).toList();
        inOrder.forEach(j -> JobLog.log(Transition.of(j, JobState.PENDING, JobState.DELIVERING, "attempt " + j.attempts())));
        return inOrder;
    }

    /** A paused user is free again: their waiting jobs are due now. */
    @Override
    public int makeDueNow(String userId) {
        return withHandle(h -> h.createUpdate(
                        "UPDATE jobs SET next_attempt_at = :now WHERE user_id = :user AND state = 'pending' AND next_attempt_at > :now")
                .bind("now", now()).bind("user", userId).execute());
    }

    /** Where another resource of the same asset (a Live Photo's photo or video) was delivered, if one was. */
    @Override
    public Optional<String> deliveredSiblingPath(Job job) {
        if (job.assetId().isEmpty()) {
            return Optional.empty();
        }
        return withHandle(h -> h.createQuery("""
                SELECT remote_path FROM jobs WHERE user_id = :user AND asset_id = :asset AND id <> :id
                  AND remote_path IS NOT NULL ORDER BY delivered_at LIMIT 1""")
                .bind("user", job.userId()).bind("asset", job.assetId().get()).bind("id", job.id())
                .mapTo(String.class).findOne());
    }

    /** Whether an older resource of the same asset is being delivered right now (the pair goes one at a time). */
    @Override
    public boolean olderSiblingInDelivery(Job job) {
        if (job.assetId().isEmpty()) {
            return false;
        }
        return withHandle(h -> h.createQuery("""
                SELECT count(*) FROM jobs WHERE user_id = :user AND asset_id = :asset AND seq < :seq
                  AND state = 'delivering'""")
                .bind("user", job.userId()).bind("asset", job.assetId().get()).bind("seq", job.seq())
                .mapTo(Long.class).one()) > 0;
    }

    /** When the oldest job still waiting for delivery was received. */
    @Override
    public Optional<Instant> oldestPendingReceivedAt() {
        return withHandle(h -> h.createQuery("SELECT min(received_at) FROM jobs WHERE state IN " + JobState.sqlList(JobState::awaitsDelivery))
                .map((rs, ctx) -> Rows.instant(rs, 1)).one());
    }

    /** When the next pending job falls due, if any is waiting. */
    @Override
    public Optional<Instant> nextDueAt(Collection<String> skippedUsers) {
        // Walks the due index in order and stops at the first job of a user who is not skipped.
        return withHandle(h -> h.createQuery("SELECT next_attempt_at FROM jobs WHERE state = 'pending'"
                        + " AND user_id NOT IN (<skip>) ORDER BY next_attempt_at LIMIT 1")
                .bindList("skip", skipList(skippedUsers))
                .map((rs, ctx) -> Rows.instant(rs, 1)).findOne().flatMap(o -> o));
    }

    /** An empty user id never exists; it keeps a statement one shape whether or not users are skipped. */
    private static List<String> skipList(Collection<String> users) {
        return users.isEmpty() ? List.of("") : List.copyOf(users);
    }

    /** Extends every lease {@code owner} holds; a live worker calls this well before they run out. */
    @Override
    public int renewLeases(String owner, Duration lease) {
        return withHandle(h -> h.createUpdate("UPDATE jobs SET lease_expires_at = :until"
                        + " WHERE state = 'delivering' AND lease_owner = :owner")
                .bind("until", now() + lease.toMillis()).bind("owner", owner).execute());
    }

    /** Leases whose holder stopped renewing them: the job goes back to pending, due now. */
    @Override
    public int returnExpiredLeases() {
        return returnLeases(" AND lease_expires_at < :now", Map.of(), "its lease ran out; the attempt counts");
    }

    /** Whether other replicas may hold live leases, so start-up returns only expired ones. */
    @Override
    public boolean shared() {
        return dialect.shared();
    }

    /** Leases of any holder but {@code owner}: used at start-up, when the data-folder lock proves they are dead. */
    @Override
    public int returnLeasesNotOwnedBy(String owner) {
        return returnLeases(" AND lease_owner <> :owner", Map.of("owner", owner),
                "its delivery stopped with the last run; the attempt counts");
    }

    private int returnLeases(String which, Map<String, Object> binds, String reason) {
        List<Job> returned = withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :now, lease_owner = NULL, lease_expires_at = NULL
                WHERE state = 'delivering'""" + which + " RETURNING *")
                .bind("now", now()).bindMap(binds)
                .map(Rows::job).list());
        returned.forEach(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING, reason)));
        return returned.size();
    }

    /**
     * Gives a job back without spending its attempt (shutdown, host outage): pending, due at {@code at}.
     * {@code id} empty means every job {@code owner} holds.
     */
    @Override
    public int handBack(Optional<String> id, String owner, Instant at, Optional<String> reason) {
        return handBackWith(id, owner, at, reason.map(LastError::textOnly));
    }

    @Override
    public boolean handBack(String id, String owner, Instant at, LastError reason) {
        return handBackWith(Optional.of(id), owner, at, Optional.of(reason)) == 1;
    }

    private int handBackWith(Optional<String> id, String owner, Instant at, Optional<LastError> error) {
        Optional<String> reason = error.map(LastError::message);
        List<Job> handedBack = withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'pending', attempts = %s(attempts - 1, 0), next_attempt_at = :at,
                                lease_owner = NULL, lease_expires_at = NULL, last_error = coalesce(:reason, last_error),
                                last_error_code = CASE WHEN :reason IS NULL THEN last_error_code ELSE :code END
                WHERE state = 'delivering' AND lease_owner = :owner""".formatted(dialect.greatest())
                        + (id.isPresent() ? " AND id = :id" : "") + " RETURNING *")
                .bind("at", at.toEpochMilli()).bind("owner", owner).bind("id", id.orElse(null))
                .bind("reason", reason.orElse(null)).bind("code", error.map(LastError::codeName).orElse(null))
                .map(Rows::job).list());
        if (id.isPresent()) {
            atMostOne("handing back " + id.get(), handedBack);
        }
        handedBack.forEach(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING,
                "handed back, no attempt spent, due at " + at + reason.map(r -> ": " + r).orElse(""))));
        return handedBack.size();
    }

    /**
     * The job is on the host and verified; {@code fileId} is the host's id for it (Nextcloud's OC-FileId).
     * Where the dialect groups commits, deliveries that finish at the same time are recorded in one transaction
     * ({@link GroupCommit}).
     */
    @Override
    public boolean markSucceeded(String id, String owner, String remotePath, Optional<String> etag, Optional<String> fileId) {
        Success success = new Success(id, owner, remotePath, etag, fileId);
        Optional<Job> done = dialect.groupsCommits() ? successes.submit(success)
                : withHandle(h -> markOneSucceeded(h, success, now()));
        // Logged once the batch has committed; a worker that lost its lease changed nothing and logs nothing.
        done.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.SUCCEEDED, remotePath)));
        return done.isPresent();
    }

    private record Success(String id, String owner, String remotePath, Optional<String> etag, Optional<String> fileId) {
    }

    private List<GroupCommit.Outcome<Optional<Job>>> markAllSucceeded(List<Success> batch) {
        long now = now();
        if (batch.size() == 1) {
            return List.of(GroupCommit.Outcome.of(withHandle(h -> markOneSucceeded(h, batch.get(0), now))));
        }
        try {
            return dialect.inTransaction(jdbi, h -> {
                List<GroupCommit.Outcome<Optional<Job>>> outcomes = new ArrayList<>();
                for (Success s : batch) {
                    outcomes.add(GroupCommit.Outcome.of(markOneSucceeded(h, s, now)));
                }
                return outcomes;
            });
        } catch (RuntimeException oneRowFailed) {
            // each alone, so one bad row cannot fail its neighbours
            List<GroupCommit.Outcome<Optional<Job>>> outcomes = new ArrayList<>();
            for (Success s : batch) {
                try {
                    outcomes.add(GroupCommit.Outcome.of(withHandle(h -> markOneSucceeded(h, s, now))));
                } catch (RuntimeException e) {
                    outcomes.add(GroupCommit.Outcome.failed(e));
                }
            }
            return outcomes;
        }
    }

    private static Optional<Job> markOneSucceeded(Handle h, Success s, long now) {
        return atMostOne("marking " + s.id() + " succeeded", h.createQuery("""
                UPDATE jobs SET state = 'succeeded', remote_path = :path, remote_etag = :etag, delivered_at = :now,
                                remote_file_id = :fileId,
                                last_error = NULL, last_error_code = NULL, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner RETURNING *""")
                .bind("path", s.remotePath()).bind("etag", s.etag().orElse(null)).bind("fileId", s.fileId().orElse(null))
                .bind("now", now).bind("id", s.id()).bind("owner", s.owner()).map(Rows::job).list());
    }

    /** A failed attempt with attempts left: pending again at {@code at}, with the reason kept for the device. */
    @Override
    public boolean reschedule(String id, String owner, Instant at, LastError lastError) {
        String error = lastError.message();
        Optional<Job> rescheduled = withHandle(h -> atMostOne("rescheduling " + id, h.createQuery("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :at, last_error = :error, last_error_code = :code,
                                lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner RETURNING *""")
                .bind("at", at.toEpochMilli()).bind("error", error).bind("code", lastError.codeName())
                .bind("id", id).bind("owner", owner)
                .map(Rows::job).list()));
        rescheduled.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING,
                "attempt " + j.attempts() + " failed, next at " + at + ": " + error)));
        return rescheduled.isPresent();
    }

    /** The delivery has failed for good ({@code error} says why): failed, until retried, acknowledged or cancelled. */
    @Override
    public boolean markFailed(String id, String owner, LastError lastError) {
        String error = lastError.message();
        Optional<Job> failed = withHandle(h -> atMostOne("failing " + id, h.createQuery("""
                UPDATE jobs SET state = 'failed', last_error = :error, last_error_code = :code,
                                lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner RETURNING *""")
                .bind("error", error).bind("code", lastError.codeName()).bind("id", id).bind("owner", owner)
                .map(Rows::job).list()));
        failed.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.FAILED, error)));
        return failed.isPresent();
    }

    // ---- the spool's view ---------------------------------------------------------------------------

    /** Ids of every job whose bytes the spool must still hold. */
    @Override
    public Set<String> idsHoldingSpoolCopies() {
        Set<String> ids = new HashSet<>();
        ids.addAll(withHandle(h -> h.createQuery("SELECT id FROM jobs WHERE state IN " + JobState.sqlList(JobState::holdsSpoolCopy))
                .mapTo(String.class).list()));
        return ids;
    }

    /** Which of {@code ids} are jobs the ledger has, in whatever state. */
    @Override
    public Set<String> existingIds(Set<String> ids) {
        Set<String> found = new HashSet<>();
        for (List<String> batch : batches(List.copyOf(ids), 500)) {
            found.addAll(withHandle(h -> h.createQuery("SELECT id FROM jobs WHERE id IN (<ids>)").bindList("ids", batch)
                    .mapTo(String.class).list()));
        }
        return found;
    }

    /** Jobs waiting for delivery whose spool copy is gone can never be delivered: they fail, saying why. */
    @Override
    public int failLostSpoolCopies(Collection<String> ids, String error) {
        if (ids.isEmpty()) {
            return 0;
        }
        List<Transition> failed = new ArrayList<>();
        for (List<String> batch : batches(List.copyOf(ids), 500)) {
            // One statement per state left, so that each line names the state the job really was in.
            for (JobState from : JobState.values()) {
                if (!from.awaitsDelivery()) {
                    continue;
                }
                withHandle(h -> h.createQuery("""
                        UPDATE jobs SET state = 'failed', last_error = :error, next_attempt_at = NULL,
                                        last_error_code = :code, lease_owner = NULL, lease_expires_at = NULL
                        WHERE id IN (<ids>) AND state = :from RETURNING *""")
                        .bind("error", error).bind("code", FailureCode.SPOOL_COPY_MISSING.name()).bind("from", from.wire()).bindList("ids", batch)
                        .map(Rows::job).list())
                        .forEach(j -> failed.add(Transition.of(j, from, JobState.FAILED, error)));
            }
        }
        JobLog.logAll(failed);
        return failed.size();
    }

    /** The one row a guarded statement changed, if any; more than one means the guard is wrong. */
    public static Optional<Job> atMostOne(String what, List<Job> changed) {
        if (changed.size() > 1) {
            throw new IllegalStateException(what + " changed " + changed.size() + " rows; a guarded change touches one");
        }
        return changed.stream().findFirst();
    }

    private static <T> List<List<T>> batches(List<T> all, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) {
            out.add(all.subList(i, Math.min(all.size(), i + size)));
        }
        return out;
    }

    private static List<String> limit(List<String> items) {
        return items.size() <= 10 ? items : items.subList(0, 10);
    }

    /** Runs {@code work} on one handle as the dialect runs the ledger's own statements; tests and benchmarks use it. */
    public <R> R withHandle(HandleCallback<R, RuntimeException> work) {
        return dialect.withHandle(jdbi, work);
    }

}
