package dev.photosidecar.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteDeviceRegistry;
import dev.photosidecar.ledger.sqlite.SqliteJobLedger;
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

/** The lease keeper on its own, against a real ledger file, one round at a time and with a clock moved by hand. */
@UnitTest
class LeaseKeeperTest {
    private static final Duration LEASE = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final WakeSignal signal = new WakeSignal();
    private Jdbi jdbi;
    private JobLedger ledger;
    private Device phone;

    @BeforeEach
    void ledger() {
        jdbi = Database.open(dir.resolve("ledger.db"));
        ledger = new SqliteJobLedger(jdbi, clock);
        phone = new SqliteDeviceRegistry(jdbi, clock).add("alice", "phone").device();
    }

    @Test
    void renewsThisProcesssLeasesSoThatARunningAttemptKeepsItsJob() {
        LeaseKeeper keeper = new LeaseKeeper(ledger, clock, LEASE, "me", signal);
        Job job = claimed("me");
        for (int round = 0; round < 5; round++) {
            clock.advance(keeper.interval());
            keeper.keep();
        }
        assertThat(clock.instant()).as("well past the first lease").isAfter(Instant.parse("2026-03-01T12:08:00Z"));
        assertThat(ledger.find(job.id()).orElseThrow().state()).isEqualTo(JobState.DELIVERING);
    }

    @Test
    void returnsALeaseThatRanOutWhoeverHeldItAndWakesTheDispatcher() {
        LeaseKeeper keeper = new LeaseKeeper(ledger, clock, LEASE, "me", signal);
        Job theirs = claimed("a-dead-process");
        clock.advance(LEASE.plusSeconds(1));
        int seen = signal.seen();
        keeper.keep();
        Job back = ledger.find(theirs.id()).orElseThrow();
        assertThat(back.state()).isEqualTo(JobState.PENDING);
        assertThat(back.attempts()).as("the attempt is not refunded").isEqualTo(1);
        assertThat(signal.seen()).isGreaterThan(seen);
    }

    @Test
    void handsBackAStrandedJobOnTheNextRoundWithoutSpendingItsAttempt() {
        LeaseKeeper keeper = new LeaseKeeper(ledger, clock, LEASE, "me", signal);
        Job job = claimed("me");
        keeper.strand(job, new OutOfMemoryError("simulated"));
        assertThat(keeper.strandedCount()).isEqualTo(1);
        keeper.keep();
        Job back = ledger.find(job.id()).orElseThrow();
        assertThat(back.state()).isEqualTo(JobState.PENDING);
        assertThat(back.attempts()).isZero();
        assertThat(back.lastError()).hasValue("INTERNAL_ERROR: its delivery stopped before its outcome was recorded");
        assertThat(keeper.strandedCount()).isZero();
    }

    @Test
    void aRoundThatFailsDoesNotThrowSoTheTimerKeepsRunningIt() {
        LeaseKeeper keeper = new LeaseKeeper(ledger, clock, LEASE, "me", signal);
        jdbi.useHandle(h -> h.execute("DROP TABLE jobs"));
        // Logged, not thrown: a scheduled task that throws is never run again.
        assertThatCode(keeper::keep).doesNotThrowAnyException();
    }

    private Job claimed(String owner) {
        String id = Ids.jobId();
        ledger.insert(new NewJob(id, phone.id(), "alice", "k-" + id, "a.jpg", ResourceType.PHOTO, Optional.empty(),
                "image/jpeg", 10, "0".repeat(64), Optional.empty()));
        List<Job> claimed = ledger.claimDue(owner, 1, LEASE);
        assertThat(claimed).extracting(Job::id).containsExactly(id);
        return claimed.get(0);
    }
}
