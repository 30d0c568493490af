package dev.photosidecar.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.ledger.jdbc.JdbcLedger;
import dev.photosidecar.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The code of a job's last error lives in its own column ({@code last_error_code}) beside the text: written with
 * it, kept with it (a hand-back without a reason keeps both), cleared with it. A database gets these tests by a
 * subclass that opens a fresh ledger on it ({@code LastErrorCodeTest} on SQLite, {@code PostgresLastErrorCodeTest}).
 */
public abstract class LastErrorCodeContractTest {
    protected final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private JdbcLedger opened;
    private Jdbi jdbi;
    private JobLedger ledger;
    private Device device;

    /** A fresh, empty ledger on the database under test, on {@code clock}. */
    protected abstract JdbcLedger openLedger(MutableClock clock) throws Exception;

    @BeforeEach
    void open() throws Exception {
        opened = openLedger(clock);
        jdbi = opened.jdbi();
        ledger = opened.jobs();
        device = opened.devices().add("alice", "phone").device();
    }

    @AfterEach
    void close() {
        opened.close();
    }

    @Test
    void aRescheduledOrFailedJobKeepsTheCodeBesideTheUnchangedText() {
        Job job = claimed("k1");
        ledger.reschedule(job.id(), "w", clock.instant(), LastError.of(FailureCode.TIMEOUT, "TIMEOUT: PUT a.jpg failed"));
        assertThat(stored(job)).isEqualTo(new Stored("TIMEOUT: PUT a.jpg failed", "TIMEOUT"));

        claimed("k1");
        ledger.markFailed(job.id(), "w", LastError.of(FailureCode.WRITE_FAILED, "cannot write to the library: disk error"));
        assertThat(stored(job)).isEqualTo(new Stored("cannot write to the library: disk error", "WRITE_FAILED"));
        assertThat(ledger.find(job.id()).orElseThrow().lastError()).hasValue("cannot write to the library: disk error");
    }

    @Test
    void aHandBackWithAReasonReplacesTheCodeAndOneWithoutKeepsIt() {
        Job job = claimed("k1");
        ledger.reschedule(job.id(), "w", clock.instant(), LastError.of(FailureCode.HOST_ERROR, "HOST_ERROR: 500"));
        claimed("k1");
        ledger.handBack(job.id(), "w", clock.instant(), LastError.of(FailureCode.HOST_UNAVAILABLE, "HOST_UNAVAILABLE: 503"));
        assertThat(stored(job)).isEqualTo(new Stored("HOST_UNAVAILABLE: 503", "HOST_UNAVAILABLE"));

        claimed("k1");
        ledger.handBack(Optional.of(job.id()), "w", clock.instant(), Optional.empty()); // a shutdown: nothing new to say
        assertThat(stored(job)).isEqualTo(new Stored("HOST_UNAVAILABLE: 503", "HOST_UNAVAILABLE"));
    }

    @Test
    void anErrorGivenAsTextAloneHasNoCodeRatherThanAStaleOne() {
        Job job = claimed("k1");
        ledger.reschedule(job.id(), "w", clock.instant(), LastError.of(FailureCode.LOCKED, "LOCKED: 423"));
        claimed("k1");
        ledger.markFailed(job.id(), "w", "boom");
        assertThat(stored(job)).isEqualTo(new Stored("boom", null));
    }

    @Test
    void successAndRetryClearTheCodeWithTheText() {
        Job delivered = claimed("k1");
        ledger.reschedule(delivered.id(), "w", clock.instant(), LastError.of(FailureCode.TIMEOUT, "TIMEOUT: x"));
        claimed("k1");
        assertThat(ledger.markSucceeded(delivered.id(), "w", "a.jpg", Optional.empty())).isTrue();
        assertThat(stored(delivered)).isEqualTo(new Stored(null, null));

        Job retried = claimed("k2");
        ledger.markFailed(retried.id(), "w", LastError.of(FailureCode.REFUSED, "REFUSED: 400"));
        ledger.retry(device.id(), retried.id());
        assertThat(stored(retried)).isEqualTo(new Stored(null, null));
    }

    @Test
    void aLostSpoolCopyIsFailedWithItsCode() {
        Job job = insert("k1");
        ledger.failLostSpoolCopies(List.of(job.id()), "the spool copy of this upload is missing (found at start-up)");
        assertThat(stored(job)).isEqualTo(new Stored("the spool copy of this upload is missing (found at start-up)",
                "SPOOL_COPY_MISSING"));
    }

    private record Stored(String lastError, String code) {
    }

    private Stored stored(Job job) {
        return jdbi.withHandle(h -> h.createQuery("SELECT last_error, last_error_code FROM jobs WHERE id = :id")
                .bind("id", job.id()).map((rs, ctx) -> new Stored(rs.getString(1), rs.getString(2))).one());
    }

    private Job insert(String key) {
        return ledger.insert(new NewJob(Ids.jobId(), device.id(), "alice", key, key + ".jpg", ResourceType.PHOTO,
                Optional.empty(), "image/jpeg", 10, "a".repeat(64), Optional.empty()));
    }

    /** The job with {@code key}, inserted if new, claimed by worker "w" (the only due job there is). */
    private Job claimed(String key) {
        ledger.findByKey(device.id(), key).orElseGet(() -> insert(key));
        List<Job> claimed = ledger.claimDue("w", 1, Duration.ofMinutes(5));
        assertThat(claimed).extracting(Job::key).containsExactly(key);
        return claimed.get(0);
    }
}
