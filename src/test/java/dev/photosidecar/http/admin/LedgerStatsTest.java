package dev.photosidecar.http.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.LedgerStats;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteDeviceRegistry;
import dev.photosidecar.ledger.sqlite.SqliteJobLedger;
import dev.photosidecar.ledger.sqlite.SqliteLedgerStats;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status page's figures against a real SQLite ledger, with a clock moved by hand. */
@UnitTest
class LedgerStatsTest {
    static final Instant NOW = Instant.parse("2026-03-10T12:34:56Z");

    @TempDir
    Path dir;

    MutableClock clock = new MutableClock(NOW.minus(Duration.ofHours(30)));
    JobLedger ledger;
    DeviceRegistry devices;
    LedgerStats stats;
    Device alicePhone;
    Device aliceTablet;
    Device bobPhone;
    int keys;

    @BeforeEach
    void open() {
        Jdbi jdbi = Database.open(dir.resolve("ledger.db"));
        ledger = new SqliteJobLedger(jdbi, clock);
        devices = new SqliteDeviceRegistry(jdbi, clock);
        stats = new SqliteLedgerStats(jdbi, clock);
        alicePhone = devices.add("alice", "Alice's iPhone").device();
        aliceTablet = devices.add("alice", "iPad").device();
        bobPhone = devices.add("bob", "Pixel").device();
    }

    private Job insert(Device d, long size) {
        String key = "k" + (++keys);
        return ledger.insert(new NewJob(Ids.jobId(), d.id(), d.userId(), key, key + ".jpg", ResourceType.PHOTO,
                Optional.empty(), "image/jpeg", size, "a".repeat(64), Optional.empty()));
    }

    /** Inserts a job and delivers it at the clock's time. */
    private Job delivered(Device d, long size) {
        Job j = insert(d, size);
        assertThat(ledger.claimDue("w", 1, Duration.ofMinutes(5))).singleElement().extracting(Job::id).isEqualTo(j.id());
        assertThat(ledger.markSucceeded(j.id(), "w", "Photos/" + j.filename(), Optional.empty())).isTrue();
        return j;
    }

    private Job failed(Device d, String error) {
        Job j = insert(d, 10);
        assertThat(ledger.claimDue("w", 1, Duration.ofMinutes(5))).singleElement().extracting(Job::id).isEqualTo(j.id());
        assertThat(ledger.markFailed(j.id(), "w", error)).isTrue();
        return j;
    }

    private void at(Instant t) {
        assertThat(t).isAfterOrEqualTo(clock.instant());
        clock.advance(Duration.between(clock.instant(), t));
    }

    @Test
    void anEmptyLedgerHasEveryStateAtZeroAndFullRowsOfEmptyBuckets() {
        at(NOW);
        assertThat(stats.countByState()).hasSize(JobState.values().length).allSatisfy((s, n) -> assertThat(n).isZero());
        assertThat(stats.oldestPending()).isEmpty();
        assertThat(stats.failedJobs(10)).isEmpty();
        assertThat(stats.lastHour().buckets()).hasSize(60).allSatisfy(b -> assertThat(b.jobs()).isZero());
        assertThat(stats.lastDay().buckets()).hasSize(24);
        assertThat(stats.spoolHolding()).isEqualTo(new LedgerStats.Holding(0, 0));
        assertThat(stats.users(10)).extracting(LedgerStats.UserActivity::userId).containsExactly("alice", "bob");
        assertThat(stats.users(10)).allSatisfy(u -> {
            assertThat(u.uploads()).isZero();
            assertThat(u.lastUploadAt()).isEmpty();
        });
    }

