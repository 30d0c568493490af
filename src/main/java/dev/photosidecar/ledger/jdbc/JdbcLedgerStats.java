package dev.photosidecar.ledger.jdbc;

import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.LedgerStats;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Read-only figures about the ledger for the admin status page: jobs by state, deliveries over time,
 * the oldest waiting job, what each user and device has sent, and the failed jobs. Nothing here changes
 * a row; every "now" comes from the injected clock.
 *
 * <p>The aggregates scan the jobs table (there is no index on {@code delivered_at}); that is a few
 * milliseconds for tens of thousands of jobs, and the page asks every ten seconds at most. On a shared ledger
 * the figures cover every replica's jobs.
 */
public class JdbcLedgerStats implements LedgerStats {
    private final Jdbi jdbi;
    private final Clock clock;
    private final Dialect dialect;

    /** The figures of the ledger on {@code jdbi}, speaking {@code dialect}. */
    public JdbcLedgerStats(Jdbi jdbi, Clock clock, Dialect dialect) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.dialect = dialect;
    }

    /** When these figures are taken (the injected clock). */
    @Override
    public Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    // ---- the queue ------------------------------------------------------------------------------

    /** Every state with its number of jobs, zero included. */
    @Override
    public Map<JobState, Long> countByState() {
        Map<JobState, Long> counts = JdbcJobLedger.zeroCounts();
        dialect.withHandle(jdbi, h -> h.createQuery("SELECT state, count(*) FROM jobs GROUP BY state")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list())
                .forEach(e -> JobState.fromWire(e.getKey()).ifPresent(s -> counts.put(s, e.getValue())));
        return counts;
    }

    /** How many jobs, and how many bytes, the spool must still hold (receiving, pending, delivering, failed). */
    @Override
    public Holding spoolHolding() {
        return dialect.withHandle(jdbi, h -> h.createQuery("""
                SELECT count(*), coalesce(sum(size), 0) FROM jobs
                WHERE state IN """ + JobState.sqlList(JobState::holdsSpoolCopy))
                .map((rs, ctx) -> new Holding(rs.getLong(1), rs.getLong(2))).one());
    }

    /** The pending job that arrived first: the one that has waited longest. */
    @Override
    public Optional<JobSummary> oldestPending() {
        return dialect.withHandle(jdbi, h -> h.createQuery(SUMMARY + " WHERE j.state = 'pending' ORDER BY j.seq LIMIT 1")
                .map(JdbcLedgerStats::summary).findOne());
    }

    /** Failed jobs, newest first, at most {@code limit}. */
    @Override
    public List<JobSummary> failedJobs(int limit) {
        return dialect.withHandle(jdbi, h -> h.createQuery(SUMMARY + " WHERE j.state = 'failed' ORDER BY j.seq DESC LIMIT :limit")
                .bind("limit", limit).map(JdbcLedgerStats::summary).list());
    }

    // ---- throughput -------------------------------------------------------------------------------

    /**
     * Verified deliveries ({@code delivered_at}, whatever the job's state since) in {@code window}, counted in
     * buckets of {@code width}. Buckets are aligned to multiples of {@code width} since the epoch; the last
     * one holds "now" and is still filling. Empty buckets are included, so there are always
     * {@code window / width} of them, oldest first.
     */
    @Override
    public Throughput throughput(Duration window, Duration width) {
        long w = width.toMillis();
        if (w <= 0 || window.toMillis() < w || window.toMillis() % w != 0) {
            throw new IllegalArgumentException("the window must be a positive multiple of the bucket width");
        }
        int n = (int) (window.toMillis() / w);
        long to = Math.floorDiv(clock.millis(), w) * w + w;
        long from = to - window.toMillis();
        long[] jobs = new long[n];
        long[] bytes = new long[n];
        dialect.withHandle(jdbi, h -> h.createQuery("""
                SELECT (delivered_at - :from) / :width AS bucket, count(*), coalesce(sum(size), 0) FROM jobs
                WHERE delivered_at >= :from AND delivered_at < :to
                GROUP BY bucket""")
                .bind("from", from).bind("to", to).bind("width", w)
                .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}).list())
                .forEach(row -> {
                    int i = (int) row[0];
                    if (i >= 0 && i < n) {
                        jobs[i] = row[1];
                        bytes[i] = row[2];
                    }
                });
        List<Bucket> buckets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            buckets.add(new Bucket(Instant.ofEpochMilli(from + i * w), jobs[i], bytes[i]));
        }
        return new Throughput(Instant.ofEpochMilli(from), Instant.ofEpochMilli(to), width, List.copyOf(buckets));
    }

    // ---- who sends what ---------------------------------------------------------------------------

    /** Every user (at most {@code limit}, by id): active devices, uploads, the last one, and failed jobs. */
    @Override
    public List<UserActivity> users(int limit) {
        return dialect.withHandle(jdbi, h -> h.createQuery("""
                SELECT u.id AS user_id,
                       (SELECT count(*) FROM devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL) AS devices,
                       count(j.seq) AS uploads, max(j.received_at) AS last_upload,
                       %s AS failed
                FROM users u LEFT JOIN jobs j ON j.user_id = u.id
                GROUP BY u.id ORDER BY u.id LIMIT :limit""".formatted(dialect.countWhere("j.state = 'failed'")))
                .bind("limit", limit)
                .map((rs, ctx) -> new UserActivity(rs.getString("user_id"), rs.getLong("devices"), rs.getLong("uploads"),
                        Rows.instant(rs, "last_upload"), rs.getLong("failed")))
                .list());
    }

    /**
     * Every device (at most {@code limit}): active ones first, by user and name; with its uploads, the last one,
     * and its failed jobs.
     */
    @Override
    public List<DeviceActivity> devices(int limit) {
        return dialect.withHandle(jdbi, h -> h.createQuery("""
                SELECT d.id AS device_id, d.user_id AS user_id, d.name AS name, d.revoked_at IS NULL AS active,
                       count(j.seq) AS uploads, max(j.received_at) AS last_upload,
                       %s AS failed
                FROM devices d LEFT JOIN jobs j ON j.device_id = d.id
                GROUP BY d.id ORDER BY active DESC, d.user_id, d.name, d.created_at LIMIT :limit"""
                .formatted(dialect.countWhere("j.state = 'failed'")))
                .bind("limit", limit)
                .map((rs, ctx) -> new DeviceActivity(rs.getString("device_id"), rs.getString("user_id"), rs.getString("name"),
                        rs.getBoolean("active"), rs.getLong("uploads"), Rows.instant(rs, "last_upload"), rs.getLong("failed")))
                .list());
    }

    // ---- rows -------------------------------------------------------------------------------------

    private static final String SUMMARY = """
            SELECT j.id, j.user_id, j.device_id, d.name AS device_name, j.filename, j.size, j.received_at,
                   j.attempts, j.next_attempt_at, j.last_error
            FROM jobs j LEFT JOIN devices d ON d.id = j.device_id""";

    private static JobSummary summary(ResultSet rs, StatementContext ctx) throws SQLException {
        return new JobSummary(rs.getString("id"), rs.getString("user_id"), rs.getString("device_id"),
                Optional.ofNullable(rs.getString("device_name")).orElse(rs.getString("device_id")), rs.getString("filename"),
                rs.getLong("size"), Instant.ofEpochMilli(rs.getLong("received_at")), rs.getInt("attempts"),
                Rows.instant(rs, "next_attempt_at"), Optional.ofNullable(rs.getString("last_error")));
    }
}
