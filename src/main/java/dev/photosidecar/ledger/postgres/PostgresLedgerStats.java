package dev.photosidecar.ledger.postgres;

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
 * The admin page's figures on PostgreSQL, read-only, with "now" from the injected clock. The figures cover every
 * replica's jobs. The SQL is SQLite's but for the failed counts: PostgreSQL does not sum booleans, so they are
 * {@code count(*) FILTER (...)}.
 */
public final class PostgresLedgerStats implements LedgerStats {
    private final Retried db;
    private final Clock clock;

    public PostgresLedgerStats(Jdbi jdbi, Clock clock) {
        this.db = new Retried(jdbi);
        this.clock = clock;
    }

    @Override
    public Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    @Override
    public Map<JobState, Long> countByState() {
        return countByState(db);
    }

    static Map<JobState, Long> countByState(Retried db) {
        Map<JobState, Long> counts = PostgresJobLedger.zeroCounts();
        db.withHandle(h -> h.createQuery("SELECT state, count(*) FROM jobs GROUP BY state")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list())
                .forEach(e -> JobState.fromWire(e.getKey()).ifPresent(s -> counts.put(s, e.getValue())));
        return counts;
    }

    @Override
    public Holding spoolHolding() {
        return db.withHandle(h -> h.createQuery("""
                SELECT count(*), coalesce(sum(size), 0) FROM jobs
                WHERE state IN """ + JobState.sqlList(JobState::holdsSpoolCopy))
                .map((rs, ctx) -> new Holding(rs.getLong(1), rs.getLong(2))).one());
    }

    @Override
    public Optional<JobSummary> oldestPending() {
        return db.withHandle(h -> h.createQuery(SUMMARY + " WHERE j.state = 'pending' ORDER BY j.seq LIMIT 1")
                .map(PostgresLedgerStats::summary).findOne());
    }

    @Override
    public List<JobSummary> failedJobs(int limit) {
        return db.withHandle(h -> h.createQuery(SUMMARY + " WHERE j.state = 'failed' ORDER BY j.seq DESC LIMIT :limit")
                .bind("limit", limit).map(PostgresLedgerStats::summary).list());
    }

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
        db.withHandle(h -> h.createQuery("""
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

    @Override
    public List<UserActivity> users(int limit) {
        return db.withHandle(h -> h.createQuery("""
                SELECT u.id AS user_id,
                       (SELECT count(*) FROM devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL) AS devices,
                       count(j.seq) AS uploads, max(j.received_at) AS last_upload,
                       count(*) FILTER (WHERE j.state = 'failed') AS failed
                FROM users u LEFT JOIN jobs j ON j.user_id = u.id
                GROUP BY u.id ORDER BY u.id LIMIT :limit""")
                .bind("limit", limit)
                .map((rs, ctx) -> new UserActivity(rs.getString("user_id"), rs.getLong("devices"), rs.getLong("uploads"),
                        PostgresRows.instant(rs, "last_upload"), rs.getLong("failed")))
                .list());
    }

    @Override
    public List<DeviceActivity> devices(int limit) {
        return db.withHandle(h -> h.createQuery("""
                SELECT d.id AS device_id, d.user_id AS user_id, d.name AS name, d.revoked_at IS NULL AS active,
                       count(j.seq) AS uploads, max(j.received_at) AS last_upload,
                       count(*) FILTER (WHERE j.state = 'failed') AS failed
                FROM devices d LEFT JOIN jobs j ON j.device_id = d.id
                GROUP BY d.id ORDER BY active DESC, d.user_id, d.name, d.created_at LIMIT :limit""")
                .bind("limit", limit)
                .map((rs, ctx) -> new DeviceActivity(rs.getString("device_id"), rs.getString("user_id"), rs.getString("name"),
                        rs.getBoolean("active"), rs.getLong("uploads"), PostgresRows.instant(rs, "last_upload"),
                        rs.getLong("failed")))
                .list());
    }

    private static final String SUMMARY = """
            SELECT j.id, j.user_id, j.device_id, d.name AS device_name, j.filename, j.size, j.received_at,
                   j.attempts, j.next_attempt_at, j.last_error
            FROM jobs j LEFT JOIN devices d ON d.id = j.device_id""";

    private static JobSummary summary(ResultSet rs, StatementContext ctx) throws SQLException {
        return new JobSummary(rs.getString("id"), rs.getString("user_id"), rs.getString("device_id"),
                Optional.ofNullable(rs.getString("device_name")).orElse(rs.getString("device_id")), rs.getString("filename"),
                rs.getLong("size"), Instant.ofEpochMilli(rs.getLong("received_at")), rs.getInt("attempts"),
                PostgresRows.instant(rs, "next_attempt_at"), Optional.ofNullable(rs.getString("last_error")));
    }
}
