package dev.photosidecar.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteDeviceRegistry;
import dev.photosidecar.ledger.sqlite.SqliteJobLedger;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TransitionLines;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger writes one transition line for each row it changes, naming the state the job really left, and none else. */
@UnitTest
class TransitionLogTest {
    @TempDir
    Path dir;

    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    JobLedger ledger;
    Device device;
    TransitionLines lines;

    @BeforeEach
    void open() {
        Jdbi jdbi = Database.open(dir.resolve("ledger.db"));
        ledger = new SqliteJobLedger(jdbi, clock);
        device = new SqliteDeviceRegistry(jdbi, clock).add("alice", "phone").device();
        lines = new TransitionLines();
    }

    @AfterEach
    void close() {
        lines.close();
    }

    private Job insert(String key) {
        return ledger.insert(new NewJob(Ids.jobId(), device.id(), "alice", key, key + ".jpg", ResourceType.PHOTO,
                Optional.empty(), "image/jpeg", 10, "a".repeat(64), Optional.empty()));
    }

    @Test
    void aPendingJobWithALastErrorIsLoggedAsCancelledFromPendingNotFromFailed() {
        Job job = insert("k");
        ledger.claimDue("w", 1, Duration.ofMinutes(5));
        ledger.reschedule(job.id(), "w", clock.instant().plusSeconds(60), "host said 500");
        assertThat(ledger.find(job.id()).orElseThrow().lastError()).hasValue("host said 500");
        int before = lines.of(job.id()).size();

        Transition t = ledger.cancel(device.id(), job.id());

        assertThat(t.from()).hasValue(JobState.PENDING);
        assertThat(lines.of(job.id()).subList(before, lines.of(job.id()).size())).singleElement().asString()
                .startsWith("job " + job.id() + " pending -> cancelled (user alice, device " + device.id() + "): by the device");
    }

    @Test
    void aPendingJobWithoutALastErrorIsLoggedAsCancelledFromPending() {
        Job job = insert("k");
        assertThat(lines.of(job.id())).singleElement().asString().contains(" received -> pending ");

        ledger.cancel(device.id(), job.id());

        assertThat(lines.of(job.id())).hasSize(2).last().asString()
                .startsWith("job " + job.id() + " pending -> cancelled (user alice, device " + device.id() + "): by the device");
    }

    @Test
    void aFailedJobsCancelIsLoggedFromFailed() {
        Job job = insert("k");
        ledger.claimDue("w", 1, Duration.ofMinutes(5));
        ledger.markFailed(job.id(), "w", "PERMANENT: 400");

        ledger.cancel(device.id(), job.id(), "by an operator on the status page");

        assertThat(lines.leaving(job.id(), "failed")).singleElement().asString()
                .contains("failed -> cancelled").endsWith(": by an operator on the status page");
    }

    @Test
    void aWorkerThatLostItsLeaseChangesNothingAndLogsNothing() {
        Job job = insert("k");
        ledger.claimDue("slow", 1, Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(2));
        ledger.returnExpiredLeases();
        ledger.claimDue("fresh", 1, Duration.ofMinutes(1));
        int before = lines.of(job.id()).size();

        assertThat(ledger.markSucceeded(job.id(), "slow", "x.jpg", Optional.empty())).isFalse();
        assertThat(ledger.markFailed(job.id(), "slow", "boom")).isFalse();
        assertThat(ledger.reschedule(job.id(), "slow", clock.instant(), "boom")).isFalse();
        assertThat(ledger.handBack(Optional.of(job.id()), "slow", clock.instant(), Optional.empty())).isZero();

        assertThat(lines.of(job.id())).hasSize(before);
        assertThat(lines.of(job.id())).extracting(l -> l.replaceFirst(" \\(user.*", "")).containsExactly(
                "job " + job.id() + " received -> pending",
                "job " + job.id() + " pending -> delivering",
                "job " + job.id() + " delivering -> pending",
                "job " + job.id() + " pending -> delivering");
    }

    @Test
    void operatorsRetryOfEveryFailedJobLogsEachOnce() {
        Job a = insert("a");
        Job b = insert("b");
        ledger.claimDue("w", 2, Duration.ofMinutes(5));
        ledger.markFailed(a.id(), "w", "PERMANENT: 400");
        ledger.markFailed(b.id(), "w", "PERMANENT: 415");

        assertThat(ledger.retryAllFailed(Optional.empty())).hasSize(2);

        for (Job j : new Job[] {a, b}) {
            assertThat(lines.leaving(j.id(), "failed")).singleElement().asString()
                    .contains("failed -> pending").endsWith(": retried by an operator");
        }
    }
}
