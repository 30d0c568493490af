package dev.photosidecar.http.admin;

import dev.photosidecar.config.Units;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.delivery.HostBreaker;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.LedgerStats;
import dev.photosidecar.spool.Quarantine;
import dev.photosidecar.spool.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the status page shows, taken in one go: the same object is rendered as HTML by {@link StatusPage} and
 * sent as {@code /admin/status.json} to the page's refresh script (and to scripts with the admin token).
 * Times are ISO-8601 instants, absent values null, sizes in bytes.
 */
public final class AdminStatus {
    private static final Logger log = LoggerFactory.getLogger(AdminStatus.class);
    /** How often the page asks for a fresh copy. */
    public static final int REFRESH_SECONDS = 10;
    /** How many failed jobs, users and devices the page lists at most. */
    public static final int LIST_LIMIT = 50;
    public static final int PEOPLE_LIMIT = 200;
    /** A remote target is asked how it is at most this often, however many pages are open. */
    static final Duration TARGET_HEALTH_TTL = Duration.ofSeconds(5);

    private final LedgerStats stats;
    private final Spool spool;
    private final DeliveryTarget target;
    private final Supplier<HostBreaker> breaker;
    private final Clock clock;
    private volatile CachedHealth targetHealth;

    public AdminStatus(LedgerStats stats, Spool spool, DeliveryTarget target, Supplier<HostBreaker> breaker, Clock clock) {
        this.stats = stats;
        this.spool = spool;
        this.target = target;
        this.breaker = breaker;
        this.clock = clock;
    }

    /** A fresh snapshot. A ledger that does not answer is reported as such, with the other sections empty. */
    public View snapshot() {
        Instant now = Instant.ofEpochMilli(clock.millis());
        Check targetCheck = targetCheck(now);
        HostBreaker b = breaker.get();
        Breaker breakerView = b == null ? new Breaker(false, null, null)
                : new Breaker(b.isOpen(), b.nextProbeAt().map(Instant::toString).orElse(null),
                        b.isOpen() ? b.reason() : null);
        long free = spool.usableBytes();
        try {
            Map<JobState, Long> byState = stats.countByState();
            Map<String, Long> counts = new LinkedHashMap<>();
            for (JobState s : JobState.values()) {
                counts.put(s.wire(), byState.getOrDefault(s, 0L));
            }
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            LedgerStats.Holding held = stats.spoolHolding();
            Check database = new Check(true, "ok", total + (total == 1 ? " job" : " jobs") + " in the ledger");
            Check spoolCheck = spoolCheck(free, held);
            List<JobItem> failed = stats.failedJobs(LIST_LIMIT).stream().map(AdminStatus::item).toList();
            return new View(now.toString(), REFRESH_SECONDS, new Health(database, spoolCheck, targetCheck), breakerView,
                    counts, total, stats.oldestPending().map(AdminStatus::item).orElse(null),
                    chart(stats.lastHour()), chart(stats.lastDay()),
                    new Failed(counts.get(JobState.FAILED.wire()), failed),
                    stats.users(PEOPLE_LIMIT).stream().map(u -> new UserRow(u.userId(), u.activeDevices(), u.uploads(),
                            u.lastUploadAt().map(Instant::toString).orElse(null), u.failed())).toList(),
                    stats.devices(PEOPLE_LIMIT).stream().map(d -> new DeviceRow(d.deviceId(), d.name(), d.userId(), d.active(),
                            d.uploads(), d.lastUploadAt().map(Instant::toString).orElse(null), d.failed())).toList());
        } catch (RuntimeException e) {
            log.warn("The status page could not read the ledger", e);
            Check database = new Check(false, "failing", "the ledger does not answer: " + e.getMessage());
            return new View(now.toString(), REFRESH_SECONDS,
                    new Health(database, spoolCheck(free, null), targetCheck), breakerView, Map.of(), 0, null,
                    null, null, new Failed(0, List.of()), List.of(), List.of());
        }
    }

    private Check spoolCheck(long free, LedgerStats.Holding held) {
        boolean room = spool.hasRoom();
        Quarantine.Contents quarantined = spool.quarantine().contents();
        String detail = Units.formatBytes(free) + " free, " + Units.formatBytes(spool.reserveBytes()) + " reserve"
                + (held == null ? "" : "; holding " + held.jobs() + (held.jobs() == 1 ? " upload" : " uploads")
                        + " (" + Units.formatBytes(held.bytes()) + ")")
                + (quarantined.isEmpty() ? "" : "; " + quarantined.files() + " file(s) (" + Units.formatBytes(quarantined.bytes())
                        + ") in quarantine that no job knew: look through " + quarantined.dir());
        return new Check(room, room ? "ok" : "full", detail);
    }

    private Check targetCheck(Instant now) {
        CachedHealth cached = targetHealth;
        if (cached == null || !now.isBefore(cached.until())) {
            DeliveryTarget.Health h;
            try {
                h = target.health();
            } catch (RuntimeException e) {
                h = new DeliveryTarget.Health(false, "health check failed: " + e.getMessage());
            }
            cached = new CachedHealth(new Check(h.ok(), h.ok() ? "ok" : "failing", target.name() + ": " + h.detail()),
                    now.plus(TARGET_HEALTH_TTL));
            targetHealth = cached;
        }
        return cached.check();
    }

    private static JobItem item(LedgerStats.JobSummary j) {
        return new JobItem(j.id(), j.filename(), j.userId(), j.deviceId(), j.deviceName(), j.size(), j.receivedAt().toString(),
                j.attempts(), j.nextAttemptAt().map(Instant::toString).orElse(null), j.lastError().orElse(null));
    }

    private static Chart chart(LedgerStats.Throughput t) {
        return new Chart(t.from().toString(), t.to().toString(), t.width().toSeconds(), t.jobs(), t.bytes(), t.maxJobs(),
                t.buckets().stream().map(b -> new Bar(b.start().toString(), b.jobs(), b.bytes())).toList());
    }

    private record CachedHealth(Check check, Instant until) {
    }

    // ---- the snapshot, as JSON and for the renderer ------------------------------------------------------

    /** The whole page. {@code counts} has every state, in the order of the state machine. */
    public record View(String generatedAt, int refreshSeconds, Health health, Breaker breaker, Map<String, Long> counts,
                       long totalJobs, JobItem oldestPending, Chart lastHour, Chart lastDay, Failed failed,
                       List<UserRow> users, List<DeviceRow> devices) {
    }

    /** One health line: whether it is fine, a one-word state, and the details. */
    public record Check(boolean ok, String state, String detail) {
    }

    public record Health(Check database, Check spool, Check target) {
    }

    /** The host breaker: open means every delivery waits for the host; the next probe is when it is tried again. */
    public record Breaker(boolean open, String nextProbeAt, String reason) {
    }

    public record JobItem(String id, String filename, String user, String deviceId, String device, long size,
                          String receivedAt, int attempts, String nextAttemptAt, String lastError) {
    }

    /** Deliveries over a window: totals, the busiest bucket, and one bar per bucket (oldest first). */
    public record Chart(String from, String to, long bucketSeconds, long jobs, long bytes, long max, List<Bar> bars) {
    }

    public record Bar(String start, long jobs, long bytes) {
    }

    /** The failed jobs: how many there are in all, and the newest {@link #LIST_LIMIT}. */
    public record Failed(long total, List<JobItem> jobs) {
    }

    public record UserRow(String user, long devices, long uploads, String lastUploadAt, long failed) {
    }

    public record DeviceRow(String id, String name, String user, boolean active, long uploads, String lastUploadAt,
                            long failed) {
    }
}