    @Test
    void throughputCountsVerifiedDeliveriesInMinuteAndHourBucketsEndingNow() {
        at(NOW.minus(Duration.ofHours(25)));
        delivered(alicePhone, 1_000);                  // outside the day
        at(NOW.minus(Duration.ofHours(23)).minusSeconds(30));
        delivered(alicePhone, 2_000);                  // first hour bucket
        at(NOW.minus(Duration.ofMinutes(61)));
        delivered(bobPhone, 3_000);                    // in the day, not in the hour
        at(NOW.minus(Duration.ofMinutes(59)));
        delivered(bobPhone, 4_000);
        delivered(aliceTablet, 5_000);                 // the same minute
        at(NOW.minusSeconds(20));
        Job acked = delivered(alicePhone, 6_000);      // this minute, then acknowledged: still a delivery
        ledger.acknowledge(alicePhone.id(), List.of(acked.id()));
        failed(alicePhone, "boom");                    // never delivered
        insert(bobPhone, 7_000);                       // pending
        at(NOW);

        LedgerStats.Throughput hour = stats.lastHour();
        Instant minute = Instant.parse("2026-03-10T12:34:00Z");
        assertThat(hour.to()).isEqualTo(minute.plus(Duration.ofMinutes(1)));
        assertThat(hour.from()).isEqualTo(minute.minus(Duration.ofMinutes(59)));
        assertThat(hour.buckets()).hasSize(60);
        assertThat(hour.buckets().get(59).start()).isEqualTo(minute);
        assertThat(hour.buckets().get(59).jobs()).isEqualTo(1);
        assertThat(hour.buckets().get(59).bytes()).isEqualTo(6_000);
        // 59 minutes before 12:34:56 is 11:35:56, in the bucket of 11:35, the first one.
        assertThat(hour.buckets().get(0).start()).isEqualTo(Instant.parse("2026-03-10T11:35:00Z"));
        assertThat(hour.buckets().get(0).jobs()).isEqualTo(2);
        assertThat(hour.buckets().get(0).bytes()).isEqualTo(9_000);
        assertThat(hour.jobs()).isEqualTo(3);
        assertThat(hour.bytes()).isEqualTo(15_000);
        assertThat(hour.maxJobs()).isEqualTo(2);

        LedgerStats.Throughput day = stats.lastDay();
        assertThat(day.buckets()).hasSize(24);
        assertThat(day.to()).isEqualTo(Instant.parse("2026-03-10T13:00:00Z"));
        assertThat(day.buckets().get(0).start()).isEqualTo(Instant.parse("2026-03-09T13:00:00Z"));
        assertThat(day.buckets().get(0).jobs()).as("23 h 30 s ago is 13:34 yesterday").isEqualTo(1);
        assertThat(day.buckets().get(22).jobs()).as("11:33 and 11:35").isEqualTo(3);
        assertThat(day.buckets().get(23).jobs()).isEqualTo(1);
        assertThat(day.jobs()).as("the delivery 25 h ago is outside").isEqualTo(5);
        assertThat(day.bytes()).isEqualTo(2_000 + 3_000 + 4_000 + 5_000 + 6_000);
    }

