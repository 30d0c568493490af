package dev.photosidecar.ledger;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The job ledger: every state change of a job is one guarded SQL statement here, so the state machine
 * holds even with many workers and requests at once. A statement that finds the job in an unexpected
 * state changes nothing and says so.
 */
public final class JobLedger {
    private static final String COLUMNS = "*";

    private final Jdbi jdbi;
    private final Clock clock;
    private final GroupCommit<NewJob, Job> inserts = new GroupCommit<>(this::insertAll);
    private final GroupCommit<Success, Boolean> successes = new GroupCommit<>(this::markAllSucceeded);

    public JobLedger(Jdbi jdbi, Clock clock) {
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
        return inserts.submit(j);
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
            if (e.getCause() instanceof SQLiteException s
                    && s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE) {
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
     * {@code succeeded}/{@code failed} a 409 naming the ids.
     */
    public List<Job> acknowledge(String deviceId, Collection<String> ids) {
        List<String> unique = List.copyOf(new LinkedHashSet<>(ids));
        if (unique.isEmpty()) {
            return List.of();
        }
        return jdbi.inTransaction(h -> {
            Map<String, Job> found = new LinkedHashMap<>();
            h.createQuery("SELECT * FROM jobs WHERE device_id = :device AND id IN (<ids>)")
                    .bind("device", deviceId).bindList("ids", unique)
                    .map(JobMapper.INSTANCE).forEach(j -> found.put(j.id(), j));
            List<String> missing = unique.stream().filter(id -> !found.containsKey(id)).toList();
            if (!missing.isEmpty()) {
                throw new Problem(ErrorCode.JOB_NOT_FOUND, "no such job: " + String.join(", ", limit(missing)),
                        Map.of("ids", missing));
            }
            List<String> wrong = found.values().stream()
                    .filter(j -> j.state() != JobState.SUCCEEDED && j.state() != JobState.FAILED)
                    .map(j -> j.id() + " is " + j.state().wire()).toList();
            if (!wrong.isEmpty()) {
                throw new Problem(ErrorCode.INVALID_STATE,
                        "only succeeded or failed jobs can be acknowledged: " + String.join(", ", limit(wrong)),
                        Map.of("ids", found.values().stream()
                                .filter(j -> j.state() != JobState.SUCCEEDED && j.state() != JobState.FAILED)
                                .map(Job::id).toList()));
            }
            return h.createQuery("""
                    UPDATE jobs SET state = 'acknowledged', finalized_at = :now
                    WHERE device_id = :device AND id IN (<ids>) AND state IN ('succeeded', 'failed')
                    RETURNING *""")
                    .bind("now", now()).bind("device", deviceId).bindList("ids", unique)
                    .map(JobMapper.INSTANCE).list();
        });
    }

    /** {@code failed → pending}, attempts reset, due now. */
    public Job retry(String deviceId, String id) {
        return transition(deviceId, id, "retried", Set.of(JobState.FAILED), """
                UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now, last_error = NULL
                WHERE id = :id AND device_id = :device AND state = 'failed' RETURNING *""");
    }

    /**
     * A failed job whose bytes the device sent again (the phone's one retry, or after a lost spool copy):
     * {@code failed → pending} with fresh attempts, due now. Empty if the job is no longer failed.
     */
    public Optional<Job> reviveFailed(String deviceId, String id) {
        return jdbi.withHandle(h -> h.createQuery("""
                UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now, last_error = NULL
                WHERE id = :id AND device_id = :device AND state = 'failed' RETURNING *""")
                .bind("id", id).bind("device", deviceId).bind("now", now())
                .map(JobMapper.INSTANCE).findOne());
    }

    /** {@code pending|failed → cancelled}. The caller removes the spool copy once this returns. */
    public Job cancel(String deviceId, String id) {
        return transition(deviceId, id, "cancelled", Set.of(JobState.PENDING, JobState.FAILED), """
                UPDATE jobs SET state = 'cancelled', next_attempt_at = NULL, finalized_at = :now
                WHERE id = :id AND device_id = :device AND state IN ('pending', 'failed') RETURNING *""");
    }

    private Job transition(String deviceId, String id, String verb, Set<JobState> from, String sql) {
        Optional<Job> changed = jdbi.withHandle(h -> h.createQuery(sql)
                .bind("id", id).bind("device", deviceId).bind("now", now())
                .map(JobMapper.INSTANCE).findOne());
        if (changed.isPresent()) {
            return changed.get();
        }
        Job current = findForDevice(deviceId, id)
                .orElseThrow(() -> new Problem(ErrorCode.JOB_NOT_FOUND, "no such job: " + id));
        throw new Problem(ErrorCode.INVALID_STATE, "job " + id + " is " + current.state().wire() + "; only "
                + from.stream().map(JobState::wire).sorted().collect(Collectors.joining(" or "))
                + " jobs can be " + verb);
    }

    /** Operators: every failed job (of one user, or all) back to pending. Returns how many. */
    public int retryAllFailed(Optional<String> userId) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now,"
                        + " last_error = NULL WHERE state = 'failed'" + (userId.isPresent() ? " AND user_id = :user" : ""))
                .bind("now", now()).bind("user", userId.orElse(null)).execute());
    }

    // ---- the workers' transitions ----------------------------------------------------------------

    /**
     * Claims up to {@code max} due jobs for {@code owner} in one statement: they become
     * {@code delivering} under a lease and their attempt is counted. SQLite runs the statement under
     * its write lock, so two claimers can never get the same job.
     */
    public List<Job> claimDue(String owner, int max, Duration lease) {
        return claimDue(owner, max, lease, List.of());
    }

    /** As {@link #claimDue(String, int, Duration)}, skipping the jobs of users whose deliveries are paused. */
    public List<Job> claimDue(String owner, int max, Duration lease, Collection<String> pausedUsers) {
        if (max <= 0) {
            return List.of();
        }
        long now = now();
        // An empty user id never exists; it keeps the statement one shape whether or not users are paused.
        List<String> skip = pausedUsers.isEmpty() ? List.of("") : List.copyOf(pausedUsers);
        return jdbi.withHandle(h -> h.createQuery("""
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
        return jdbi.withHandle(h -> h.createQuery("SELECT min(received_at) FROM jobs WHERE state IN ('pending', 'delivering')")
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
        return jdbi.withHandle(h -> h.createUpdate("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :now, lease_owner = NULL, lease_expires_at = NULL
                WHERE state = 'delivering' AND lease_expires_at < :now""")
                .bind("now", now).execute());
    }

    /** Leases of any holder but {@code owner}: used at start-up, when the data-folder lock proves they are dead. */
    public int returnLeasesNotOwnedBy(String owner) {
        return jdbi.withHandle(h -> h.createUpdate("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :now, lease_owner = NULL, lease_expires_at = NULL
                WHERE state = 'delivering' AND lease_owner <> :owner""")
                .bind("now", now()).bind("owner", owner).execute());
    }

    /**
     * Gives a job back without spending its attempt (shutdown, host outage): pending, due at {@code at}.
     * {@code id} empty means every job {@code owner} holds.
     */
    public int handBack(Optional<String> id, String owner, Instant at, Optional<String> reason) {
        return jdbi.withHandle(h -> h.createUpdate("""
                UPDATE jobs SET state = 'pending', attempts = max(attempts - 1, 0), next_attempt_at = :at,
                                lease_owner = NULL, lease_expires_at = NULL, last_error = coalesce(:reason, last_error)
                WHERE state = 'delivering' AND lease_owner = :owner""" + (id.isPresent() ? " AND id = :id" : ""))
                .bind("at", at.toEpochMilli()).bind("owner", owner).bind("id", id.orElse(null))
                .bind("reason", reason.orElse(null)).execute());
    }

    public boolean markSucceeded(String id, String owner, String remotePath, Optional<String> etag) {
        return markSucceeded(id, owner, remotePath, etag, Optional.empty());
    }

    /**
     * The job is on the host and verified; {@code fileId} is the host's id for it (Nextcloud's OC-FileId).
     * Deliveries that finish at the same time are recorded in one transaction ({@link GroupCommit}).
     */
    public boolean markSucceeded(String id, String owner, String remotePath, Optional<String> etag, Optional<String> fileId) {
        return successes.submit(new Success(id, owner, remotePath, etag, fileId));
    }

    private record Success(String id, String owner, String remotePath, Optional<String> etag, Optional<String> fileId) {
    }

    private List<GroupCommit.Outcome<Boolean>> markAllSucceeded(List<Success> batch) {
        long now = now();
        if (batch.size() == 1) {
            return List.of(GroupCommit.Outcome.of(jdbi.withHandle(h -> markOneSucceeded(h, batch.get(0), now))));
        }
        try {
            return jdbi.inTransaction(h -> {
                List<GroupCommit.Outcome<Boolean>> outcomes = new ArrayList<>();
                for (Success s : batch) {
                    outcomes.add(GroupCommit.Outcome.of(markOneSucceeded(h, s, now)));
                }
                return outcomes;
            });
        } catch (RuntimeException oneRowFailed) {
            // each alone, so one bad row cannot fail its neighbours
            List<GroupCommit.Outcome<Boolean>> outcomes = new ArrayList<>();
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

    private static boolean markOneSucceeded(Handle h, Success s, long now) {
        return h.createUpdate("""
                UPDATE jobs SET state = 'succeeded', remote_path = :path, remote_etag = :etag, delivered_at = :now,
                                remote_file_id = :fileId,
                                last_error = NULL, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner""")
                .bind("path", s.remotePath()).bind("etag", s.etag().orElse(null)).bind("fileId", s.fileId().orElse(null))
                .bind("now", now).bind("id", s.id()).bind("owner", s.owner()).execute() == 1;
    }

    /** A failed attempt with attempts left: pending again at {@code at}, with the reason kept for the device. */
    public boolean reschedule(String id, String owner, Instant at, String error) {
        return jdbi.withHandle(h -> h.createUpdate("""
                UPDATE jobs SET state = 'pending', next_attempt_at = :at, last_error = :error,
                                lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner""")
                .bind("at", at.toEpochMilli()).bind("error", error).bind("id", id).bind("owner", owner).execute()) == 1;
    }

    public boolean markFailed(String id, String owner, String error) {
        return jdbi.withHandle(h -> h.createUpdate("""
                UPDATE jobs SET state = 'failed', last_error = :error, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = :id AND state = 'delivering' AND lease_owner = :owner""")
                .bind("error", error).bind("id", id).bind("owner", owner).execute()) == 1;
    }

    // ---- the spool's view ---------------------------------------------------------------------------

    /** Ids of every job whose bytes the spool must still hold. */
    public Set<String> idsHoldingSpoolCopies() {
        Set<String> ids = new HashSet<>();
        jdbi.useHandle(h -> h.createQuery("SELECT id FROM jobs WHERE state IN ('receiving', 'pending', 'delivering', 'failed')")
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
        int changed = 0;
        for (List<String> batch : batches(List.copyOf(ids), 500)) {
            changed += jdbi.withHandle(h -> h.createUpdate("""
                    UPDATE jobs SET state = 'failed', last_error = :error, next_attempt_at = NULL,
                                    lease_owner = NULL, lease_expires_at = NULL
                    WHERE id IN (<ids>) AND state IN ('pending', 'delivering')""")
                    .bind("error", error).bindList("ids", batch).execute());
        }
        return changed;
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

    /** For tests and tools that need the raw handle (integrity checks). */
    public <R> R withHandle(org.jdbi.v3.core.HandleCallback<R, RuntimeException> callback) {
        return jdbi.withHandle(callback);
    }

}
