package dev.photosidecar.ledger.postgres;

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
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The job ledger on PostgreSQL, shared by every replica: each state change is one guarded statement, as on SQLite,
 * and a statement that finds the job elsewhere changes nothing (a lost race, never an error). Where SQLite relies on
 * its one writer at a time, this takes row locks: claims skip the rows another replica is claiming
 * ({@code FOR UPDATE SKIP LOCKED}), and a change that reads before it writes locks what it read, in id order.
 */
public final class PostgresJobLedger implements JobLedger {
    /** How often a requested change is judged again when workers keep moving the job on under it. */
    private static final int MAX_RACES = 10;

    private final Retried db;
    private final Clock clock;

    public PostgresJobLedger(Jdbi jdbi, Clock clock) {
        this.db = new Retried(jdbi);
        this.clock = clock;
    }

    private long now() {
        return clock.millis();
    }

    // ---- intake ---------------------------------------------------------------------------------

    /**
     * Records a new pending job, due at once. Two replicas inserting the same new key at once: the second waits for
     * the first to commit, then {@code ON CONFLICT DO NOTHING} returns no row and it gets {@link DuplicateKeyException}.
     * Every insert is its own commit; PostgreSQL commits them side by side, so SQLite's group commit is not needed.
     */
    @Override
    public Job insert(NewJob j) {
        long now = now();
        Optional<Job> inserted;
        try {
            inserted = db.withHandle(h -> h.createQuery("""
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
                    .map(PostgresRows::job)
                    .findOne());
        } catch (UnableToExecuteStatementException e) {
            // ON CONFLICT names one key; a clash on another unique column (the id) is still a duplicate upload.
            if (PostgresErrors.isUniqueViolation(e)) {
                throw new DuplicateKeyException(j.deviceId(), j.key());
            }
            throw e;
        }
        Job job = inserted.orElseThrow(() -> new DuplicateKeyException(j.deviceId(), j.key()));
        JobLog.log(Transition.arrived(job, JobState.PENDING, job.filename() + ", " + job.size() + " bytes"));
        return job;
    }

    // ---- reads ----------------------------------------------------------------------------------

    @Override
    public Optional<Job> find(String id) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE id = :id")
                .bind("id", id).map(PostgresRows::job).findOne());
    }

    @Override
    public Optional<Job> findForDevice(String deviceId, String id) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE id = :id AND device_id = :device")
                .bind("id", id).bind("device", deviceId).map(PostgresRows::job).findOne());
    }

    @Override
    public Optional<Job> findByKey(String deviceId, String key) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE device_id = :device AND upload_key = :key")
                .bind("device", deviceId).bind("key", key).map(PostgresRows::job).findOne());
    }

    @Override
    public JobPage listForDevice(String deviceId, Optional<JobState> state, int limit, Optional<Long> beforeSeq) {
        List<Job> rows = db.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE device_id = :device"
                        + (state.isPresent() ? " AND state = :state" : "")
                        + " AND seq < :before ORDER BY seq DESC LIMIT :limit")
                .bind("device", deviceId)
                .bind("state", state.map(JobState::wire).orElse(null))
                .bind("before", beforeSeq.orElse(Long.MAX_VALUE))
                .bind("limit", limit + 1)
                .map(PostgresRows::job)
                .list());
        if (rows.size() > limit) {
            List<Job> page = rows.subList(0, limit);
            return new JobPage(List.copyOf(page), Optional.of(page.get(limit - 1).seq()));
        }
        return new JobPage(rows, Optional.empty());
    }

    @Override
    public List<Job> list(Optional<String> userId, Optional<JobState> state, int limit) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE 1 = 1"
                        + (userId.isPresent() ? " AND user_id = :user" : "")
                        + (state.isPresent() ? " AND state = :state" : "")
                        + " ORDER BY seq DESC LIMIT :limit")
                .bind("user", userId.orElse(null))
                .bind("state", state.map(JobState::wire).orElse(null))
                .bind("limit", limit)
                .map(PostgresRows::job)
                .list());
    }

    @Override
    public Map<String, JobState> knownKeys(String deviceId, Collection<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        Map<String, JobState> known = new LinkedHashMap<>();
        db.withHandle(h -> {
            h.createQuery("SELECT upload_key, state FROM jobs WHERE device_id = :device AND upload_key IN (<keys>)")
                    .bind("device", deviceId)
                    .bindList("keys", List.copyOf(new LinkedHashSet<>(keys)))
                    .map((rs, ctx) -> Map.entry(rs.getString(1), JobState.fromWire(rs.getString(2)).orElseThrow()))
                    .forEach(e -> known.put(e.getKey(), e.getValue()));
            return null;
        });
        return known;
    }

    @Override
    public Map<JobState, Long> countByState() {
        return PostgresLedgerStats.countByState(db);
    }

    @Override
    public Optional<String> deliveredSiblingPath(Job job) {
        if (job.assetId().isEmpty()) {
            return Optional.empty();
        }
        return db.withHandle(h -> h.createQuery("""
                SELECT remote_path FROM jobs WHERE user_id = :user AND asset_id = :asset AND id <> :id
                  AND remote_path IS NOT NULL ORDER BY delivered_at LIMIT 1""")
                .bind("user", job.userId()).bind("asset", job.assetId().get()).bind("id", job.id())
                .mapTo(String.class).findOne());
    }

    @Override
    public boolean olderSiblingInDelivery(Job job) {
        if (job.assetId().isEmpty()) {
            return false;
        }
        return db.withHandle(h -> h.createQuery("""
                SELECT count(*) FROM jobs WHERE user_id = :user AND asset_id = :asset AND seq < :seq
                  AND state = 'delivering'""")
                .bind("user", job.userId()).bind("asset", job.assetId().get()).bind("seq", job.seq())
                .mapTo(Long.class).one()) > 0;
    }

    @Override
    public Optional<Instant> oldestPendingReceivedAt() {
        return db.withHandle(h -> h.createQuery("SELECT min(received_at) FROM jobs WHERE state IN "
                        + JobState.sqlList(JobState::awaitsDelivery))
                .map((rs, ctx) -> PostgresRows.instant(rs, 1)).one());
    }

    @Override
    public Optional<Instant> nextDueAt() {
        return db.withHandle(h -> h.createQuery("SELECT min(next_attempt_at) FROM jobs WHERE state = 'pending'")
                .map((rs, ctx) -> PostgresRows.instant(rs, 1)).one());
    }

    // ---- the device's and the operator's transitions ----------------------------------------------

    /**
     * All the given jobs or none. The jobs are read {@code FOR UPDATE}, in id order (two overlapping acknowledgements
     * queue rather than deadlock), so each is still in the state read when the update runs, as SQLite's write lock
     * guarantees there.
     */
    @Override
    public List<Transition> acknowledge(String deviceId, Collection<String> ids) {
        List<String> unique = List.copyOf(new LinkedHashSet<>(ids));
        if (unique.isEmpty()) {
            return List.of();
        }
        String canBeAcknowledged = JobState.sqlList(JobState::canBeAcknowledged);
        List<Transition> done = db.inTransaction(h -> {
            Map<String, Job> found = new LinkedHashMap<>();
            h.createQuery("SELECT * FROM jobs WHERE device_id = :device AND id IN (<ids>) ORDER BY id FOR UPDATE")
                    .bind("device", deviceId).bindList("ids", unique)
                    .map(PostgresRows::job).forEach(j -> found.put(j.id(), j));
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
            Map<String, Job> changed = new LinkedHashMap<>();
            h.createQuery("""
                    UPDATE jobs SET state = 'acknowledged', finalized_at = :now
                    WHERE device_id = :device AND id IN (<ids>) AND state IN """ + canBeAcknowledged + " RETURNING *")
                    .bind("now", now()).bind("device", deviceId).bindList("ids", unique)
                    .map(PostgresRows::job).forEach(j -> changed.put(j.id(), j));
            if (changed.size() != unique.size()) {
                throw new IllegalStateException("acknowledging " + unique.size() + " locked jobs changed " + changed.size());
            }
            return unique.stream().map(id -> Transition.of(changed.get(id), found.get(id).state(), JobState.ACKNOWLEDGED, ""))
                    .toList();
        });
        JobLog.logAll(done);
        return done;
    }

    @Override
    public Transition retry(String deviceId, String id, String reason) {
        return change(deviceId, id, "retried", JobState::canBeRetried, JobState.PENDING, reason, """
                UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now, last_error = NULL,
                                last_error_code = NULL
                WHERE id = :id AND device_id = :device AND state = :from RETURNING *""");
    }

    @Override
    public Optional<Job> reviveFailed(String deviceId, String id) {
        Optional<Job> revived = db.withHandle(h -> atMostOne("reviving " + id, h.createQuery("""
                UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now, last_error = NULL,
                                last_error_code = NULL
                WHERE id = :id AND device_id = :device AND state = 'failed' RETURNING *""")
                .bind("id", id).bind("device", deviceId).bind("now", now())
                .map(PostgresRows::job).list()));
        revived.ifPresent(j -> JobLog.log(Transition.of(j, JobState.FAILED, JobState.PENDING, "the device sent the bytes again")));
        return revived;
    }

    @Override
    public Transition cancel(String deviceId, String id, String reason) {
        return change(deviceId, id, "cancelled", JobState::canBeCancelled, JobState.CANCELLED, reason, """
                UPDATE jobs SET state = 'cancelled', next_attempt_at = NULL, finalized_at = :now
                WHERE id = :id AND device_id = :device AND state = :from RETURNING *""");
    }

    /**
     * A change someone asked for: the job is read, its state checked against {@code allowed}, and {@code sql} run
     * guarded by that very state ({@code :from}). If a worker on any replica moved the job on in between, the update
     * changes nothing and the change is judged again against the new state.
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
            Optional<Job> changed = db.withHandle(h -> atMostOne(verb + " " + id, h.createQuery(sql)
                    .bind("id", id).bind("device", deviceId).bind("now", now()).bind("from", current.state().wire())
                    .map(PostgresRows::job).list()));
            if (changed.isPresent()) {
                Transition t = Transition.of(changed.get(), current.state(), to, reason);
                JobLog.log(t);
                return t;
            }
        }
    }

    @Override
    public List<Transition> retryAllFailed(Optional<String> userId) {
        List<Transition> retried = db.withHandle(h -> h.createQuery("UPDATE jobs SET state = 'pending', attempts = 0,"
                        + " next_attempt_at = :now, last_error = NULL, last_error_code = NULL WHERE state = 'failed'"
                        + (userId.isPresent() ? " AND user_id = :user" : "") + " RETURNING *")
                .bind("now", now()).bind("user", userId.orElse(null))
                .map(PostgresRows::job).list())
                .stream().sorted(Comparator.comparingLong(Job::seq))
                .map(j -> Transition.of(j, JobState.FAILED, JobState.PENDING, "retried by an operator")).toList();
        JobLog.logAll(retried);
        return retried;
    }

    // ---- the workers' transitions ----------------------------------------------------------------

    /**
     * Claims up to {@code max} due jobs in one statement. The inner select locks the rows it picks and skips rows
     * another claimer has locked ({@code FOR UPDATE SKIP LOCKED}), so replicas claiming at once each get other jobs
     * instead of queueing. {@code = ANY(ARRAY(...))} evaluates the pick once: with {@code IN (SELECT ...)} PostgreSQL
     * may run the locking subquery again and claim more than {@code max}. The outer {@code state = 'pending'} keeps
     * the statement guarded whatever the pick saw.
     */
    @Override
    public List<Job> claimDue(String owner, int max, Duration lease, Collection<String> pausedUsers) {
        if (max <= 0) {
            return List.of();
        }
        long now = now();
        // An empty user id never exists; it keeps the statement one shape whether or not users are paused.
        List<String> skip = pausedUsers.isEmpty() ? List.of("") : List.copyOf(pausedUsers);
        List<Job> claimed = db.withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'delivering', attempts = attempts + 1, next_attempt_at = NULL,
                                lease_owner = :owner, lease_expires_at = :until
                WHERE seq = ANY(ARRAY(SELECT seq FROM jobs WHERE state = 'pending' AND next_attempt_at <= :now
                                        AND user_id NOT IN (<skip>)
                                      ORDER BY next_attempt_at, seq LIMIT :max FOR UPDATE SKIP LOCKED))
                  AND state = 'pending'
                RETURNING *""")
                .bind("owner", owner).bind("until", now + lease.toMillis()).bind("now", now).bind("max", max)
                .bindList("skip", skip)
                .map(PostgresRows::job).list());
        if (claimed.size() > max) {
            throw new IllegalStateException("a claim of at most " + max + " jobs changed " + claimed.size());
        }
        List<Job> inOrder = claimed.stream().sorted(Comparator.comparingLong(Job::seq)).toList();
        inOrder.forEach(j -> JobLog.log(Transition.of(j, JobState.PENDING, JobState.DELIVERING, "attempt " + j.attempts())));
        return inOrder;
    }

    @Override
    public int makeDueNow(String userId) {
        return db.withHandle(h -> h.createUpdate(
                        "UPDATE jobs SET next_attempt_at = :now WHERE user_id = :user AND state = 'pending' AND next_attempt_at > :now")
                .bind("now", now()).bind("user", userId).execute());
    }

    @Override
    public int renewLeases(String owner, Duration lease) {
        return db.withHandle(h -> h.createUpdate("UPDATE jobs SET lease_expires_at = :until"
                        + " WHERE state = 'delivering' AND lease_owner = :owner")
                .bind("until", now() + lease.toMillis()).bind("owner", owner).execute());
    }

    @Override
    public int returnExpiredLeases() {
        return returnLeases(" AND lease_expires_at < :now", Map.of(), "its lease ran out; the attempt counts");
    }

    /** A database server: other replicas may hold live leases, so start-up returns only expired ones. */
    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public int returnLeasesNotOwnedBy(String owner) {
        return returnLeases(" AND lease_owner <> :owner", Map.of("owner", owner),
                "its delivery stopped with the last run; the attempt counts");
    }

    private int returnLeases(String which, Map<String, Object> binds, String reason) {
        List<Job> returned = db.withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :now, lease_owner = NULL, lease_expires_at = NULL
                WHERE state = 'delivering'""" + which + " RETURNING *")
                .bind("now", now()).bindMap(binds)
                .map(PostgresRows::job).list());
        returned.forEach(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING, reason)));
        return returned.size();
    }

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
        List<Job> handedBack = db.withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'pending', attempts = GREATEST(attempts - 1, 0), next_attempt_at = :at,
                                lease_owner = NULL, lease_expires_at = NULL, last_error = coalesce(:reason, last_error),
                                last_error_code = CASE WHEN :reason IS NULL THEN last_error_code ELSE :code END
                WHERE state = 'delivering' AND lease_owner = :owner""" + (id.isPresent() ? " AND id = :id" : "")
                        + " RETURNING *")
                .bind("at", at.toEpochMilli()).bind("owner", owner).bind("id", id.orElse(null))
                .bind("reason", reason.orElse(null)).bind("code", error.map(LastError::codeName).orElse(null))
                .map(PostgresRows::job).list());
        if (id.isPresent()) {
            atMostOne("handing back " + id.get(), handedBack);
        }
        handedBack.forEach(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING,
                "handed back, no attempt spent, due at " + at + reason.map(r -> ": " + r).orElse(""))));
        return handedBack.size();
    }

    @Override
    public boolean markSucceeded(String id, String owner, String remotePath, Optional<String> etag, Optional<String> fileId) {
        Optional<Job> done = db.withHandle(h -> atMostOne("marking " + id + " succeeded", h.createQuery("""
                UPDATE jobs SET state = 'succeeded', remote_path = :path, remote_etag = :etag, delivered_at = :now,
                                remote_file_id = :fileId,
                                last_error = NULL, last_error_code = NULL, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner RETURNING *""")
                .bind("path", remotePath).bind("etag", etag.orElse(null)).bind("fileId", fileId.orElse(null))
                .bind("now", now()).bind("id", id).bind("owner", owner).map(PostgresRows::job).list()));
        // A worker that lost its lease changed nothing and logs nothing.
        done.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.SUCCEEDED, remotePath)));
        return done.isPresent();
    }

    @Override
    public boolean reschedule(String id, String owner, Instant at, LastError lastError) {
        String error = lastError.message();
        Optional<Job> rescheduled = db.withHandle(h -> atMostOne("rescheduling " + id, h.createQuery("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :at, last_error = :error, last_error_code = :code,
                                lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner RETURNING *""")
                .bind("at", at.toEpochMilli()).bind("error", error).bind("code", lastError.codeName())
                .bind("id", id).bind("owner", owner)
                .map(PostgresRows::job).list()));
        rescheduled.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.PENDING,
                "attempt " + j.attempts() + " failed, next at " + at + ": " + error)));
        return rescheduled.isPresent();
    }

    @Override
    public boolean markFailed(String id, String owner, LastError lastError) {
        String error = lastError.message();
        Optional<Job> failed = db.withHandle(h -> atMostOne("failing " + id, h.createQuery("""
                UPDATE jobs SET state = 'failed', last_error = :error, last_error_code = :code,
                                lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner RETURNING *""")
                .bind("error", error).bind("code", lastError.codeName()).bind("id", id).bind("owner", owner)
                .map(PostgresRows::job).list()));
        failed.ifPresent(j -> JobLog.log(Transition.of(j, JobState.DELIVERING, JobState.FAILED, error)));
        return failed.isPresent();
    }

    // ---- the spool's view ---------------------------------------------------------------------------

    @Override
    public Set<String> idsHoldingSpoolCopies() {
        return new HashSet<>(db.withHandle(h -> h.createQuery("SELECT id FROM jobs WHERE state IN "
                + JobState.sqlList(JobState::holdsSpoolCopy)).mapTo(String.class).list()));
    }

    @Override
    public Set<String> existingIds(Set<String> ids) {
        Set<String> found = new HashSet<>();
        for (List<String> batch : batches(List.copyOf(ids), 500)) {
            found.addAll(db.withHandle(h -> h.createQuery("SELECT id FROM jobs WHERE id IN (<ids>)").bindList("ids", batch)
                    .mapTo(String.class).list()));
        }
        return found;
    }

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
                db.withHandle(h -> h.createQuery("""
                        UPDATE jobs SET state = 'failed', last_error = :error, next_attempt_at = NULL,
                                        last_error_code = :code, lease_owner = NULL, lease_expires_at = NULL
                        WHERE id IN (<ids>) AND state = :from RETURNING *""")
                        .bind("error", error).bind("code", FailureCode.SPOOL_COPY_MISSING.name()).bind("from", from.wire()).bindList("ids", batch)
                        .map(PostgresRows::job).list())
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

    static Map<JobState, Long> zeroCounts() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            counts.put(s, 0L);
        }
        return counts;
    }
}
