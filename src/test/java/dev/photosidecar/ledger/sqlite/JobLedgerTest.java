package dev.photosidecar.ledger.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DuplicateKeyException;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger against a real SQLite file. */
@UnitTest
class JobLedgerTest {
    @TempDir
    Path dir;

    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    Jdbi jdbi;
    JobLedger ledger;
    Device device;

    @BeforeEach
    void open() {
        jdbi = Database.open(dir.resolve("ledger.db"));
        ledger = new SqliteJobLedger(jdbi, clock);
        device = new SqliteDeviceRegistry(jdbi, clock).add("alice", "phone").device();
    }

    private Job insert(String key) {
        return ledger.insert(new NewJob(Ids.jobId(), device.id(), "alice", key, key + ".jpg", ResourceType.PHOTO,
                Optional.empty(), "image/jpeg", 10, "a".repeat(64), Optional.empty()));
    }

    @Test
    void twoWorkersClaimingAtOnceNeverGetTheSameJob() throws Exception {
        for (int i = 0; i < 200; i++) {
            insert("k" + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Callable<List<String>>> claimers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            String owner = "worker-" + w;
            claimers.add(() -> {
                List<String> mine = new ArrayList<>();
                List<Job> batch;
                while (!(batch = ledger.claimDue(owner, 3, Duration.ofMinutes(5))).isEmpty()) {
                    batch.forEach(j -> mine.add(j.id()));
                }
                return mine;
            });
        }
        List<String> all = new ArrayList<>();
        for (Future<List<String>> f : pool.invokeAll(claimers)) {
            all.addAll(f.get());
        }
        pool.shutdown();

        assertThat(all).hasSize(200).doesNotHaveDuplicates();
        assertThat(ledger.countByState().get(JobState.DELIVERING)).isEqualTo(200);
    }

    @Test
    void claimingCountsTheAttemptAndOnlyTakesDueJobs() {
        Job job = insert("k");
        ledger.reschedule(job.id(), "nobody", clock.instant(), "x"); // not leased: no effect
        List<Job> claimed = ledger.claimDue("w", 10, Duration.ofMinutes(5));
        assertThat(claimed).singleElement().satisfies(j -> {
            assertThat(j.attempts()).isEqualTo(1);
            assertThat(j.state()).isEqualTo(JobState.DELIVERING);
        });
        ledger.reschedule(job.id(), "w", clock.instant().plusSeconds(60), "host said 500");
        assertThat(ledger.claimDue("w", 10, Duration.ofMinutes(5))).isEmpty();
        clock.advance(Duration.ofSeconds(61));
        assertThat(ledger.claimDue("w", 10, Duration.ofMinutes(5))).singleElement()
                .satisfies(j -> assertThat(j.attempts()).isEqualTo(2));
    }

    @Test
    void expiredLeasesReturnToPendingAndLiveOnesDoNot() {
        Job a = insert("a");
        Job b = insert("b");
        ledger.claimDue("dead-worker", 1, Duration.ofMinutes(1));
        clock.advance(Duration.ofSeconds(30));
        ledger.claimDue("live-worker", 1, Duration.ofMinutes(1));
        clock.advance(Duration.ofSeconds(45));
        ledger.renewLeases("live-worker", Duration.ofMinutes(1));

        assertThat(ledger.returnExpiredLeases()).isEqualTo(1);
        assertThat(ledger.find(a.id()).orElseThrow().state()).isEqualTo(JobState.PENDING);
        assertThat(ledger.find(b.id()).orElseThrow().state()).isEqualTo(JobState.DELIVERING);
    }

    @Test
    void handingBackAJobDoesNotSpendItsAttempt() {
        Job job = insert("k");
        ledger.claimDue("w", 1, Duration.ofMinutes(1));
        assertThat(ledger.handBack(Optional.empty(), "w", clock.instant(), Optional.empty())).isEqualTo(1);
        Job back = ledger.find(job.id()).orElseThrow();
        assertThat(back.state()).isEqualTo(JobState.PENDING);
        assertThat(back.attempts()).isZero();
    }

    @Test
    void aStaleWorkerCannotFinishAJobItNoLongerHolds() {
        Job job = insert("k");
        ledger.claimDue("slow", 1, Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(2));
        ledger.returnExpiredLeases();
        ledger.claimDue("fresh", 1, Duration.ofMinutes(1));

        assertThat(ledger.markSucceeded(job.id(), "slow", "x.jpg", Optional.empty())).isFalse();
        assertThat(ledger.markFailed(job.id(), "slow", "boom")).isFalse();
        assertThat(ledger.markSucceeded(job.id(), "fresh", "x.jpg", Optional.empty())).isTrue();
    }

    @Test
    void theDatabaseItselfRefusesImpossibleStates() {
        Job job = insert("k");
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("UPDATE jobs SET state = 'lost' WHERE id = ?", job.id())))
                .hasMessageContaining("CHECK");
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("UPDATE jobs SET state = 'succeeded' WHERE id = ?", job.id())))
                .hasMessageContaining("CHECK");
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("UPDATE jobs SET state = 'cancelled' WHERE id = ?", job.id())))
                .hasMessageContaining("CHECK");
    }

    @Test
    void aKeyIsUniquePerDevice() {
        insert("same");
        assertThatThrownBy(() -> insert("same")).isInstanceOf(DuplicateKeyException.class);
        Device other = new SqliteDeviceRegistry(jdbi, clock).add("alice", "tablet").device();
        ledger.insert(new NewJob(Ids.jobId(), other.id(), "alice", "same", "x.jpg", ResourceType.PHOTO,
                Optional.empty(), "image/jpeg", 1, "b".repeat(64), Optional.empty()));
    }

    @Test
    void theHotQueriesUseTheirIndexes() {
        List<String> plans = new ArrayList<>();
        for (String sql : List.of(
                "SELECT seq FROM jobs WHERE state = 'pending' AND next_attempt_at <= 0 ORDER BY next_attempt_at, seq LIMIT 4",
                "SELECT * FROM jobs WHERE device_id = 'd' AND seq < 9 ORDER BY seq DESC LIMIT 50",
                "SELECT * FROM jobs WHERE device_id = 'd' AND state = 'failed' AND seq < 9 ORDER BY seq DESC LIMIT 50",
                "SELECT * FROM jobs WHERE device_id = 'd' AND upload_key = 'k'")) {
            List<String> plan = jdbi.withHandle(h -> h.createQuery("EXPLAIN QUERY PLAN " + sql)
                    .map((rs, ctx) -> rs.getString("detail")).list());
            plans.add(String.join(" | ", plan));
        }
        assertThat(plans.get(0)).contains("jobs_due");
        assertThat(plans.get(1)).contains("jobs_by_device");
        assertThat(plans.get(2)).contains("jobs_by_device_state");
        assertThat(plans.get(3)).contains("sqlite_autoindex_jobs");
        assertThat(Collections.frequency(plans, "")).isZero();
    }
}
