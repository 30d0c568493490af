package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.ledger.DuplicateKeyException;
import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Ids;
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
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The {@link JobLedger} in SQLite: every state change of a job is one guarded SQL statement here
 * ({@code UPDATE ... WHERE state = ... RETURNING *}), so the state machine holds even with many workers and
 * requests at once; a statement that finds the job in an unexpected state changes nothing and says so. Each
 * change that happened is logged once ({@link JobLog}), after its commit.
 */
public final class SqliteJobLedger implements JobLedger {
    private static final String COLUMNS = "*";
    /** How often a requested change is judged again when workers keep moving the job on under it. */
    private static final int MAX_RACES = 10;

    private final Jdbi jdbi;
    private final Clock clock;
    private final GroupCommit<NewJob, Job> inserts = new GroupCommit<>(this::insertAll);
    private final GroupCommit<Success, Optional<Job>> successes = new GroupCommit<>(this::markAllSucceeded);

    public SqliteJobLedger(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    private long now() {
        return clock.millis();
    }

    // ---- intake ---------------------------------------------------------------------------------

    /**
     * Records a new pending job, due at once. Throws {@link DuplicateKeyException} if the key is taken.
     * Uploads that finish at the same time are recorded in one transaction ({@link GroupCommit}).
     */
    public Job insert(NewJob j) {
        Job job = inserts.submit(j);
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
                return jdbi.inTransaction(h -> {
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
                outcomes.add(jdbi.withHandle(h -> insertOne(h, j, now)));
            } catch (RuntimeException e) {
                outcomes.add(GroupCommit.Outcome.failed(e));
            }
        }
        return outcomes;
    }

    private static GroupCommit.Outcome<Job> insertOne(Handle h, NewJob j, long now) {
        try {
            Optional<Job> inserted = h.createQuery("""
                    INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type, asset_id,
                                      content_type, size, sha256, created_at, received_at, attempts, next_attempt_at)
                    VALUES (:id, :device, :user, :key, 'pending', :filename, :type, :asset, :contentType, :size, :sha,
                            :createdAt, :now, 0, :now)
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
                    .map(JobMapper.INSTANCE)
                    .findOne();
            return inserted.map(GroupCommit.Outcome::of)
                    .orElseGet(() -> GroupCommit.Outcome.failed(new DuplicateKeyException(j.deviceId(), j.key())));
        } catch (UnableToExecuteStatementException e) {
            if (SqliteErrors.isUniqueViolation(e)) {
                return GroupCommit.Outcome.failed(new DuplicateKeyException(j.deviceId(), j.key()));
            }
            throw e;
        }
    }

    // ---- reads ----------------------------------------------------------------------------------

    public Optional<Job> find(String id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE id = :id")
                .bind("id", id).map(JobMapper.INSTANCE).findOne());
    }

    /** A job as its device sees it: another device's job does not exist. */
    public Optional<Job> findForDevice(String deviceId, String id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE id = :id AND device_id = :device")
                .bind("id", id).bind("device", deviceId).map(JobMapper.INSTANCE).findOne());
    }

    public Optional<Job> findByKey(String deviceId, String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE device_id = :device AND upload_key = :key")
                .bind("device", deviceId).bind("key", key).map(JobMapper.INSTANCE).findOne());
    }

    /** A device's jobs, newest first, {@code limit} at a time, continuing before {@code beforeSeq}. */
    public JobPage listForDevice(String deviceId, Optional<JobState> state, int limit, Optional<Long> beforeSeq) {
        List<Job> rows = jdbi.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE device_id = :device"
                        + (state.isPresent() ? " AND state = :state" : "")
                        + " AND seq < :before ORDER BY seq DESC LIMIT :limit")
                .bind("device", deviceId)
                .bind("state", state.map(JobState::wire).orElse(null))
                .bind("before", beforeSeq.orElse(Long.MAX_VALUE))
                .bind("limit", limit + 1)
                .map(JobMapper.INSTANCE)
                .list());
        if (rows.size() > limit) {
            List<Job> page = rows.subList(0, limit);
            return new JobPage(List.copyOf(page), Optional.of(page.get(limit - 1).seq()));
        }
        return new JobPage(rows, Optional.empty());
    }

    /** Jobs across devices for operators, newest first. */
    public List<Job> list(Optional<String> userId, Optional<JobState> state, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE 1 = 1"
                        + (userId.isPresent() ? " AND user_id = :user" : "")
                        + (state.isPresent() ? " AND state = :state" : "")
                        + " ORDER BY seq DESC LIMIT :limit")
                .bind("user", userId.orElse(null))
                .bind("state", state.map(JobState::wire).orElse(null))
                .bind("limit", limit)
                .map(JobMapper.INSTANCE)
                .list());
    }

    /** Which of these keys the device already has, with their states. */
    public Map<String, JobState> knownKeys(String deviceId, Collection<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        Map<String, JobState> known = new LinkedHashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT upload_key, state FROM jobs WHERE device_id = :device AND upload_key IN (<keys>)")
                .bind("device", deviceId)
                .bindList("keys", List.copyOf(new LinkedHashSet<>(keys)))
                .map((rs, ctx) -> Map.entry(rs.getString(1), JobState.fromWire(rs.getString(2)).orElseThrow()))
                .forEach(e -> known.put(e.getKey(), e.getValue())));
        return known;
    }

    public Map<JobState, Long> countByState() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            counts.put(s, 0L);
        }
        jdbi.useHandle(h -> h.createQuery("SELECT state, count(*) FROM jobs GROUP BY state")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(e -> counts.put(JobState.fromWire(e.getKey()).orElseThrow(), e.getValue())));
        return counts;
    }

    // ---- the device's transitions ----------------------------------------------------------------

    /**
     * Acknowledges all the given jobs or none: an unknown id is a 404, any job outside
     * {@code succeeded}/{@code failed} a 409 naming the ids. Returns one transition per job, in the order asked.
     */
    public List<Transition> acknowledge(String deviceId, Collection<String> ids) {
        List<String> unique = List.copyOf(new LinkedHashSet<>(ids));
        if (unique.isEmpty()) {
            return List.of();
        }
        String canBeAcknowledged = JobState.sqlList(JobState::canBeAcknowledged);
        List<Transition> done = jdbi.inTransaction(h -> {
            Map<String, Job> found = new LinkedHashMap<>();
            h.createQuery("SELECT * FROM jobs WHERE device_id = :device AND id IN (<ids>)")
                    .bind("device", deviceId).bindList("ids", unique)
                    .map(JobMapper.INSTANCE).forEach(j -> found.put(j.id(), j));
            List<String> missing = unique.stream().filter(id -> !found.containsKey(id)).toList();
            if (!missing.isEmpty()) {
                throw new LedgerException.NotFound("no such job: " + String.join(", ", limit(missing)), missing);
            }
            List<Job> wrong = found.values().stream().filter(j -> !j.state().canBeAcknowledged()).toList();
            if (!wrong.isEmpty()) {
                throw new LedgerException.WrongState("only succeeded or failed jobs can be acknowledged: " + String.join(", ",
                        limit(wrong.stream().map(j -> j.id() + " is " + j.state().wire()).toList())),
                        wrong.stream().map(Job::id).toList());
            }
            // The transaction holds the write lock since the read above, so every job is still in the state read.
            Map<String, Job> changed = new LinkedHashMap<>();
            h.createQuery("""
                    UPDATE jobs SET state = 'acknowledged', finalized_at = :now
                    WHERE device_id = :device AND id IN (<ids>) AND state IN """ + canBeAcknowledged + " RETURNING *")
                    .bind("now", now()).bind("device", deviceId).bindList("ids", unique)
                    .map(JobMapper.INSTANCE).forEach(j -> changed.put(j.id(), j));
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
    public Optional<Job> reviveFailed(String deviceId, String id) {
        Optional<Job> revived = jdbi.withHandle(h -> atMostOne("reviving " + id, h.createQuery("""
                UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now, last_error = NULL,
                                last_error_code = NULL
                WHERE id = :id AND device_id = :device AND state = 'failed' RETURNING *""")
                .bind("id", id).bind("device", deviceId).bind("now", now())
                .map(JobMapper.INSTANCE).list()));
        revived.ifPresent(j -> JobLog.log(Transition.of(j, JobState.FAILED, JobState.PENDING, "the device sent the bytes again")));
        return revived;
    }

    /** {@code pending|failed → cancelled}; {@code reason} says who asked, for the log. */
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
            Optional<Job> changed = jdbi.withHandle(h -> atMostOne(verb + " " + id, h.createQuery(sql)
                    .bind("id", id).bind("device", deviceId).bind("now", now()).bind("from", current.state().wire())
                    .map(JobMapper.INSTANCE).list()));
            if (changed.isPresent()) {
                Transition t = Transition.of(changed.get(), current.state(), to, reason);
                JobLog.log(t);
                return t;
            }
        }
    }

    /** Operators: every failed job (of one user, or all) back to pending. Returns what changed. */
    public List<Transition> retryAllFailed(Optional<String> userId) {
        List<Transition> retried = jdbi.withHandle(h -> h.createQuery("UPDATE jobs SET state = 'pending', attempts = 0,"
                        + " next_attempt_at = :now, last_error = NULL, last_error_code = NULL WHERE state = 'failed'"
                        + (userId.isPresent() ? " AND user_id = :user" : "") + " RETURNING *")
                .bind("now", now()).bind("user", userId.orElse(null))
                .map(JobMapper.INSTANCE).list())
                .stream().map(j -> Transition.of(j, JobState.FAILED, JobState.PENDING, "retried by an operator")).toList();
        JobLog.logAll(retried);
        return retried;
    }

    // ---- the workers' transitions ----------------------------------------------------------------

    /**
     * Claims up to {@code max} due jobs for {@code owner} in one statement, skipping paused users. SQLite runs the
     * statement under its write lock, so two claimers can never get the same job.
     */
    public List<Job> claimDue(String owner, int max, Duration lease, Collection<String> pausedUsers) {
        if (max <= 0) {
            return List.of();
        }
        long now = now();
        // An empty user id never exists; it keeps the statement one shape whether or not users are paused.
        List<String> skip = pausedUsers.isEmpty() ? List.of("") : List.copyOf(pausedUsers);
        List<Job> claimed = jdbi.withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'delivering', attempts = attempts + 1, next_attempt_at = NULL,
                                lease_owner = :owner, lease_expires_at = :until
                WHERE seq IN (SELECT seq FROM jobs WHERE state = 'pending' AND next_attempt_at <= :now
                                AND user_id NOT IN (<skip>)
                              ORDER BY next_attempt_at, seq LIMIT :max)
                  AND state = 'pending'
                RETURNING *""")
                .bind("owner", owner).bind("until", now + lease.toMillis()).bind("now", now).bind("max", max)
                .bindList("skip", skip)
                .map(JobMapper.INSTANCE).list());
        if (claimed.size() > max) {
            throw new IllegalStateException("a claim of at most " + max + " jobs changed " + claimed.size());
        }
        claimed.forEach(j -> JobLog.log(Transition.of(j, JobState.PENDING, JobState.DELIVERING, "attempt " + j.attempts())));
        return claimed;
    }

    /** A paused user is free again: their waiting jobs are due now. */
    public int makeDueNow(String userId) {
        return jdbi.withHandle(h -> h.createUpdate(
                        "UPDATE jobs SET next_attempt_at = :now WHERE user_id = :user AND state = 'pending' AND next_attempt_at > :now")
                .bind("now", now()).bind("user", userId).execute());
    }

    /** Where another resource of the same asset (a Live Photo's photo or video) was delivered, if one was. */
    public Optional<String> deliveredSiblingPath(Job job) {
        if (job.assetId().isEmpty()) {
            return Optional.empty();
        }
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT remote_path FROM jobs WHERE user_id = :user AND asset_id = :asset AND id <> :id
                  AND remote_path IS NOT NULL ORDER BY delivered_at LIMIT 1""")
                .bind("user", job.userId()).bind("asset", job.assetId().get()).bind("id", job.id())
                .mapTo(String.class).findOne());
    }

    /** Whether an older resource of the same asset is being delivered right now (the pair goes one at a time). */
    public boolean olderSiblingInDelivery(Job job) {
        if (job.assetId().isEmpty()) {
            return false;
        }
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT count(*) FROM jobs WHERE user_id = :user AND asset_id = :asset AND seq < :seq
                  AND state = 'delivering'""")
                .bind("user", job.userId()).bind("asset", job.assetId().get()).bind("seq", job.seq())
                .mapTo(Integer.class).one()) > 0;
    }

    /** When the oldest job still waiting for delivery was received. */
    public Optional<Instant> oldestPendingReceivedAt() {
        return jdbi.withHandle(h -> h.createQuery("SELECT min(received_at) FROM jobs WHERE state IN " + JobState.sqlList(JobState::awaitsDelivery))
                .map((rs, ctx) -> {
                    long v = rs.getLong(1);
                    return rs.wasNull() ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(v));
                }).one());
    }

    /** When the next pending job falls due, if any is waiting. */
    public Optional<Instant> nextDueAt() {
        return jdbi.withHandle(h -> h.createQuery("SELECT min(next_attempt_at) FROM jobs WHERE state = 'pending'")
                .map((rs, ctx) -> {
                    long v = rs.getLong(1);
                    return rs.wasNull() ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(v));
                }).one());
    }

    /** Extends every lease {@code owner} holds; a live worker calls this well before they run out. */
    public int renewLeases(String owner, Duration lease) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE jobs SET lease_expires_at = :until"
                        + " WHERE state = 'delivering' AND lease_owner = :owner")
                .bind("until", now() + lease.toMillis()).bind("owner", owner).execute());
    }

    /** Leases whose holder stopped renewing them: the job goes back to pending, due now. */
    public int returnExpiredLeases() {
        long now = now();
        return returnLeases(" AND lease_expires_at < :now", Map.of("now", now), "its lease ran out; the attempt counts");
    }

    /** One file, kept to one server process by the data-folder lock: never shared. */
    public boolean shared() {
        return false;
    }

    /** Leases of any holder but {@code owner}: used at start-up, when the data-folder lock proves they are dead. */
    public int returnLeasesNotOwnedBy(String owner) {
        return returnLeases(" AND lease_owner <> :owner", Map.of("owner", owner),
                "its delivery stopped with the last run; the attempt counts");
    }

    private int returnLeases(String which, Map<String, Object> binds, String reason) {
        List<Job> returned = jdbi.withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :now, lease_owner = NULL, lease_expires_at = NULL
                WHERE state = 'delivering'""" + which + " RETURNING *")
                .bind("now", now()).bindMap(binds)
                .map(JobMapper.INSTANCE).list());
        returned.forEach(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING, reason)));
        return returned.size();
    }

    /**
     * Gives a job back without spending its attempt (shutdown, host outage): pending, due at {@code at}.
     * {@code id} empty means every job {@code owner} holds.
     */
    public int handBack(Optional<String> id, String owner, Instant at, Optional<String> reason) {
        return handBackWith(id, owner, at, reason.map(LastError::textOnly));
    }

    @Override
    public boolean handBack(String id, String owner, Instant at, LastError reason) {
        return handBackWith(Optional.of(id), owner, at, Optional.of(reason)) == 1;
    }

    private int handBackWith(Optional<String> id, String owner, Instant at, Optional<LastError> error) {
        Optional<String> reason = error.map(LastError::message);
        List<Job> handedBack = jdbi.withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'pending', attempts = max(attempts - 1, 0), next_attempt_at = :at,
                                lease_owner = NULL, lease_expires_at = NULL, last_error = coalesce(:reason, last_error),
                                last_error_code = CASE WHEN :reason IS NULL THEN last_error_code ELSE :code END
                WHERE state = 'delivering' AND lease_owner = :owner""" + (id.isPresent() ? " AND id = :id" : "")
                        + " RETURNING *")
                .bind("at", at.toEpochMilli()).bind("owner", owner).bind("id", id.orElse(null))
                .bind("reason", reason.orElse(null)).bind("code", error.map(LastError::codeName).orElse(null))
                .map(JobMapper.INSTANCE).list());
        if (id.isPresent()) {
            atMostOne("handing back " + id.get(), handedBack);
        }
        handedBack.forEach(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING,
                "handed back, no attempt spent, due at " + at + reason.map(r -> ": " + r).orElse(""))));
        return handedBack.size();
    }

    /**
     * The job is on the host and verified; {@code fileId} is the host's id for it (Nextcloud's OC-FileId).
     * Deliveries that finish at the same time are recorded in one transaction ({@link GroupCommit}).
     */
    public boolean markSucceeded(String id, String owner, String remotePath, Optional<String> etag, Optional<String> fileId) {
        Optional<Job> done = successes.submit(new Success(id, owner, remotePath, etag, fileId));
        // Logged once the batch has committed; a worker that lost its lease changed nothing and logs nothing.
        done.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.SUCCEEDED, remotePath)));
        return done.isPresent();
    }

    private record Success(String id, String owner, String remotePath, Optional<String> etag, Optional<String> fileId) {
    }

    private List<GroupCommit.Outcome<Optional<Job>>> markAllSucceeded(List<Success> batch) {
        long now = now();
        if (batch.size() == 1) {
            return List.of(GroupCommit.Outcome.of(jdbi.withHandle(h -> markOneSucceeded(h, batch.get(0), now))));
        }
        try {
            return jdbi.inTransaction(h -> {
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
                    outcomes.add(GroupCommit.Outcome.of(jdbi.withHandle(h -> markOneSucceeded(h, s, now))));
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
                .bind("now", now).bind("id", s.id()).bind("owner", s.owner()).map(JobMapper.INSTANCE).list());
    }

    /** A failed attempt with attempts left: pending again at {@code at}, with the reason kept for the device. */
    @Override
    public boolean reschedule(String id, String owner, Instant at, LastError lastError) {
        String error = lastError.message();
        Optional<Job> rescheduled = jdbi.withHandle(h -> atMostOne("rescheduling " + id, h.createQuery("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :at, last_error = :error, last_error_code = :code,
                                lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner RETURNING *""")
                .bind("at", at.toEpochMilli()).bind("error", error).bind("code", lastError.codeName())
                .bind("id", id).bind("owner", owner)
                .map(JobMapper.INSTANCE).list()));
        rescheduled.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING,
                "attempt " + j.attempts() + " failed, next at " + at + ": " + error)));
        return rescheduled.isPresent();
    }

    /** The delivery has failed for good ({@code error} says why): failed, until retried, acknowledged or cancelled. */
    @Override
    public boolean markFailed(String id, String owner, LastError lastError) {
        String error = lastError.message();
        Optional<Job> failed = jdbi.withHandle(h -> atMostOne("failing " + id, h.createQuery("""
                UPDATE jobs SET state = 'failed', last_error = :error, last_error_code = :code,
                                lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner RETURNING *""")
                .bind("error", error).bind("code", lastError.codeName()).bind("id", id).bind("owner", owner)
                .map(JobMapper.INSTANCE).list()));
        failed.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.FAILED, error)));
        return failed.isPresent();
    }

    // ---- the spool's view ---------------------------------------------------------------------------

    /** Ids of every job whose bytes the spool must still hold. */
    public Set<String> idsHoldingSpoolCopies() {
        Set<String> ids = new HashSet<>();
        jdbi.useHandle(h -> h.createQuery("SELECT id FROM jobs WHERE state IN " + JobState.sqlList(JobState::holdsSpoolCopy))
                .mapTo(String.class).forEach(ids::add));
        return ids;
    }

    /** Which of {@code ids} are jobs the ledger has, in whatever state. */
    public Set<String> existingIds(Set<String> ids) {
        Set<String> found = new HashSet<>();
        for (List<String> batch : batches(List.copyOf(ids), 500)) {
            jdbi.useHandle(h -> h.createQuery("SELECT id FROM jobs WHERE id IN (<ids>)").bindList("ids", batch)
                    .mapTo(String.class).forEach(found::add));
        }
        return found;
    }

    /** Jobs waiting for delivery whose spool copy is gone can never be delivered: they fail, saying why. */
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
                jdbi.withHandle(h -> h.createQuery("""
                        UPDATE jobs SET state = 'failed', last_error = :error, next_attempt_at = NULL,
                                        last_error_code = :code, lease_owner = NULL, lease_expires_at = NULL
                        WHERE id IN (<ids>) AND state = :from RETURNING *""")
                        .bind("error", error).bind("code", FailureCode.SPOOL_COPY_MISSING.name()).bind("from", from.wire()).bindList("ids", batch)
                        .map(JobMapper.INSTANCE).list())
                        .forEach(j -> failed.add(Transition.of(j, from, JobState.FAILED, error)));
            }
        }
        JobLog.logAll(failed);
        return failed.size();
    }

    /** The one row a guarded statement changed, if any; more than one means the guard is wrong. */
    static Optional<Job> atMostOne(String what, List<Job> changed) {
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

    /** For tests and benchmarks that need the raw handle. */
    public <R> R withHandle(org.jdbi.v3.core.HandleCallback<R, RuntimeException> callback) {
        return jdbi.withHandle(callback);
    }

}
