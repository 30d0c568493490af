package dev.photosidecar.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Read-only figures about the ledger for the admin status page: jobs by state, deliveries over time,
 * the oldest waiting job, what each user and device has sent, and the failed jobs. Nothing here changes
 * a row; every "now" comes from the injected clock.
 */
public interface LedgerStats {
    /** The last hour, one bar per minute. */
    Duration HOUR = Duration.ofHours(1);
    /** The last day, one bar per hour. */
    Duration DAY = Duration.ofDays(1);

    /** When these figures are taken (the injected clock). */
    Instant now();

    /** Every state with its number of jobs, zero included. */
    Map<JobState, Long> countByState();

    /** How many jobs, and how many bytes, the spool must still hold ({@link JobState#holdsSpoolCopy()}). */
    Holding spoolHolding();

    /** The pending job that arrived first: the one that has waited longest. */
    Optional<JobSummary> oldestPending();

    /** Failed jobs, newest first, at most {@code limit}. */
    List<JobSummary> failedJobs(int limit);

    /** Deliveries in the last hour, per minute. */
    default Throughput lastHour() {
        return throughput(HOUR, Duration.ofMinutes(1));
    }

    /** Deliveries in the last day, per hour. */
    default Throughput lastDay() {
        return throughput(DAY, HOUR);
    }

    /**
     * Verified deliveries ({@code delivered_at}, whatever the job's state since) in {@code window}, counted in
     * buckets of {@code width}. Buckets are aligned to multiples of {@code width} since the epoch; the last
     * one holds "now" and is still filling. Empty buckets are included, so there are always
     * {@code window / width} of them, oldest first.
     */
    Throughput throughput(Duration window, Duration width);

    /** Every user (at most {@code limit}, by id): active devices, uploads, the last one, and failed jobs. */
    List<UserActivity> users(int limit);

    /**
     * Every device (at most {@code limit}): active ones first, by user and name; with its uploads, the last one,
     * and its failed jobs.
     */
    List<DeviceActivity> devices(int limit);

    /** Jobs whose bytes are in the spool, and their total size. */
    record Holding(long jobs, long bytes) {
    }

    /** One bar of a throughput chart: deliveries verified in {@code [start, start + width)}. */
    record Bucket(Instant start, long jobs, long bytes) {
    }

    /** Deliveries in {@code [from, to)}, in equal buckets, oldest first. */
    record Throughput(Instant from, Instant to, Duration width, List<Bucket> buckets) {
        public long jobs() {
            return buckets.stream().mapToLong(Bucket::jobs).sum();
        }

        public long bytes() {
            return buckets.stream().mapToLong(Bucket::bytes).sum();
        }

        public long maxJobs() {
            return buckets.stream().mapToLong(Bucket::jobs).max().orElse(0);
        }
    }

    /** A job as an operator needs to see it in a list. */
    record JobSummary(String id, String userId, String deviceId, String deviceName, String filename, long size,
                             Instant receivedAt, int attempts, Optional<Instant> nextAttemptAt, Optional<String> lastError) {
    }

    /** A user's uploads: active devices, jobs in the ledger, the newest arrival, and jobs that are failed now. */
    record UserActivity(String userId, long activeDevices, long uploads, Optional<Instant> lastUploadAt, long failed) {
    }

    /** A device's uploads: jobs in the ledger, the newest arrival, and jobs that are failed now. */
    record DeviceActivity(String deviceId, String userId, String name, boolean active, long uploads,
                                 Optional<Instant> lastUploadAt, long failed) {
    }
}