    @Test
    void countsOldestPendingFailedListAndSpoolHolding() {
        // (claimDue takes the oldest due job, so every delivered or failed job is made before the pending ones.)
        at(NOW.minus(Duration.ofHours(2)));
        delivered(alicePhone, 100);
        Job firstFail = failed(alicePhone, "PATH_CONFLICT: Photos is a file");
        at(NOW.minus(Duration.ofMinutes(90)));
        Job secondFail = failed(aliceTablet, "gave up after 12 attempts");
        at(NOW.minus(Duration.ofHours(1)));
        Job oldest = insert(bobPhone, 2_000);
        at(NOW.minus(Duration.ofMinutes(30)));
        insert(alicePhone, 3_000);
        Job cancelled = insert(bobPhone, 50);
        ledger.cancel(bobPhone.id(), cancelled.id());
        at(NOW);

        assertThat(stats.countByState()).containsEntry(JobState.SUCCEEDED, 1L).containsEntry(JobState.FAILED, 2L)
                .containsEntry(JobState.PENDING, 2L).containsEntry(JobState.CANCELLED, 1L).containsEntry(JobState.DELIVERING, 0L);
        assertThat(stats.countByState()).isEqualTo(ledger.countByState());

        LedgerStats.JobSummary o = stats.oldestPending().orElseThrow();
        assertThat(o.id()).isEqualTo(oldest.id());
        assertThat(o.deviceName()).isEqualTo("Pixel");
        assertThat(o.userId()).isEqualTo("bob");
        assertThat(o.receivedAt()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(o.nextAttemptAt()).contains(NOW.minus(Duration.ofHours(1)));

        List<LedgerStats.JobSummary> f = stats.failedJobs(10);
        assertThat(f).extracting(LedgerStats.JobSummary::id).containsExactly(secondFail.id(), firstFail.id());
        assertThat(f.get(0).deviceName()).isEqualTo("iPad");
        assertThat(f.get(0).lastError()).contains("gave up after 12 attempts");
        assertThat(f.get(1).deviceName()).isEqualTo("Alice's iPhone");
        assertThat(f.get(1).attempts()).isEqualTo(1);
        assertThat(stats.failedJobs(1)).hasSize(1);

        // pending 2_000 + 3_000, failed 10 + 10; not the delivered or the cancelled ones
        assertThat(stats.spoolHolding()).isEqualTo(new LedgerStats.Holding(4, 5_020));
    }

    @Test
    void usersAndDevicesShowTheirLastUploadAndFailures() {
        Device revoked = devices.add("carol", "Old phone").device();
        devices.add("dave", "Never used");
        at(NOW.minus(Duration.ofHours(3)));
        delivered(revoked, 1);
        devices.revoke(revoked.id());
        at(NOW.minus(Duration.ofHours(2)));
        failed(alicePhone, "x");
        at(NOW.minus(Duration.ofMinutes(10)));
        delivered(alicePhone, 5);
        delivered(aliceTablet, 5);
        failed(aliceTablet, "y");
        at(NOW.minus(Duration.ofMinutes(5)));
        delivered(bobPhone, 5);
        at(NOW);

        List<LedgerStats.UserActivity> users = stats.users(10);
        assertThat(users).extracting(LedgerStats.UserActivity::userId).containsExactly("alice", "bob", "carol", "dave");
        LedgerStats.UserActivity alice = users.get(0);
        assertThat(alice.activeDevices()).isEqualTo(2);
        assertThat(alice.uploads()).isEqualTo(4);
        assertThat(alice.failed()).isEqualTo(2);
        assertThat(alice.lastUploadAt()).contains(NOW.minus(Duration.ofMinutes(10)));
        assertThat(users.get(1).lastUploadAt()).contains(NOW.minus(Duration.ofMinutes(5)));
        assertThat(users.get(2).activeDevices()).isZero();
        assertThat(users.get(2).uploads()).isEqualTo(1);
        assertThat(users.get(3).uploads()).isZero();
        assertThat(users.get(3).lastUploadAt()).isEmpty();
        assertThat(stats.users(2)).hasSize(2);

        List<LedgerStats.DeviceActivity> list = stats.devices(10);
        assertThat(list).extracting(LedgerStats.DeviceActivity::name)
                .as("active devices by user and name, then the revoked one")
                .containsExactly("Alice's iPhone", "iPad", "Pixel", "Never used", "Old phone");
        LedgerStats.DeviceActivity phone = list.get(0);
        assertThat(phone.uploads()).isEqualTo(2);
        assertThat(phone.failed()).isEqualTo(1);
        assertThat(phone.active()).isTrue();
        assertThat(phone.lastUploadAt()).contains(NOW.minus(Duration.ofMinutes(10)));
        LedgerStats.DeviceActivity old = list.get(4);
        assertThat(old.active()).isFalse();
        assertThat(old.userId()).isEqualTo("carol");
        assertThat(old.lastUploadAt()).contains(NOW.minus(Duration.ofHours(3)));
        assertThat(list.get(3).lastUploadAt()).isEmpty();
    }
}
